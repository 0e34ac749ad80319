"""Pydantic v2 models of the four sources' events.

Strict: no silent coercion (a level sent as "12" is a schema violation). Unknown extra fields
are ignored so that a producer may add fields before consumers know them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal, get_args

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, model_validator

SCHEMA_VERSION: Literal[1] = 1
# Dossier events are at version 2: what the portal's Decision 766 sub-indicators need
# (docs/kpis.md). Version-1 events still read; what they lack is "not reported".
DOSSIER_SCHEMA_VERSION: Literal[2] = 2

Source = Literal["soc", "uptime", "dossier", "feedback"]
Severity = Literal["low", "medium", "high", "critical"]
# additional_docs_requested pauses the dossier's clock until additional_docs_submitted: the
# citizen's time is not the agency's (docs/kpis.md, paused clocks).
DossierLifecycle = Literal[
    "received",
    "additional_docs_requested",
    "additional_docs_submitted",
    "resolved",
    "returned",
    "cancelled",
    "rated",
]
AssetType = Literal["desktop", "server", "network_device"]
Id = Annotated[str, Field(min_length=1, max_length=128)]

# Every time in an event lies in these years (UTC). Beyond them, datetime arithmetic in the
# core (local dates, fromtimestamp, timedelta) can raise, and an accepted event must never
# crash a worker: "0001-01-01T00:00:00+14:00" is year 0 in UTC. The validator also rejects
# times far from "now" (ioc.ingest.validate); this bound needs no clock.
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)
# A due time lies within this many days of its event (a procedure takes days, not decades).
MAX_DUE_DAYS = 3660


def _in_years(value: datetime) -> datetime:
    if not EARLIEST <= value < LATEST:
        raise ValueError(f"must lie in the years {EARLIEST.year}-{LATEST.year - 1} (UTC)")
    return value


Timestamp = Annotated[AwareDatetime, AfterValidator(_in_years)]


def severity_of_level(level: int) -> Severity:
    """Wazuh rule level 0-16 to severity: 0-6 low, 7-11 medium, 12-14 high, 15-16 critical."""
    if level <= 6:
        return "low"
    if level <= 11:
        return "medium"
    if level <= 14:
        return "high"
    return "critical"


class _Model(BaseModel):
    model_config = ConfigDict(strict=True, frozen=True, extra="ignore")


class _Event(_Model):
    schema_version: Literal[1]
    event_id: Id
    event_time: Timestamp


class Mitre(_Model):
    """Wazuh ``rule.mitre``: technique ids (T1110), tactics and technique names."""

    id: list[Annotated[str, Field(pattern=r"^T\d{4}(\.\d{3})?$")]] = []
    tactic: list[str] = []
    technique: list[str] = []


class Rule(_Model):
    id: Id
    level: int = Field(ge=0, le=16)
    description: str = Field(max_length=1024)
    groups: list[str] = []
    mitre: Mitre = Mitre()


class Agent(_Model):
    id: Id
    name: str = Field(max_length=256)
    ip: str | None = None


class SocAlert(_Event):
    """A Wazuh-shaped alert raised by the provincial SOC on one monitored asset."""

    event_type: Literal["soc_alert"]
    source: Literal["soc"] = "soc"
    alert_id: Id
    rule: Rule
    agent: Agent
    asset_type: AssetType
    agency: Id
    information_system: Id | None = None
    # Decree 85/2016: levels 1-5.
    security_level: int | None = Field(default=None, ge=1, le=5)

    @property
    def severity(self) -> Severity:
        return severity_of_level(self.rule.level)


class SocAlertStatus(_Event):
    """An alert acknowledged or resolved by an analyst; MTTA and MTTR come from these."""

    event_type: Literal["soc_alert_status"]
    source: Literal["soc"] = "soc"
    alert_id: Id
    # The alert's agent: the partition key, so status and alert share a partition.
    agent_id: Id
    status: Literal["acknowledged", "resolved"]
    actor: str = Field(min_length=1, max_length=256)


class UptimeProbe(_Event):
    """One probe result of a shared platform."""

    event_type: Literal["uptime_probe"]
    source: Literal["uptime"] = "uptime"
    service: Id
    probe_kind: Literal["http", "tcp", "icmp", "dns"]
    success: bool
    duration_seconds: float = Field(ge=0, le=3600, allow_inf_nan=False)
    http_status: int | None = Field(default=None, ge=100, le=599)
    error_class: (
        Literal["timeout", "dns", "tls", "connect", "http_4xx", "http_5xx", "content", "other"]
        | None
    ) = None
    # Days until the certificate expires (negative once expired); NaN and ±Infinity are errors.
    tls_days_left: float | None = Field(default=None, ge=-36_500, le=36_500, allow_inf_nan=False)

    @model_validator(mode="after")
    def _failure_has_error_class(self) -> UptimeProbe:
        if not self.success and self.error_class is None:
            raise ValueError("a failed probe needs error_class")
        if self.success and self.error_class is not None:
            raise ValueError("a successful probe has no error_class")
        return self


class DossierEvent(_Event):
    """A step in the life of an administrative dossier (hồ sơ thủ tục hành chính)."""

    schema_version: Literal[1, 2]  # type: ignore[assignment]
    event_type: Literal["dossier"]
    source: Literal["dossier"] = "dossier"
    dossier_id: Id
    agency: Id
    level: Literal["province", "commune"]
    procedure_code: Id
    procedure_field: str = Field(min_length=1, max_length=128)
    lifecycle: DossierLifecycle
    channel: Literal["online", "direct", "postal"]
    full_online: bool = False
    paid_online: bool = False
    digitized: bool = False
    due_time: Timestamp | None = None
    rating: Literal["satisfied", "unsatisfied", "complaint"] | None = None
    # Version 2. None where a field does not apply to the procedure, or is not reported.
    # The procedure is eligible for full-online provision (on receipt; row 6).
    full_online_eligible: bool | None = None
    # The procedure carries a fee or charge (on receipt; row 24).
    fee_required: bool | None = None
    # A legally valid electronic result was issued; None when the procedure's result is not
    # a document (on resolution; row 11).
    electronic_result: bool | None = None
    # Components were cut or replaced by data the state holds; None when the procedure
    # publishes no such components (on receipt; row 14).
    components_replaced: bool | None = None
    # When the national portal acknowledged this step (row 4). In a version-2 event, None
    # means not synchronised (yet).
    portal_synced_time: Timestamp | None = None

    @model_validator(mode="after")
    def _lifecycle_fields(self) -> DossierEvent:
        if self.lifecycle == "received" and self.due_time is None:
            raise ValueError("a received dossier needs due_time")
        if self.lifecycle == "received" and self.due_time <= self.event_time:  # type: ignore[operator]
            # Not overdue at its receipt: the portal sets the due time from the receipt on.
            raise ValueError("due_time of a received dossier must come after its event_time")
        if self.due_time is not None and abs((self.due_time - self.event_time).days) > MAX_DUE_DAYS:
            raise ValueError(f"due_time lies more than {MAX_DUE_DAYS} days from event_time")
        if self.lifecycle == "rated" and self.rating is None:
            raise ValueError("a rated dossier needs rating")
        if self.lifecycle != "rated" and self.rating is not None:
            raise ValueError("rating is only set on lifecycle 'rated'")
        if self.portal_synced_time is not None and self.portal_synced_time < self.event_time:
            raise ValueError("portal_synced_time must not come before event_time")
        return self


class FeedbackEvent(_Event):
    """A step of a citizen's report or petition (phản ánh, kiến nghị: PAKN) in an agency's
    authority: received with its due time, resolved, rated, or complained about again (the
    citizen reports again on how it was resolved)."""

    event_type: Literal["feedback"]
    source: Literal["feedback"] = "feedback"
    feedback_id: Id
    agency: Id
    level: Literal["province", "commune"]
    lifecycle: Literal["received", "resolved", "rated", "complaint"]
    due_time: Timestamp | None = None
    rating: Literal["satisfied", "unsatisfied"] | None = None

    @model_validator(mode="after")
    def _lifecycle_fields(self) -> FeedbackEvent:
        if self.lifecycle == "received":
            if self.due_time is None:
                raise ValueError("a received feedback needs due_time")
            if self.due_time <= self.event_time:
                raise ValueError("due_time of a received feedback must come after its event_time")
        if self.due_time is not None and abs((self.due_time - self.event_time).days) > MAX_DUE_DAYS:
            raise ValueError(f"due_time lies more than {MAX_DUE_DAYS} days from event_time")
        if (self.lifecycle == "rated") != (self.rating is not None):
            raise ValueError("a rated feedback needs rating, and only a rated one has it")
        return self


Event = SocAlert | SocAlertStatus | UptimeProbe | DossierEvent | FeedbackEvent
EVENT_MODELS: tuple[type[_Event], ...] = (
    SocAlert,
    SocAlertStatus,
    UptimeProbe,
    DossierEvent,
    FeedbackEvent,
)

# The sources, in the order topics, agents and panels list them.
SOURCES: tuple[Source, ...] = get_args(Source)
# The source each event type arrives from, as the contracts declare it.
SOURCE_OF: dict[str, Source] = {
    get_args(model.model_fields["event_type"].annotation)[0]: model.model_fields["source"].default
    for model in EVENT_MODELS
}
