"""Routes to people (issue 31, part 2): generated from the catalog and the on-call file,
accepted by amtool, routing each page to the right people, with the on-call shifts as time
intervals that open exactly when the rotation says."""

from __future__ import annotations

import shutil
import subprocess
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml
from pydantic import SecretStr

from ioc.alerting.escalation import ESCALATION_ALERT
from ioc.catalog import Catalog
from ioc.catalog.oncall import OnCall, load_oncall
from ioc.runtime.alertmanager import EmailChannel, local_config
from ioc.runtime.people_routes import PeopleRouting, TelegramChannel
from tests.unit.test_alertmanager_config import _open

pytestmark = pytest.mark.skipif(shutil.which("amtool") is None, reason="needs amtool")
HCM = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture(scope="module")
def oncall(catalog: Catalog) -> OnCall:
    return load_oncall(catalog=catalog)


@pytest.fixture(scope="module")
def config(oncall: OnCall, catalog: Catalog) -> dict[str, Any]:
    email = EmailChannel(  # type: ignore[call-arg]
        smarthost="127.0.0.1:2525", IOC_EMAIL_FROM="ioc@ioc.example",
        pages_to="truc-ca@ioc.example", require_tls=False,
    )  # fmt: skip
    telegram = TelegramChannel(bot_token=SecretStr("1:x"), api_url="http://127.0.0.1:9")
    people = PeopleRouting(oncall, catalog, telegram)
    return local_config("http://127.0.0.1:9", email=email, people=people)


@pytest.fixture(scope="module")
def config_file(config: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Path:
    file = tmp_path_factory.mktemp("am") / "alertmanager.yml"
    file.write_text(yaml.safe_dump(config, allow_unicode=True))
    return file


def receivers(config_file: Path, *labels: str) -> set[str]:
    out = subprocess.run(
        ["amtool", "config", "routes", "test", f"--config.file={config_file}", *labels],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return set(out.stdout.strip().split(","))


def test_amtool_accepts_the_config_with_people(config_file: Path) -> None:
    result = subprocess.run(["amtool", "check-config", str(config_file)],
                            capture_output=True, text=True, check=False)  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_soc_page_goes_to_incident_response_and_the_agencys_security_officer_only(
    config_file: Path,
) -> None:
    got = receivers(config_file, "alertname=SocBurst", "severity=page", "domain=soc",
                    "agency=so-tc")  # fmt: skip
    assert "agency-so-tc-security-officer" in got and "oncall" in got
    assert {f"person-ir-{n}" for n in range(1, 5)} <= got
    assert not [r for r in got if r.startswith("agency-") and "so-tc" not in r]
    assert not [r for r in got if r.startswith("person-ops-")]


def test_a_platform_page_goes_to_it_operations_not_to_security_officers(
    config_file: Path,
) -> None:
    got = receivers(config_file, "alertname=ServiceDown", "severity=page", "domain=uptime",
                    "service=cong-dvc", "agency=so-tttt")  # fmt: skip
    assert {f"person-ops-{n}" for n in range(1, 5)} <= got
    assert not [r for r in got if r.startswith("agency-") or r.startswith("person-ir-")]


def test_a_dossier_ticket_goes_to_the_agencys_one_stop_coordinator_and_operations(
    config_file: Path,
) -> None:
    got = receivers(config_file, "alertname=DossierOverdueBacklog", "severity=ticket",
                    "domain=dossier", "agency=so-tnmt")  # fmt: skip
    assert got == {"agency-so-tnmt-one-stop", "operations"}


def test_exactly_the_person_on_call_has_an_open_shift_at_every_hour(
    config: dict[str, Any], oncall: OnCall
) -> None:
    team = oncall.incident_response
    shifts = {
        i["name"].removeprefix(f"on-call-{team.id}-"): i["time_intervals"]
        for i in config["time_intervals"]
        if i["name"].startswith(f"on-call-{team.id}-")
    }
    start = datetime(2026, 11, 23, 7, 0, tzinfo=HCM)
    for hour in range(6 * 7 * 24):  # six weeks, through the Christmas override
        for minute in (0, 59):
            at = start + timedelta(hours=hour, minutes=minute)
            open_ = [p for p, intervals in shifts.items() if _open(intervals, at)]
            expected = [] if at < team.rotation.start else [team.on_call(at)]
            assert open_ == expected, at


def test_people_receivers_carry_their_own_address_and_chat(config: dict[str, Any]) -> None:
    receiver = next(r for r in config["receivers"] if r["name"] == "person-ir-1")
    assert [c["to"] for c in receiver["email_configs"]] == ["ir-1@ioc.example"]
    assert [c["chat_id"] for c in receiver["telegram_configs"]] == [100000001]
    assert receiver["telegram_configs"][0]["api_url"] == "http://127.0.0.1:9"


def test_an_unacknowledged_soc_page_escalates_to_the_incident_response_secondary_only(
    config_file: Path,
) -> None:
    got = receivers(config_file, f"alertname={ESCALATION_ALERT}", "severity=page",
                    "domain=soc", "agency=so-tc", "escalation=secondary",
                    "team=incident_response")  # fmt: skip
    # Each responder's route is open only in that person's secondary shifts.
    assert got == {"oncall"} | {f"person-ir-{n}" for n in range(1, 5)}


def test_the_last_step_goes_to_the_head_of_operations_only(config_file: Path) -> None:
    got = receivers(config_file, f"alertname={ESCALATION_ALERT}", "severity=page",
                    "domain=uptime", "service=cong-dvc", "escalation=head_of_operations",
                    "team=it_operations")  # fmt: skip
    assert got == {"oncall", "person-head-ioc"}


def test_exactly_the_secondary_has_an_open_escalation_shift_at_every_hour(
    config: dict[str, Any], oncall: OnCall
) -> None:
    team = oncall.it_operations
    prefix = f"secondary-{team.id}-"
    shifts = {i["name"].removeprefix(prefix): i["time_intervals"]
              for i in config["time_intervals"] if i["name"].startswith(prefix)}  # fmt: skip
    start = datetime(2026, 11, 23, 7, 0, tzinfo=HCM)
    for hour in range(0, 5 * 7 * 24, 3):
        at = start + timedelta(hours=hour)
        open_ = [p for p, intervals in shifts.items() if _open(intervals, at)]
        assert open_ == ([] if at < team.rotation.start else [team.secondary(at)]), at
