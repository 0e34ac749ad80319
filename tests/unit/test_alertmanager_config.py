"""The Alertmanager configuration: valid (amtool check-config) and routing as documented
(amtool config routes test)."""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml

from ioc.catalog import load_catalog
from ioc.runtime.alertmanager import CONFIG, local_config, shifted_office_hours

pytestmark = pytest.mark.skipif(shutil.which("amtool") is None, reason="needs amtool")


def route(*labels: str) -> str:
    result = subprocess.run(
        ["amtool", "config", "routes", "test", f"--config.file={CONFIG}", *labels],
        capture_output=True,
        text=True,
        check=False,
    )
    return result.stdout.strip()


def test_amtool_accepts_the_config() -> None:
    result = subprocess.run(
        ["amtool", "check-config", str(CONFIG)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    "labels",
    [
        ("alertname=ServiceDown", "severity=page", "domain=uptime", "service=cong-dvc"),
        ("alertname=SocCampaign", "severity=page", "domain=soc"),
        ("alertname=CorrelatedIncident", "severity=page", "domain=correlated"),
        ("alertname=IocWorkerDown", "severity=page", "domain=pipeline"),
    ],
)
def test_pages_go_to_on_call(labels: tuple[str, ...]) -> None:
    assert route(*labels) == "oncall"


@pytest.mark.parametrize(
    "labels",
    [
        ("alertname=LatencyDegraded", "severity=ticket", "domain=uptime"),
        ("alertname=DossierOverdueBacklog", "severity=ticket", "domain=dossier"),
        ("alertname=SLOErrorBudgetBurn", "severity=ticket", "domain=uptime"),
    ],
)
def test_tickets_go_to_the_operations_channel(labels: tuple[str, ...]) -> None:
    assert route(*labels) == "operations"


def test_info_goes_nowhere() -> None:
    assert route("alertname=X", "severity=info") == "null"


def test_dossier_tickets_wait_for_office_hours() -> None:
    config = yaml.safe_load(CONFIG.read_text())
    dossier = next(
        r for r in config["route"]["routes"] if 'domain="dossier"' in r.get("matchers", [])
    )
    assert dossier["active_time_intervals"] == ["office_hours"]

    office = next(t for t in config["time_intervals"] if t["name"] == "office_hours")
    assert office["time_intervals"] == [catalog_office_hours()]


WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def catalog_office_hours() -> dict[str, object]:
    """The catalog's office hours as an Alertmanager time interval: Alertmanager must hold
    dossier tickets over exactly the hours the intake-stall rule and the simulator use."""
    province = load_catalog().province
    hours = province.office_hours
    runs: list[list[int]] = []
    for day in sorted(hours.days):
        if runs and day == runs[-1][-1] + 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    ranges = [":".join(dict.fromkeys((WEEKDAYS[r[0] - 1], WEEKDAYS[r[-1] - 1]))) for r in runs]
    return {
        "weekdays": ranges,
        "times": [{"start_time": f"{hours.start:%H:%M}", "end_time": f"{hours.end:%H:%M}"}],
        "location": province.timezone,
    }


def _held_open(intervals: list[dict[str, Any]], wall: datetime) -> bool:
    """Whether Alertmanager's time intervals (UTC, one weekday each) contain ``wall``."""
    utc = wall.astimezone(UTC)
    minute = f"{utc:%H:%M}"
    return any(
        WEEKDAYS[utc.weekday()] in i["weekdays"]
        and any(t["start_time"] <= minute < t["end_time"] for t in i["times"])
        for i in intervals
    )


@pytest.mark.parametrize(
    "offset_seconds",
    [-16 * 3600 - 23 * 60, 3 * 86400 + 5 * 3600, -(9 * 86400 + 11 * 60)],
    ids=["16h23m-back", "3d5h-ahead", "9d11m-back"],
)
def test_shifted_office_hours_open_exactly_when_the_province_clock_is_in_office_hours(
    offset_seconds: float,
) -> None:
    catalog = load_catalog()
    intervals = shifted_office_hours(catalog, offset_seconds)
    hours, tz = catalog.province.office_hours, ZoneInfo(catalog.province.timezone)
    province = datetime(2026, 11, 23, 0, 0, tzinfo=tz)  # a Monday
    for step in range(7 * 24 * 4):  # every quarter hour of a week, and a minute each side
        for jitter in (-60, 0, 60):
            at = province + timedelta(minutes=15 * step, seconds=jitter)
            wall = at - timedelta(seconds=offset_seconds)
            assert _held_open(intervals, wall) == hours.contains(at), at


def test_the_demo_alertmanager_config_with_a_shifted_clock_passes_amtool(tmp_path: Path) -> None:
    config = local_config("http://127.0.0.1:9", fast=True, clock_offset_seconds=-58_980)
    file = tmp_path / "alertmanager.yml"
    file.write_text(yaml.safe_dump(config))
    proc = subprocess.run(
        ["amtool", "check-config", str(file)], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
