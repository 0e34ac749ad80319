"""Classify one raw message: a valid event of its topic's source, or a dead-letter reason."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field, TypeAdapter, ValidationError

from ioc.catalog import Catalog
from ioc.config import Settings
from ioc.contracts import (
    DossierEvent,
    Event,
    FeedbackEvent,
    SocAlert,
    SocAlertStatus,
    Source,
    UptimeProbe,
)
from ioc.contracts.keys import partition_key
from ioc.ingest.decode import Decoder, NotDecoded
from ioc.ingest.facts import Fact, fact_of
from ioc.rows import facts
from ioc.rows.facts import ALERT_FACT, DOSSIER_FACT, FEEDBACK_FACT, PROBE_FACT

DeadLetterReason = Literal[
    "invalid_json",
    "schema_violation",
    "unknown_event_type",
    "future_event_time",
    "stale_event_time",
    "oversized",
    "unknown_reference",
]
DEAD_LETTER_REASONS: tuple[DeadLetterReason, ...] = (
    "invalid_json",
    "schema_violation",
    "unknown_event_type",
    "future_event_time",
    "stale_event_time",
    "oversized",
    "unknown_reference",
)

_ADAPTERS: dict[str, TypeAdapter[Any]] = {
    "soc": TypeAdapter(Annotated[SocAlert | SocAlertStatus, Field(discriminator="event_type")]),
    "uptime": TypeAdapter(Annotated[UptimeProbe, Field(discriminator="event_type")]),
    "dossier": TypeAdapter(Annotated[DossierEvent, Field(discriminator="event_type")]),
    "feedback": TypeAdapter(Annotated[FeedbackEvent, Field(discriminator="event_type")]),
}


@dataclass(frozen=True, slots=True)
class Rejected:
    reason: DeadLetterReason
    detail: str


class EventValidator:
    """Validates raw messages of one source against its contract and the catalog."""

    def __init__(
        self,
        source: Source,
        catalog: Catalog,
        *,
        max_message_bytes: int,
        max_future_skew_seconds: float,
        max_event_age_seconds: float = 30 * 86400.0,
    ) -> None:
        self.source = source
        self._adapter = _ADAPTERS[source]
        self._agencies = frozenset(a.id for a in catalog.agencies)
        self._services = frozenset(s.id for s in catalog.services)
        self._max_bytes = max_message_bytes
        self._max_skew = max_future_skew_seconds
        self._max_age = max_event_age_seconds
        self._decode = Decoder(source)

    @classmethod
    def for_settings(cls, source: Source, catalog: Catalog, settings: Settings) -> EventValidator:
        """The validator a worker with these settings uses: the same limits everywhere."""
        return cls(
            source,
            catalog,
            max_message_bytes=settings.max_message_bytes,
            max_future_skew_seconds=settings.max_future_skew_seconds,
            max_event_age_seconds=settings.max_event_age_seconds,
        )

    def fact(self, value: bytes | None, now: float) -> tuple[str, Fact] | Rejected:
        """The entity key and fact of a valid message, or why it is rejected: the same
        outcome as ``check`` (tests/property/test_decoder_agrees.py), through the fast
        decoder; what it does not accept goes through ``check`` for the verdict."""
        if value is not None and len(value) <= self._max_bytes:
            try:
                key, fact = self._decode(value)
            except NotDecoded:
                pass
            else:
                ts = fact[facts.EVENT_TS]
                if now - self._max_age <= ts <= now + self._max_skew and self._known(fact):
                    return key, fact
        checked = self.check(value, now)
        if isinstance(checked, Rejected):
            return checked
        return partition_key(checked), fact_of(checked)

    def _known(self, fact: Fact) -> bool:
        """Whether a fact's catalog ids are in the catalog."""
        kind = fact[facts.KIND]
        if kind == facts.SOC_ALERT:
            return fact[ALERT_FACT.AGENCY] in self._agencies
        if kind == facts.PROBE:
            return fact[PROBE_FACT.SERVICE] in self._services
        if kind == facts.DOSSIER:
            return fact[DOSSIER_FACT.AGENCY] in self._agencies
        if kind == facts.FEEDBACK:
            return fact[FEEDBACK_FACT.AGENCY] in self._agencies
        return True

    def check(self, value: bytes | None, now: float) -> Event | Rejected:
        """The valid event, or why it is rejected; ``now`` is a POSIX timestamp."""
        if value is None:
            return Rejected("invalid_json", "empty message (null value)")
        if len(value) > self._max_bytes:
            return Rejected(
                "oversized", f"{len(value)} bytes, more than the limit of {self._max_bytes}"
            )
        try:
            event = self._adapter.validate_json(value)
        except ValidationError as exc:
            return _classify(exc)
        ts: datetime = event.event_time
        if ts.timestamp() > now + self._max_skew:
            return Rejected(
                "future_event_time",
                f"event_time {ts.isoformat()} is more than {self._max_skew:g} s in the future",
            )
        if ts.timestamp() < now - self._max_age:
            return Rejected(
                "stale_event_time",
                f"event_time {ts.isoformat()} is more than {self._max_age:g} s in the past",
            )
        return self._check_references(event) or event

    def _check_references(self, event: Event) -> Rejected | None:
        # Plain attribute reads by type: getattr() with a default on a pydantic model
        # takes its slow __getattr__ path for missing names.
        if isinstance(event, UptimeProbe):
            if event.service not in self._services:
                return Rejected(
                    "unknown_reference", f"service: '{event.service}' is not in the catalog"
                )
        elif (
            isinstance(event, SocAlert | DossierEvent | FeedbackEvent)
            and event.agency not in self._agencies
        ):
            return Rejected("unknown_reference", f"agency: '{event.agency}' is not in the catalog")
        return None


def _classify(exc: ValidationError) -> Rejected:
    errors = exc.errors(include_url=False)
    first = errors[0]
    kind = first["type"]
    if kind == "json_invalid":
        return Rejected("invalid_json", str(first["msg"]))
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        got = first.get("input")
        tag = got.get("event_type") if isinstance(got, dict) else None
        return Rejected("unknown_event_type", f"event_type: {tag!r} is not an event of this topic")
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return Rejected("schema_violation", "(top level): expected a JSON object")
    parts = []
    for err in errors[:5]:
        # Drop the discriminator tag pydantic puts first in union locations.
        loc = [str(p) for p in err["loc"]]
        if loc and loc[0] in ("soc_alert", "soc_alert_status", "uptime_probe", "dossier"):
            loc = loc[1:]
        parts.append(f"{'.'.join(loc) or '(top level)'}: {err['msg']}")
    return Rejected("schema_violation", "; ".join(parts))
