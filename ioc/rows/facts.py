"""Where each field of a fact sits: the kind, the event id, the event time, then what the kind
needs (``ioc.ingest.facts.fact_of`` writes them; times are POSIX seconds)::

    ["a", event_id, event_ts, severity, asset_type, agency, alert_id, agent_id, [techniques],
          [groups], rule_level, rule_id, security_level | null]
    ["s", event_id, event_ts, status, alert_id]
    ["p", event_id, event_ts, service, success, duration_seconds, tls_days_left | null]
    ["d", event_id, event_ts, lifecycle, agency, level, channel, dossier_id, due_ts | null,
          full_online, paid_online, digitized, rating | null]
"""

from __future__ import annotations

from typing import Final

KIND: Final = 0
EVENT_ID: Final = 1
EVENT_TS: Final = 2

SOC_ALERT: Final = "a"
SOC_STATUS: Final = "s"
PROBE: Final = "p"
DOSSIER: Final = "d"


class AlertFact:
    SEVERITY: Final = 3
    ASSET_TYPE: Final = 4
    AGENCY: Final = 5
    ALERT_ID: Final = 6
    AGENT_ID: Final = 7
    TECHNIQUES: Final = 8
    GROUPS: Final = 9
    RULE_LEVEL: Final = 10
    RULE_ID: Final = 11
    SECURITY_LEVEL: Final = 12
    LENGTH: Final = 13


class StatusFact:
    STATUS: Final = 3
    ALERT_ID: Final = 4
    LENGTH: Final = 5


class ProbeFact:
    SERVICE: Final = 3
    SUCCESS: Final = 4
    DURATION: Final = 5
    TLS_DAYS_LEFT: Final = 6
    LENGTH: Final = 7


class DossierFact:
    LIFECYCLE: Final = 3
    AGENCY: Final = 4
    LEVEL: Final = 5
    CHANNEL: Final = 6
    DOSSIER_ID: Final = 7
    DUE_TS: Final = 8
    FULL_ONLINE: Final = 9
    PAID_ONLINE: Final = 10
    DIGITIZED: Final = 11
    RATING: Final = 12
    LENGTH: Final = 13


# The field that scopes a kind's event id (the agent, the alert, the service, the dossier):
# the same event id under two of them is two events.
ENTITY: Final = {
    SOC_ALERT: AlertFact.AGENT_ID,
    SOC_STATUS: StatusFact.ALERT_ID,
    PROBE: ProbeFact.SERVICE,
    DOSSIER: DossierFact.DOSSIER_ID,
}
