"""Where each field of a batch row sits: a batch row is the event's source offset, then its
fact (``ioc.rows.facts``), so each position is the fact's plus one."""

from __future__ import annotations

from typing import Any, Final

from ioc.rows import facts
from ioc.rows.facts import AlertFact, DossierFact, ProbeFact, StatusFact

OFFSET: Final = 0
_SHIFT: Final = 1

KIND: Final = facts.KIND + _SHIFT
EVENT_ID: Final = facts.EVENT_ID + _SHIFT
EVENT_TS: Final = facts.EVENT_TS + _SHIFT


class AlertRow:
    SEVERITY: Final = AlertFact.SEVERITY + _SHIFT
    ASSET_TYPE: Final = AlertFact.ASSET_TYPE + _SHIFT
    AGENCY: Final = AlertFact.AGENCY + _SHIFT
    ALERT_ID: Final = AlertFact.ALERT_ID + _SHIFT
    AGENT_ID: Final = AlertFact.AGENT_ID + _SHIFT
    TECHNIQUES: Final = AlertFact.TECHNIQUES + _SHIFT
    GROUPS: Final = AlertFact.GROUPS + _SHIFT
    RULE_LEVEL: Final = AlertFact.RULE_LEVEL + _SHIFT
    RULE_ID: Final = AlertFact.RULE_ID + _SHIFT
    SECURITY_LEVEL: Final = AlertFact.SECURITY_LEVEL + _SHIFT
    LENGTH: Final = AlertFact.LENGTH + _SHIFT


class StatusRow:
    STATUS: Final = StatusFact.STATUS + _SHIFT
    ALERT_ID: Final = StatusFact.ALERT_ID + _SHIFT
    LENGTH: Final = StatusFact.LENGTH + _SHIFT


class ProbeRow:
    SERVICE: Final = ProbeFact.SERVICE + _SHIFT
    SUCCESS: Final = ProbeFact.SUCCESS + _SHIFT
    DURATION: Final = ProbeFact.DURATION + _SHIFT
    TLS_DAYS_LEFT: Final = ProbeFact.TLS_DAYS_LEFT + _SHIFT
    LENGTH: Final = ProbeFact.LENGTH + _SHIFT


class DossierRow:
    LIFECYCLE: Final = DossierFact.LIFECYCLE + _SHIFT
    AGENCY: Final = DossierFact.AGENCY + _SHIFT
    LEVEL: Final = DossierFact.LEVEL + _SHIFT
    CHANNEL: Final = DossierFact.CHANNEL + _SHIFT
    DOSSIER_ID: Final = DossierFact.DOSSIER_ID + _SHIFT
    DUE_TS: Final = DossierFact.DUE_TS + _SHIFT
    FULL_ONLINE: Final = DossierFact.FULL_ONLINE + _SHIFT
    PAID_ONLINE: Final = DossierFact.PAID_ONLINE + _SHIFT
    DIGITIZED: Final = DossierFact.DIGITIZED + _SHIFT
    RATING: Final = DossierFact.RATING + _SHIFT
    LENGTH: Final = DossierFact.LENGTH + _SHIFT


ENTITY: Final = {kind: at + _SHIFT for kind, at in facts.ENTITY.items()}

# Facts of SOC alerts written before the rule's level and id (rows of 11) and before the
# system's security level (rows of 13) end with these.
_ALERT_TAIL: Final = (0, None, None)


def upgrade(rows: list[list[Any]]) -> None:
    """Bring rows written by older versions to the current layout, in place."""
    for row in rows:
        if len(row) < AlertRow.LENGTH and row[KIND] == facts.SOC_ALERT:
            row.extend(_ALERT_TAIL[len(row) - AlertRow.RULE_LEVEL :])


class PackRecord:
    """What the ingest packs per source message (``ioc.ingest.batch.pack_partition``):
    (offset, shard, fact | None, dead-letter reason | None)."""

    OFFSET: Final = 0
    SHARD: Final = 1
    FACT: Final = 2
    REASON: Final = 3
