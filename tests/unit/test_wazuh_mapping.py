"""Wazuh alert lines to SocAlert, and the asset register that maps their agents."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest

from ioc.catalog import Catalog
from ioc.catalog.assets import Asset, AssetRegister, load_register
from ioc.config import ConfigError
from ioc.sources.wazuh.mapping import Mapped, Unmappable, Unregistered, map_alert
from tests.sources.wazuh_lines import wazuh_alert

BUCKET = Unregistered("so-tttt", "desktop")


@pytest.fixture(scope="module")
def register(catalog: Catalog) -> AssetRegister:
    return load_register(None, catalog)


def mapped(doc: dict[str, object], register: AssetRegister) -> Mapped | Unmappable:
    return map_alert(orjson.dumps(doc), register, BUCKET)


def test_an_alert_of_a_registered_agent_takes_its_agency_and_system(
    register: AssetRegister,
) -> None:
    result = mapped(wazuh_alert(agent_id="so-tttt-s0001"), register)
    assert isinstance(result, Mapped) and result.registered
    alert = result.alert
    # so-tttt runs no level-1 system: its first server serves its first level-2 one.
    assert (alert.agency, alert.asset_type, alert.security_level) == ("so-tttt", "server", 2)
    assert alert.information_system == "so-tttt-ht2-01"
    assert (alert.rule.level, alert.severity, alert.rule.mitre.id) == (10, "medium", ["T1110"])


def test_wazuh_timestamps_without_a_colon_in_the_offset_are_read(
    register: AssetRegister,
) -> None:
    result = mapped(wazuh_alert(timestamp="2026-11-24T09:55:30.123+0700"), register)
    assert isinstance(result, Mapped)
    assert result.alert.event_time == datetime(2026, 11, 24, 2, 55, 30, 123000, tzinfo=UTC)


def test_one_wazuh_alert_id_is_one_event_id(register: AssetRegister) -> None:
    a = mapped(wazuh_alert("1764561330.1"), register)
    b = mapped(wazuh_alert("1764561330.1"), register)
    c = mapped(wazuh_alert("1764561330.2"), register)
    assert isinstance(a, Mapped) and isinstance(b, Mapped) and isinstance(c, Mapped)
    assert a.alert.event_id == b.alert.event_id != c.alert.event_id
    assert a.alert.alert_id == "1764561330.1"


def test_an_agent_missing_from_the_register_goes_to_the_bucket_agency(
    register: AssetRegister,
) -> None:
    result = mapped(wazuh_alert(agent_id="777", agent_name="laptop-khong-ro"), register)
    assert isinstance(result, Mapped) and not result.registered
    assert (result.alert.agency, result.alert.asset_type) == ("so-tttt", "desktop")


def test_a_re_registered_agent_is_found_by_its_name() -> None:
    register = AssetRegister([Asset("042", "srv-mail", "so-tc", "server")])
    result = map_alert(
        orjson.dumps(wazuh_alert(agent_id="108", agent_name="srv-mail")), register, BUCKET
    )
    assert isinstance(result, Mapped) and result.alert.agency == "so-tc"


def test_a_line_that_is_not_json_is_unmappable_as_invalid_json(register: AssetRegister) -> None:
    result = map_alert(b'{"timestamp": "2026-11-24T0', register, BUCKET)
    assert isinstance(result, Unmappable) and result.reason == "invalid_json"


def test_an_alert_without_a_rule_is_unmappable_naming_the_field(register: AssetRegister) -> None:
    doc = wazuh_alert()
    del doc["rule"]
    result = mapped(doc, register)
    assert isinstance(result, Unmappable)
    assert (result.reason, result.detail.split(":")[0]) == ("schema_violation", "rule")


def test_a_rule_level_above_16_is_a_schema_violation(register: AssetRegister) -> None:
    result = mapped(wazuh_alert(level=17), register)
    assert isinstance(result, Unmappable)
    assert result.reason == "schema_violation" and result.detail.startswith("rule.level")


def test_a_timestamp_in_another_format_is_a_schema_violation(register: AssetRegister) -> None:
    result = mapped(wazuh_alert(timestamp="24/11/2026 09:55"), register)
    assert isinstance(result, Unmappable) and "timestamp" in result.detail


def test_the_synthetic_register_has_every_asset_of_the_catalog(catalog: Catalog) -> None:
    total = sum(
        a.assets.desktop + a.assets.server + a.assets.network_device for a in catalog.agencies
    )
    assert len(load_register(None, catalog)) == total


def test_a_register_csv_is_read(tmp_path: Path, catalog: Catalog) -> None:
    file = tmp_path / "assets.csv"
    file.write_text(
        "agent_id,agent_name,agency,asset_type,information_system,security_level\n"
        "001,srv-dvc,so-tttt,server,cong-dvc,3\n"
        "002,pc-01,so-tc,desktop,,\n"
    )
    register = load_register(file, catalog)
    assert register.lookup("001") == Asset("001", "srv-dvc", "so-tttt", "server", "cong-dvc", 3)
    assert register.lookup("nope", "pc-01") == Asset("002", "pc-01", "so-tc", "desktop")


def test_a_register_row_with_an_unknown_agency_names_file_line_and_field(
    tmp_path: Path, catalog: Catalog
) -> None:
    file = tmp_path / "assets.csv"
    file.write_text(
        "agent_id,agent_name,agency,asset_type\n001,a,so-tttt,server\n002,b,so-xyz,desktop\n"
    )
    with pytest.raises(ConfigError, match=r"assets.csv: line 3: agency 'so-xyz': expected"):
        load_register(file, catalog)


def test_a_register_without_its_columns_is_a_config_error(tmp_path: Path, catalog: Catalog) -> None:
    file = tmp_path / "assets.csv"
    file.write_text("id,agency\n1,so-tttt\n")
    with pytest.raises(ConfigError, match="line 1: the header lacks agent_id"):
        load_register(file, catalog)


def test_a_rule_level_sent_as_text_is_a_schema_violation(register: AssetRegister) -> None:
    result = mapped(wazuh_alert(level="12"), register)  # type: ignore[arg-type]
    assert isinstance(result, Unmappable) and result.detail.startswith("rule.level")
