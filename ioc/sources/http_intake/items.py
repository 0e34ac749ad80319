"""A posted body, item by item: which are events this endpoint takes (pure: no I/O)."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import asdict, dataclass
from typing import Any, Literal

import orjson

from ioc.catalog import Catalog
from ioc.config import Settings
from ioc.contracts.events import Event
from ioc.ingest.validate import EventValidator, Rejected

JSON = "application/json"
NDJSON = ("application/x-ndjson", "application/jsonl", "application/ndjson")
# The events a portal or a case tool posts, and the source whose validator judges them.
ACCEPTED_EVENT_TYPES = {"dossier": "dossier", "feedback": "feedback", "soc_alert_status": "soc"}


class BodyError(Exception):
    """The body as a whole cannot be read as items: an HTTP status and why."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True, slots=True)
class ItemResult:
    index: int
    status: Literal["accepted", "duplicate", "rejected"]
    event_id: str | None = None
    reason: str | None = None
    field: str | None = None
    detail: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}


def split_body(body: bytes, content_type: str) -> list[bytes]:
    """One JSON object, a JSON array of them, or NDJSON (one object a line)."""
    if content_type in NDJSON:
        return [line.strip() for line in body.split(b"\n") if line.strip()]
    if content_type != JSON:
        raise BodyError(
            415, f"Content-Type {content_type or '(none)'}: expected {JSON} or {NDJSON[0]}"
        )
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise BodyError(400, f"the body is not JSON: {exc}") from None
    if isinstance(doc, list):
        return [orjson.dumps(item) for item in doc]
    return [body]


class ItemJudge:
    """Judges each item as the worker will: the same validators, the same catalog."""

    def __init__(self, catalog: Catalog, settings: Settings) -> None:
        self._validators = {
            source: EventValidator.for_settings(source, catalog, settings)  # type: ignore[arg-type]
            for source in set(ACCEPTED_EVENT_TYPES.values())
        }

    def judge(self, raw: bytes, now: float) -> Event | Rejected:
        try:
            doc = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            return Rejected("invalid_json", str(exc))
        tag = doc.get("event_type") if isinstance(doc, dict) else None
        source = ACCEPTED_EVENT_TYPES.get(tag) if isinstance(tag, str) else None
        if source is None:
            return Rejected(
                "unknown_event_type",
                f"event_type: {tag!r}; this endpoint takes "
                + ", ".join(repr(t) for t in ACCEPTED_EVENT_TYPES),
            )
        return self._validators[source].check(raw, now)


def rejected_result(index: int, rejected: Rejected) -> ItemResult:
    """A rejection with the field it names (``due_time: ...`` gives ``due_time``)."""
    head, sep, _ = rejected.detail.partition(": ")
    field = head if sep and " " not in head else None
    return ItemResult(
        index, "rejected", reason=rejected.reason, field=field, detail=rejected.detail
    )


class RecentIds:
    """Event ids published lately, oldest forgotten first: a client's resend is answered
    as a duplicate without a second publish (the worker drops duplicates in any case)."""

    def __init__(self, capacity: int = 200_000) -> None:
        self._ids: OrderedDict[str, None] = OrderedDict()
        self._capacity = capacity

    def __contains__(self, event_id: object) -> bool:
        return event_id in self._ids

    def add(self, event_id: str) -> None:
        self._ids[event_id] = None
        self._ids.move_to_end(event_id)
        while len(self._ids) > self._capacity:
            self._ids.popitem(last=False)
