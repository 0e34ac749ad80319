"""People and teams (issue 31, part 1): rotations and overrides say who is on call; contact
details never show in a repr, a log line or an error; the file is checked like the catalog."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml

from ioc.catalog import Catalog
from ioc.catalog.oncall import DEFAULT_ONCALL_PATH, OnCall, load_oncall
from ioc.config import ConfigError

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
FIRST_SHIFT = datetime(2026, 11, 23, 8, 0, tzinfo=HCM)


@pytest.fixture(scope="module")
def oncall(catalog: Catalog) -> OnCall:
    return load_oncall(catalog=catalog)


def test_the_weekly_rotation_hands_over_every_seven_days_and_wraps(oncall: OnCall) -> None:
    team = oncall.incident_response
    week = timedelta(days=7)
    turns = [team.on_call(FIRST_SHIFT + n * week + timedelta(hours=1)) for n in range(5)]
    assert turns == ["ir-1", "ir-2", "ir-3", "ir-4", "ir-1"]
    assert team.on_call(FIRST_SHIFT + week - timedelta(seconds=1)) == "ir-1"


def test_an_override_takes_the_shift_for_its_span_only(oncall: OnCall) -> None:
    team = oncall.incident_response
    assert team.on_call(datetime(2026, 12, 24, 10, 0, tzinfo=HCM)) == "ir-3"
    assert team.on_call(datetime(2026, 12, 26, 8, 0, tzinfo=HCM)) == "ir-1"


def test_the_secondary_is_the_next_in_the_rotation(oncall: OnCall) -> None:
    team = oncall.it_operations
    assert team.secondary(FIRST_SHIFT + timedelta(hours=1)) == "ops-2"


def test_addresses_and_chat_ids_never_show_in_a_repr(oncall: OnCall) -> None:
    text = repr(oncall) + str(oncall.person("ir-1"))
    assert "@ioc.example" not in text and "100000001" not in text


def test_the_bundled_example_covers_every_agency_with_fictitious_addresses(
    oncall: OnCall, catalog: Catalog
) -> None:
    assert oncall.missing_agencies(catalog) == []
    addresses = [p.email.get_secret_value() for p in oncall.people if p.email is not None]
    assert addresses and all(a.endswith("@ioc.example") for a in addresses)


def write(tmp_path: Path, change: Any) -> Path:
    doc = yaml.safe_load(DEFAULT_ONCALL_PATH.read_text())
    change(doc)
    file = tmp_path / "oncall.yaml"
    file.write_text(yaml.safe_dump(doc, allow_unicode=True))
    return file


def test_a_mistyped_address_names_the_file_and_field_without_printing_it(
    tmp_path: Path,
) -> None:
    def typo(doc: dict[str, Any]) -> None:
        doc["people"][0]["email"] = "ir-1(at)ioc.example"

    with pytest.raises(ConfigError) as err:
        load_oncall(write(tmp_path, typo))
    message = str(err.value)
    assert "oncall.yaml" in message and "people[ir-1].email" in message
    assert "(at)" not in message


def test_a_contact_who_is_not_a_person_of_the_file_is_refused(tmp_path: Path) -> None:
    def stranger(doc: dict[str, Any]) -> None:
        doc["agencies"]["so-tc"]["security_officer"] = ["nobody"]

    with pytest.raises(ConfigError, match=r"agencies\.so-tc\.security_officer.*'nobody'"):
        load_oncall(write(tmp_path, stranger))


def test_a_catalog_agency_without_contacts_is_refused(tmp_path: Path, catalog: Catalog) -> None:
    def forget(doc: dict[str, Any]) -> None:
        del doc["agencies"]["so-tc"]

    with pytest.raises(ConfigError, match=r"no contacts for 1 catalog agencies \(so-tc\)"):
        load_oncall(write(tmp_path, forget), catalog)


def test_an_override_that_ends_before_it_starts_is_refused(tmp_path: Path) -> None:
    def backwards(doc: dict[str, Any]) -> None:
        doc["incident_response"]["overrides"][0]["end"] = "2026-12-01T08:00:00+07:00"

    with pytest.raises(ConfigError, match=r"incident_response\.overrides\[0\]\.end"):
        load_oncall(write(tmp_path, backwards))


def test_the_check_command_prints_counts_and_no_contact(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from ioc.cli.main import main

    assert main(["catalog", "oncall"]) == 0
    out = capsys.readouterr().out
    assert "valid" in out and "contacts for all 144 agencies" in out
    assert "@" not in out and "ví dụ" not in out
