"""The hot-path decoder: raw message bytes straight to (entity key, fact), with msgspec.

The pydantic models in ``ioc.contracts`` stay the published contract. This decoder is a
second reading of it, made to be fast, and deliberately no more lenient: every constraint of
the models is here, some stricter (times only in RFC 3339 form, ASCII digits in technique
ids). A message it does not accept is not rejected here: ``EventValidator`` then asks pydantic,
which accepts it or gives the reason and the field. So the decoder decides speed, never
outcome; ``tests/property/test_decoder_agrees.py`` holds it to that over generated and
hostile input: whatever this accepts, pydantic accepts with the same fact and key.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta, Struct

from ioc.contracts.events import (
    EARLIEST,
    LATEST,
    MAX_DUE_DAYS,
    DossierLifecycle,
    severity_of_level,
)
from ioc.ingest.facts import Fact
from ioc.rows.facts import DESCRIPTION_CHARS

_EARLIEST = EARLIEST.timestamp()
_LATEST = LATEST.timestamp()

Id = Annotated[str, Meta(min_length=1, max_length=128)]
# RFC 3339 with a numeric offset or Z, at most microseconds: pydantic accepts more forms, and
# those take its path.
Time = Annotated[
    str,
    Meta(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?"
                 r"(Z|[+-][0-9]{2}:[0-9]{2})\Z"),
]  # fmt: skip
Technique = Annotated[str, Meta(pattern=r"^T[0-9]{4}(\.[0-9]{3})?\Z")]


class _Mitre(Struct, gc=False):
    id: list[Technique] = []
    tactic: list[str] = []
    technique: list[str] = []


class _Rule(Struct, gc=False):
    id: Id
    level: Annotated[int, Meta(ge=0, le=16)]
    description: Annotated[str, Meta(max_length=1024)]
    groups: list[str] = []
    mitre: _Mitre = msgspec.field(default_factory=_Mitre)


class _Agent(Struct, gc=False):
    id: Id
    name: Annotated[str, Meta(max_length=256)]
    ip: str | None = None


class _Event(Struct, gc=False, tag_field="event_type"):
    schema_version: Literal[1]
    event_id: Id
    event_time: Time


class _SocAlert(_Event, tag="soc_alert"):
    alert_id: Id
    rule: _Rule
    agent: _Agent
    asset_type: Literal["desktop", "server", "network_device"]
    agency: Id
    source: Literal["soc"] = "soc"
    information_system: Id | None = None
    security_level: Annotated[int, Meta(ge=1, le=5)] | None = None


class _SocAlertStatus(_Event, tag="soc_alert_status"):
    alert_id: Id
    agent_id: Id
    status: Literal["acknowledged", "resolved"]
    actor: Annotated[str, Meta(min_length=1, max_length=256)]
    source: Literal["soc"] = "soc"


class _UptimeProbe(_Event, tag="uptime_probe"):
    service: Id
    probe_kind: Literal["http", "tcp", "icmp", "dns"]
    success: bool
    duration_seconds: Annotated[float, Meta(ge=0, le=3600)]
    source: Literal["uptime"] = "uptime"
    http_status: Annotated[int, Meta(ge=100, le=599)] | None = None
    error_class: (
        Literal["timeout", "dns", "tls", "connect", "http_4xx", "http_5xx", "content", "other"]
        | None
    ) = None
    tls_days_left: Annotated[float, Meta(ge=-36_500, le=36_500)] | None = None


class _DossierEvent(_Event, tag="dossier"):
    schema_version: Literal[1, 2]  # type: ignore[assignment]
    dossier_id: Id
    agency: Id
    level: Literal["province", "commune"]
    procedure_code: Id
    procedure_field: Annotated[str, Meta(min_length=1, max_length=128)]
    lifecycle: DossierLifecycle
    channel: Literal["online", "direct", "postal"]
    source: Literal["dossier"] = "dossier"
    full_online: bool = False
    paid_online: bool = False
    digitized: bool = False
    due_time: Time | None = None
    rating: Literal["satisfied", "unsatisfied", "complaint"] | None = None
    full_online_eligible: bool | None = None
    fee_required: bool | None = None
    electronic_result: bool | None = None
    components_replaced: bool | None = None
    portal_synced_time: Time | None = None


class _FeedbackEvent(_Event, tag="feedback"):
    feedback_id: Id
    agency: Id
    level: Literal["province", "commune"]
    lifecycle: Literal["received", "resolved", "rated", "complaint"]
    source: Literal["feedback"] = "feedback"
    due_time: Time | None = None
    rating: Literal["satisfied", "unsatisfied"] | None = None


class _Never(_Event, tag="\x00never"):
    """A second member for the one-type sources: msgspec checks the tag only in a union, and
    an event without ``event_type`` must not pass."""


_DECODERS: dict[str, msgspec.json.Decoder[Any]] = {
    "soc": msgspec.json.Decoder(_SocAlert | _SocAlertStatus),
    "uptime": msgspec.json.Decoder(_UptimeProbe | _Never),
    "dossier": msgspec.json.Decoder(_DossierEvent | _Never),
    "feedback": msgspec.json.Decoder(_FeedbackEvent | _Never),
}


class NotDecoded(Exception):
    """Not accepted by the fast path: ask the contract (pydantic) instead."""


def _ts(text: str) -> float:
    """POSIX seconds of an RFC 3339 time inside the contract's years."""
    try:
        ts = datetime.fromisoformat(text).timestamp()
    except ValueError as exc:
        raise NotDecoded from exc
    if not _EARLIEST <= ts < _LATEST:
        raise NotDecoded
    return ts


def _due(due_time: str | None, ts: float, lifecycle: str, rating: str | None) -> float | None:
    """The due time of a dossier or feedback step, checked as the contract checks it: a
    receipt has one after its event time, within the contract's days; only a rating rates."""
    due = None
    if due_time is not None:
        due = _ts(due_time)
        if abs(due - ts) > MAX_DUE_DAYS * 86400.0:
            raise NotDecoded
        if due <= ts and lifecycle == "received":
            raise NotDecoded
    elif lifecycle == "received":
        raise NotDecoded
    if (lifecycle == "rated") != (rating is not None):
        raise NotDecoded
    return due


class Decoder:
    """(entity key, fact) of a raw message of one source, or ``NotDecoded``."""

    def __init__(self, source: str) -> None:
        self._decode = _DECODERS[source].decode

    def __call__(self, value: bytes) -> tuple[str, Fact]:
        try:
            event = self._decode(value)
        except (msgspec.DecodeError, ValueError, RecursionError) as exc:
            raise NotDecoded from exc
        ts = _ts(event.event_time)
        if type(event) is _SocAlert:
            rule = event.rule
            return event.agent.id, (
                "a", event.event_id, ts, severity_of_level(rule.level), event.asset_type,
                event.agency, event.alert_id, event.agent.id, rule.mitre.id, rule.groups,
                rule.level, rule.id, event.security_level,
                rule.description[:DESCRIPTION_CHARS],
            )  # fmt: skip
        if type(event) is _UptimeProbe:
            if event.success == (event.error_class is not None):
                raise NotDecoded  # a failure needs an error class, a success has none
            return event.service, (
                "p", event.event_id, ts, event.service, event.success, event.duration_seconds,
                event.tls_days_left, event.error_class,
            )  # fmt: skip
        if type(event) is _DossierEvent:
            due = _due(event.due_time, ts, event.lifecycle, event.rating)
            sync_delay = None
            if event.portal_synced_time is not None:
                sync_delay = _ts(event.portal_synced_time) - ts
                if sync_delay < 0:
                    raise NotDecoded
            return event.dossier_id, (
                "d", event.event_id, ts, event.lifecycle, event.agency, event.level,
                event.channel, event.dossier_id, due, event.full_online, event.paid_online,
                event.digitized, event.rating, event.schema_version, event.full_online_eligible,
                event.fee_required, event.electronic_result, event.components_replaced,
                sync_delay,
            )  # fmt: skip
        if type(event) is _SocAlertStatus:
            return event.agent_id, ("s", event.event_id, ts, event.status, event.alert_id)
        if type(event) is _FeedbackEvent:
            due = _due(event.due_time, ts, event.lifecycle, event.rating)
            return event.feedback_id, (
                "f", event.event_id, ts, event.lifecycle, event.agency, event.level,
                event.feedback_id, due, event.rating,
            )  # fmt: skip
        raise NotDecoded
