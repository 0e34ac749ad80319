"""Malformed messages of every dead-letter reason, for tests and demos of the dead-letter path."""

from __future__ import annotations

import random

import orjson

from ioc.contracts import Event
from ioc.ingest.validate import DEAD_LETTER_REASONS

# One kind of malformed message per dead-letter reason.
BAD_KINDS = DEAD_LETTER_REASONS


def make_bad(kind: str, good: Event, rng: random.Random, max_message_bytes: int) -> bytes:
    """A message derived from ``good`` that the ingest stage must dead-letter as ``kind``."""
    doc = good.model_dump(mode="json")
    if kind == "invalid_json":
        return good.model_dump_json().encode()[: rng.randint(1, 40)]
    if kind == "schema_violation":
        if good.source == "soc" and "rule" in doc:
            doc["rule"]["level"] = 17
        else:
            doc.pop("event_time")
        return orjson.dumps(doc)
    if kind == "unknown_event_type":
        doc["event_type"] = "printer_jam"
        return orjson.dumps(doc)
    if kind == "future_event_time":
        doc["event_time"] = "2099-01-01T00:00:00+07:00"
        if doc.get("due_time"):  # due within the contract's days of its event
            doc["due_time"] = "2099-01-10T17:00:00+07:00"
        if doc.get("portal_synced_time"):  # acknowledged after the step, as the contract says
            doc["portal_synced_time"] = "2099-01-01T00:01:00+07:00"
        return orjson.dumps(doc)
    if kind == "stale_event_time":
        doc["event_time"] = "2001-01-01T00:00:00+07:00"
        if doc.get("due_time"):
            doc["due_time"] = "2001-01-31T17:00:00+07:00"
        return orjson.dumps(doc)
    if kind == "oversized":
        doc["padding"] = "x" * (max_message_bytes + 1)
        return orjson.dumps(doc)
    if kind == "unknown_reference":
        if "agency" in doc:
            doc["agency"] = "no-such-agency"
        elif "service" in doc:
            doc["service"] = "no-such-service"
        else:  # a status event refers to no catalog id: break it another way
            return b"\xff\xfe not json"
        return orjson.dumps(doc)
    raise ValueError(f"unknown bad message kind {kind!r}")


def expected_reason(kind: str, good: Event) -> str:
    if (
        kind == "unknown_reference"
        and "agency" not in type(good).model_fields
        and "service" not in type(good).model_fields
    ):
        return "invalid_json"
    return kind
