"""The Alertmanager configuration: valid (amtool check-config) and routing as documented
(amtool config routes test)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from ioc.catalog import load_catalog
from ioc.runtime.alertmanager import CONFIG

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
    import yaml

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
