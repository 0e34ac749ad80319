from __future__ import annotations

import re
from datetime import datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml
from pydantic import ValidationError

from ioc.catalog import DEFAULT_CATALOG_PATH, Catalog, load_catalog
from ioc.catalog.model import OfficeHours
from ioc.config import ConfigError


def test_bundled_catalog_matches_published_figures(catalog: Catalog) -> None:
    assert sum(a.assets.desktop for a in catalog.agencies) == 5166
    assert sum(a.assets.server for a in catalog.agencies) == 70
    assert sum(a.assets.network_device for a in catalog.agencies) == 505
    systems = [
        sum(getattr(a.information_systems, f"level_{n}") for a in catalog.agencies)
        for n in (1, 2, 3)
    ]
    assert systems == [460, 42, 9]
    # Provincial departments after the 2025 mergers, and the 130 commune-level units
    # (11 wards, 119 communes) the 2025 resolution set.
    assert sum(a.level == "province" for a in catalog.agencies) == 14
    communes = [a.name for a in catalog.agencies if a.level == "commune"]
    assert len(communes) == 130
    assert sum(n.startswith("Phường ") for n in communes) == 11
    assert sum(n.startswith("Xã ") for n in communes) == 119


def test_merged_departments_carry_their_post_2025_names(catalog: Catalog) -> None:
    names = {a.id: a.name for a in catalog.agencies}
    assert names["so-tttt"] == "Sở Khoa học và Công nghệ"
    assert names["so-tnmt"] == "Sở Nông nghiệp và Môi trường"
    assert "so-khdt" not in names and "so-nnptnt" not in names


def write(tmp_path: Path, doc: object) -> Path:
    file = tmp_path / "province.yaml"
    file.write_text(yaml.safe_dump(doc, allow_unicode=True))
    return file


def bundled() -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load(DEFAULT_CATALOG_PATH.read_text())
    return doc


def test_missing_file_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"nope\.yaml: file not found"):
        load_catalog(tmp_path / "nope.yaml")


def test_invalid_yaml_names_file_and_line(tmp_path: Path) -> None:
    file = tmp_path / "bad.yaml"
    file.write_text("province:\n  code: [unclosed\n")
    with pytest.raises(ConfigError, match=r"bad.yaml:\d+: not valid YAML"):
        load_catalog(file)


def test_wrong_field_type_names_file_field_and_expectation(tmp_path: Path) -> None:
    doc = bundled()
    doc["agencies"][3]["assets"]["desktop"] = "many"
    with pytest.raises(ConfigError) as err:
        load_catalog(write(tmp_path, doc))
    message = str(err.value)
    assert "province.yaml" in message
    agency = doc["agencies"][3]["id"]
    assert f"agencies[{agency}].assets.desktop" in message
    assert "integer" in message


def test_service_hosted_by_an_unknown_agency_is_rejected(tmp_path: Path) -> None:
    doc = bundled()
    doc["services"][0]["agency"] = "so-khong-co"
    service = doc["services"][0]["id"]
    with pytest.raises(ConfigError, match=rf"services\[{service}\]\.agency: 'so-khong-co' is not"):
        load_catalog(write(tmp_path, doc))


def test_duplicate_agency_id_is_rejected(tmp_path: Path) -> None:
    doc = bundled()
    doc["agencies"][1]["id"] = doc["agencies"][0]["id"]
    with pytest.raises(ConfigError, match="appears more than once"):
        load_catalog(write(tmp_path, doc))


def test_declared_totals_must_add_up(tmp_path: Path) -> None:
    doc = bundled()
    doc["totals"]["server"] = 71
    with pytest.raises(ConfigError) as err:
        load_catalog(write(tmp_path, doc))
    message = str(err.value)
    assert re.fullmatch(
        r".*province\.yaml:\d+: totals\.server: declared 71, but the agencies' server counts "
        r"add up to 70 \(off by -1\)",
        message,
    )
    assert len(message) < 200  # says what and where, without the whole catalog


def test_agency_id_must_be_a_label_safe_slug(tmp_path: Path) -> None:
    doc = bundled()
    doc["agencies"][0]["id"] = "Sở TT|TT"
    with pytest.raises(ConfigError, match=r"agencies\[Sở TT\|TT\]\.id: String should match"):
        load_catalog(write(tmp_path, doc))


def test_a_smaller_province_loads(tmp_path: Path) -> None:
    doc = {
        "province": {"code": "demo", "name": "Demo"},
        "agencies": [
            {"id": "ubnd", "name": "UBND", "level": "province", "assets": {"desktop": 10}}
        ],
        "services": [
            {
                "id": "portal",
                "name": "Portal",
                "tier": 1,
                "probe_kind": "http",
                "target": "https://example.invalid/",
                "agency": "ubnd",
            }
        ],
    }
    catalog = load_catalog(write(tmp_path, doc))
    assert catalog.service("portal").tier == 1


def test_office_hours_include_the_opening_and_exclude_the_closing() -> None:
    hours = OfficeHours()
    tz = ZoneInfo("Asia/Ho_Chi_Minh")
    assert hours.contains(datetime(2026, 11, 24, 7, 30, tzinfo=tz))
    assert not hours.contains(datetime(2026, 11, 24, 17, 0, tzinfo=tz))
    assert not hours.contains(datetime(2026, 11, 28, 10, 0, tzinfo=tz))  # Saturday


def test_office_hours_must_open_before_they_close() -> None:
    with pytest.raises(ValidationError, match="must be before end"):
        OfficeHours(start=time(17, 0), end=time(7, 30))


def test_an_error_names_the_yaml_line_of_the_agency(tmp_path: Path) -> None:
    doc = bundled()
    doc["agencies"][87]["level"] = "district"
    file = write(tmp_path, doc)
    line = next(
        n
        for n, text in enumerate(file.read_text().splitlines(), 1)
        if text.strip() == "level: district"
    )
    agency = doc["agencies"][87]["id"]
    with pytest.raises(ConfigError, match=rf"province\.yaml:{line}: agencies\[{agency}\]\.level"):
        load_catalog(file)


def test_a_duplicate_key_is_an_error_not_the_last_one_winning(tmp_path: Path) -> None:
    file = tmp_path / "dup.yaml"
    file.write_text("province:\n  code: x\n  name: X\n  code: y\n")
    with pytest.raises(
        ConfigError, match=r"dup\.yaml:4: .*duplicate key 'code' \(first on line 2\)"
    ):
        load_catalog(file)


def test_an_agency_kind_defaults_from_its_level_and_can_be_given(catalog: Catalog) -> None:
    from ioc.catalog.model import Agency

    assert {a.group for a in catalog.agencies} == {"department", "commune"}
    office = Agency(id="vp-ubnd", name="Văn phòng UBND", level="province", kind="other")
    commune = Agency(id="phuong-cua-lo", name="Xã 1", level="commune", area="dien-chau")
    assert (office.group, commune.group, commune.area) == ("other", "commune", "dien-chau")
