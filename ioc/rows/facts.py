"""Where each field of a fact sits: the kind, the event id, the event time, then what the kind
needs (``ioc.ingest.facts.fact_of`` writes them; times are POSIX seconds)::

    ["a", event_id, event_ts, severity, asset_type, agency, alert_id, agent_id, [techniques],
          [groups], rule_level, rule_id, security_level | null, rule_description]
    ["s", event_id, event_ts, status, alert_id]
    ["p", event_id, event_ts, service, success, duration_seconds, tls_days_left | null,
          error_class | null]

The rule's description is cut to ``DESCRIPTION_CHARS``: pages quote it as evidence, and the
batches stay small.
    ["d", event_id, event_ts, lifecycle, agency, level, channel, dossier_id, due_ts | null,
          full_online, paid_online, digitized, rating | null, schema_version,
          full_online_eligible | null, fee_required | null, electronic_result | null,
          components_replaced | null, portal_sync_delay | null]
    ["f", event_id, event_ts, lifecycle, agency, level, feedback_id, due_ts | null,
          rating | null]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from ioc.rows.layout import Layout

DESCRIPTION_CHARS: Final = 120

KIND: Final = 0
EVENT_ID: Final = 1
EVENT_TS: Final = 2
# What a kind's own fields follow.
_FIRST: Final = EVENT_TS + 1

SOC_ALERT: Final = "a"
SOC_STATUS: Final = "s"
PROBE: Final = "p"
DOSSIER: Final = "d"
FEEDBACK: Final = "f"


@dataclass(frozen=True, slots=True)
class AlertFields(Layout):
    SEVERITY: int
    ASSET_TYPE: int
    AGENCY: int
    ALERT_ID: int
    AGENT_ID: int
    TECHNIQUES: int
    GROUPS: int
    RULE_LEVEL: int
    RULE_ID: int
    SECURITY_LEVEL: int
    RULE_DESCRIPTION: int


@dataclass(frozen=True, slots=True)
class StatusFields(Layout):
    STATUS: int
    ALERT_ID: int


@dataclass(frozen=True, slots=True)
class ProbeFields(Layout):
    SERVICE: int
    SUCCESS: int
    DURATION: int
    TLS_DAYS_LEFT: int
    ERROR_CLASS: int


@dataclass(frozen=True, slots=True)
class DossierFields(Layout):
    LIFECYCLE: int
    AGENCY: int
    LEVEL: int
    CHANNEL: int
    DOSSIER_ID: int
    DUE_TS: int
    FULL_ONLINE: int
    PAID_ONLINE: int
    DIGITIZED: int
    RATING: int
    # Version 2 (``DossierEvent``); rows of version 1 end at RATING (``batch_rows.upgrade``).
    SCHEMA_VERSION: int
    FULL_ONLINE_ELIGIBLE: int
    FEE_REQUIRED: int
    ELECTRONIC_RESULT: int
    COMPONENTS_REPLACED: int
    PORTAL_SYNC_DELAY: int


@dataclass(frozen=True, slots=True)
class FeedbackFields(Layout):
    LIFECYCLE: int
    AGENCY: int
    LEVEL: int
    FEEDBACK_ID: int
    DUE_TS: int
    RATING: int


ALERT_FACT: Final = AlertFields.starting_at(_FIRST)
STATUS_FACT: Final = StatusFields.starting_at(_FIRST)
PROBE_FACT: Final = ProbeFields.starting_at(_FIRST)
DOSSIER_FACT: Final = DossierFields.starting_at(_FIRST)
FEEDBACK_FACT: Final = FeedbackFields.starting_at(_FIRST)

# The field that scopes a kind's event id (the agent, the alert, the service, the dossier):
# the same event id under two of them is two events.
ENTITY: Final = {
    SOC_ALERT: ALERT_FACT.AGENT_ID,
    SOC_STATUS: STATUS_FACT.ALERT_ID,
    PROBE: PROBE_FACT.SERVICE,
    DOSSIER: DOSSIER_FACT.DOSSIER_ID,
    FEEDBACK: FEEDBACK_FACT.FEEDBACK_ID,
}
