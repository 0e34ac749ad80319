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


def test_event_time_older_than_the_maximum_age_is_stale_event_time(catalog: Catalog) -> None:
    event = soc_alert(event_time="2026-10-01T09:00:00+07:00")  # 53 days before "now"
    rejected = validator(catalog).check(orjson.dumps(event), NOW)
    assert isinstance(rejected, Rejected) and rejected.reason == "stale_event_time"


@pytest.mark.parametrize(
    "event_time", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00", "1999-12-31T23:59:59Z"]
)
def test_event_time_outside_the_contract_years_is_a_schema_violation(
    catalog: Catalog, event_time: str
) -> None:
    rejected = validator(catalog).check(orjson.dumps(soc_alert(event_time=event_time)), NOW)
    assert isinstance(rejected, Rejected) and rejected.reason == "schema_violation"
    assert "event_time: Value error, must lie in the years 2000-2099" in rejected.detail


def test_a_due_time_decades_away_is_a_schema_violation(catalog: Catalog) -> None:
    doc = dossier(lifecycle="resolved", due_time="2099-12-31T23:00:00+00:00")
    rejected = validator(catalog, "dossier").check(orjson.dumps(doc), LATER)
    assert isinstance(rejected, Rejected) and rejected.reason == "schema_violation"
    assert "due_time lies more than 3660 days from event_time" in rejected.detail


@pytest.mark.parametrize("field", ["duration_seconds", "tls_days_left"])
@pytest.mark.parametrize("value", [b"NaN", b"Infinity", b"-Infinity"])
def test_a_probe_number_that_is_not_finite_says_so(
    catalog: Catalog, field: str, value: bytes
) -> None:
    doc = orjson.dumps(uptime_probe(**{field: 1.0}))
    raw = doc.replace(f'"{field}":1.0'.encode(), f'"{field}":'.encode() + value)
    rejected = validator(catalog, "uptime").check(raw, LATER)
    assert isinstance(rejected, Rejected)
    assert rejected.detail == f"{field}: Input should be a finite number"


def test_a_repeated_key_takes_its_last_value_as_every_reader_of_ours_does(
    catalog: Catalog,
) -> None:
    # Decided, not overlooked: one parse feeds validation and the fact, so no two readers of
    # ours disagree; an exact check costs about 65% more CPU per event (docs/architecture.md).
    raw = orjson.dumps(soc_alert()).replace(b'"agency":"so-tc"', b'"agency":"x","agency":"so-tc"')
    event = validator(catalog).check(raw, LATER)
    assert isinstance(event, SocAlert) and event.agency == "so-tc"
