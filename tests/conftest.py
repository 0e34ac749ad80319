"""Shared fixtures: the bundled catalog and event factories."""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import orjson
import pytest

from ioc.catalog import Catalog, load_catalog
from ioc.contracts.events import SOURCE_OF, Source
from ioc.ingest import EventValidator, Fact, Rejected, fact_of

T0 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # Monday 09:00 in Asia/Ho_Chi_Minh
HCM = ZoneInfo("Asia/Ho_Chi_Minh")

# Named province times. Tests that run the pipeline put its clock at one of these (through
# IOC_CLOCK_OFFSET_SECONDS), never at the hour the suite happens to run: a result must not
# depend on when CI starts (issue 11).
WEEKDAY_MORNING = datetime(2026, 11, 24, 10, 0, tzinfo=HCM)  # Tuesday, office hours
WEEKDAY_NIGHT = datetime(2026, 11, 24, 23, 30, tzinfo=HCM)  # Tuesday night
SUNDAY = datetime(2026, 11, 29, 10, 0, tzinfo=HCM)
MONTH_END = datetime(2026, 11, 30, 16, 30, tzinfo=HCM)  # Monday, last day of November
TET = datetime(2027, 2, 6, 10, 0, tzinfo=HCM)  # Tết Đinh Mùi, a Saturday


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog()


def soc_alert(**over: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "schema_version": 1,
        "event_id": "e-1",
        "event_time": "2026-11-23T09:00:00+07:00",
        "event_type": "soc_alert",
        "alert_id": "a-1",
        "rule": {
            "id": "5712",
            "level": 10,
            "description": "sshd brute force",
            "groups": ["sshd"],
            "mitre": {"id": ["T1110"], "tactic": ["Credential Access"]},
        },
        "agent": {"id": "so-tc-d0001", "name": "so-tc-d0001", "ip": "10.0.0.1"},
        "asset_type": "desktop",
        "agency": "so-tc",
    }
    doc.update(over)
    return doc


def uptime_probe(**over: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "schema_version": 1,
        "event_id": "p-1",
        "event_time": "2026-11-23T09:00:00+07:00",
        "event_type": "uptime_probe",
        "service": "cong-dvc",
        "probe_kind": "http",
        "success": True,
        "duration_seconds": 0.3,
        "http_status": 200,
    }
    doc.update(over)
    return doc


def dossier(**over: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "schema_version": 1,
        "event_id": "d-1",
        "event_time": "2026-11-23T09:00:00+07:00",
        "event_type": "dossier",
        "dossier_id": "P000000001",
        "agency": "so-tnmt",
        "level": "province",
        "procedure_code": "2.001",
        "procedure_field": "Đất đai",
        "lifecycle": "received",
        "channel": "online",
        "full_online": True,
        "due_time": "2026-11-30T17:00:00+07:00",
    }
    doc.update(over)
    return doc


def feedback(**over: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "schema_version": 1,
        "event_id": "f-1",
        "event_time": "2026-11-23T09:00:00+07:00",
        "event_type": "feedback",
        "feedback_id": "PAKN000000001",
        "agency": "so-tnmt",
        "level": "province",
        "lifecycle": "received",
        "due_time": "2026-12-03T17:00:00+07:00",
    }
    doc.update(over)
    return doc


@functools.cache
def _validator(source: Source) -> EventValidator:
    return EventValidator(
        source,
        load_catalog(),
        max_message_bytes=1 << 20,
        max_future_skew_seconds=0,
        max_event_age_seconds=float("inf"),
    )


def as_fact(doc: dict[str, Any]) -> Fact:
    """The fact the ingest stage makes of this event document."""
    source: Source = doc.get("source") or SOURCE_OF[doc["event_type"]]
    checked = _validator(source).check(orjson.dumps(doc), 4e9)  # "now" in 2096: none in future
    assert not isinstance(checked, Rejected), checked
    return fact_of(checked)
