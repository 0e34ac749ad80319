from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import orjson
import pytest

from ioc.catalog import Catalog
from ioc.contracts import SocAlert
from ioc.contracts.events import Source
from ioc.ingest import EventValidator, Rejected
from tests.conftest import dossier, soc_alert, uptime_probe

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")).timestamp()
LATER = NOW + 86400.0


def validator(catalog: Catalog, source: Source = "soc") -> EventValidator:
    return EventValidator(
        source,
        catalog,
        max_message_bytes=4096,
        max_future_skew_seconds=300,  # type: ignore[arg-type]
    )


def test_valid_event_passes(catalog: Catalog) -> None:
    assert isinstance(validator(catalog).check(orjson.dumps(soc_alert()), LATER), SocAlert)


def test_truncated_json_is_invalid_json(catalog: Catalog) -> None:
    rejected = validator(catalog).check(b'{"schema_version": 1, "ev', LATER)
    assert isinstance(rejected, Rejected) and rejected.reason == "invalid_json"


def test_null_value_is_invalid_json(catalog: Catalog) -> None:
    rejected = validator(catalog).check(None, NOW)
    assert isinstance(rejected, Rejected) and rejected.reason == "invalid_json"


def test_json_that_is_not_an_object_is_a_schema_violation(catalog: Catalog) -> None:
    rejected = validator(catalog).check(b"[1, 2]", NOW)
    assert isinstance(rejected, Rejected) and rejected.reason == "schema_violation"


def test_schema_violation_names_the_field_path(catalog: Catalog) -> None:
    bad = soc_alert(rule={"id": "1", "level": 42, "description": "x"})
    rejected = validator(catalog).check(orjson.dumps(bad), LATER)
    assert isinstance(rejected, Rejected) and rejected.reason == "schema_violation"
    assert "rule.level" in rejected.detail


def test_event_type_of_another_source_is_unknown_event_type(catalog: Catalog) -> None:
    rejected = validator(catalog, "soc").check(orjson.dumps(uptime_probe()), LATER)
    assert isinstance(rejected, Rejected) and rejected.reason == "unknown_event_type"


def test_made_up_event_type_is_unknown_event_type(catalog: Catalog) -> None:
    rejected = validator(catalog).check(orjson.dumps(soc_alert(event_type="x")), LATER)
    assert isinstance(rejected, Rejected) and rejected.reason == "unknown_event_type"


def test_event_time_beyond_the_allowed_skew_is_future_event_time(catalog: Catalog) -> None:
    event = soc_alert(event_time="2026-11-23T09:10:00+07:00")  # 600 s after "now" below
    rejected = validator(catalog).check(orjson.dumps(event), NOW)
    assert isinstance(rejected, Rejected) and rejected.reason == "future_event_time"


def test_event_time_within_the_skew_passes(catalog: Catalog) -> None:
    event = soc_alert(event_time="2026-11-23T09:04:00+07:00")
    assert isinstance(validator(catalog).check(orjson.dumps(event), NOW), SocAlert)


def test_message_over_the_size_limit_is_oversized(catalog: Catalog) -> None:
    rejected = validator(catalog).check(b"{" + b" " * 5000 + b"}", NOW)
    assert isinstance(rejected, Rejected) and rejected.reason == "oversized"


@pytest.mark.parametrize(
    ("source", "doc"),
    [
        ("soc", soc_alert(agency="nowhere")),
        ("uptime", uptime_probe(service="nowhere")),
        ("dossier", dossier(agency="nowhere")),
    ],
)
def test_ids_missing_from_the_catalog_are_unknown_reference(
    catalog: Catalog, source: Source, doc: dict[str, object]
) -> None:
    rejected = validator(catalog, source).check(orjson.dumps(doc), LATER)
    assert isinstance(rejected, Rejected) and rejected.reason == "unknown_reference"
    assert "nowhere" in rejected.detail
