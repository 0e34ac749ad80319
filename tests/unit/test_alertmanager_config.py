"""The Alertmanager configuration: valid (amtool check-config) and routing as documented
(amtool config routes test)."""

from __future__ import annotations

import shutil
import subprocess
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml

from ioc.catalog import load_catalog
from ioc.catalog.calendar import WorkingCalendar
from ioc.runtime.alertmanager import CONFIG, local_config
from ioc.runtime.time_intervals import office_intervals

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


def test_dossier_tickets_wait_for_the_working_calendars_office_hours() -> None:
    config = local_config("http://127.0.0.1:9")
    dossier = next(
        r for r in config["route"]["routes"] if 'domain="dossier"' in r.get("matchers", [])
    )
    assert dossier["active_time_intervals"] == ["office_hours"]
    office = next(t for t in config["time_intervals"] if t["name"] == "office_hours")
    assert office["time_intervals"] == office_intervals(WorkingCalendar.of(load_catalog()))


def _span_holds(spec: list[str], value: int, names: tuple[str, ...] = ()) -> bool:
    """An Alertmanager list of values or inclusive ranges ("5:10", "monday:friday")."""
    for item in spec:
        a, _, b = item.partition(":")
        lo = names.index(a) if names else int(a)
        hi = (names.index(b) if names else int(b)) if b else lo
        if lo <= value <= hi:
            return True
    return False


MONTHS = ("", "january", "february", "march", "april", "may", "june", "july", "august",
          "september", "october", "november", "december")  # fmt: skip


def _open(intervals: list[dict[str, Any]], wall: datetime) -> bool:
    """Whether Alertmanager's time intervals contain ``wall``: every field an interval gives
    must hold, in the interval's location (Alertmanager's documented semantics)."""
    for i in intervals:
        t = wall.astimezone(ZoneInfo(i.get("location", "UTC")))
        minute = f"{t:%H:%M}"
        if "years" in i and not _span_holds(i["years"], t.year):
            continue
        if "months" in i and not _span_holds(i["months"], t.month, MONTHS):
            continue
        if "days_of_month" in i and not _span_holds(i["days_of_month"], t.day):
            continue
        if "weekdays" in i and not _span_holds(i["weekdays"], t.weekday(), WEEKDAYS):
            continue
        if any(r["start_time"] <= minute < r["end_time"] for r in i["times"]):
            return True
    return False


WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# Tết 2026, the swapped Monday and its Saturday, New Year 2027, Tết 2027 (provisional), and
# January 2028, a year the calendar does not list.
SWEEPS = [
    (datetime(2026, 2, 9), 16),
    (datetime(2026, 8, 20), 14),
    (datetime(2026, 12, 28), 8),
    (datetime(2027, 2, 1), 14),
    (datetime(2028, 1, 1), 9),
]


@pytest.mark.parametrize(
    "offset_seconds",
    [0, -16 * 3600 - 23 * 60, 3 * 86400 + 5 * 3600, -(9 * 86400 + 11 * 60)],
    ids=["province-clock", "16h23m-back", "3d5h-ahead", "9d11m-back"],
)
def test_office_hours_open_exactly_when_the_calendar_says_the_province_works(
    offset_seconds: float,
) -> None:
    calendar = WorkingCalendar.of(load_catalog())
    intervals = office_intervals(calendar, offset_seconds)
    expected = calendar.weekly_fallback()
    for first, days in SWEEPS:
        province = first.replace(tzinfo=calendar.tz)
        for step in range(days * 24 * 4):  # every quarter hour, and a minute each side
            for jitter in (-60, 0, 60):
                at = province + timedelta(minutes=15 * step, seconds=jitter)
                wall = at - timedelta(seconds=offset_seconds)
                assert _open(intervals, wall) == expected.is_working(at), at


@pytest.mark.parametrize("offset_seconds", [0, -58_980])
def test_the_alertmanager_config_with_the_calendar_passes_amtool(
    tmp_path: Path, offset_seconds: float
) -> None:
    config = local_config("http://127.0.0.1:9", fast=True, clock_offset_seconds=offset_seconds)
    file = tmp_path / "alertmanager.yml"
    file.write_text(yaml.safe_dump(config))
    proc = subprocess.run(
        ["amtool", "check-config", str(file)], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
