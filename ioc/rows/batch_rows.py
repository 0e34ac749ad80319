"""Where each field of a batch row sits: a batch row is the event's source offset, then its
fact (``ioc.rows.facts``), so each position is the fact's plus one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from ioc.rows import facts
from ioc.rows.facts import AlertFields, DossierFields, FeedbackFields, ProbeFields, StatusFields
from ioc.rows.layout import Layout

OFFSET: Final = 0
_SHIFT: Final = 1

KIND: Final = facts.KIND + _SHIFT
EVENT_ID: Final = facts.EVENT_ID + _SHIFT
EVENT_TS: Final = facts.EVENT_TS + _SHIFT
_FIRST: Final = EVENT_TS + 1

ALERT_ROW: Final = AlertFields.starting_at(_FIRST)
STATUS_ROW: Final = StatusFields.starting_at(_FIRST)
PROBE_ROW: Final = ProbeFields.starting_at(_FIRST)
DOSSIER_ROW: Final = DossierFields.starting_at(_FIRST)
FEEDBACK_ROW: Final = FeedbackFields.starting_at(_FIRST)

ENTITY: Final = {kind: at + _SHIFT for kind, at in facts.ENTITY.items()}

# Facts of SOC alerts written before the rule's level and id (rows of 11), before the
# system's security level (rows of 13) and before the rule's description (rows of 14) end
# with these; probes written before the error class (rows of 7) end with None.
_ALERT_TAIL: Final = (0, None, None, "")


# Facts of dossier steps written before schema version 2 end at the rating: they are
# version 1, with nothing of version 2 reported.
_DOSSIER_TAIL: Final = (1, None, None, None, None, None)

# Looked up once: this runs for every row decoded.
_ALERT_LENGTH: Final = ALERT_ROW.LENGTH
_DOSSIER_LENGTH: Final = DOSSIER_ROW.LENGTH
_PROBE_LENGTH: Final = PROBE_ROW.LENGTH


def upgrade(rows: list[list[Any]]) -> None:
    """Bring rows written by older versions to the current layout, in place."""
    for row in rows:
        kind = row[KIND]
        if kind == facts.SOC_ALERT:
            if len(row) < _ALERT_LENGTH:
                row.extend(_ALERT_TAIL[len(row) - ALERT_ROW.RULE_LEVEL :])
        elif kind == facts.DOSSIER and len(row) < _DOSSIER_LENGTH:
            row.extend(_DOSSIER_TAIL)
        elif kind == facts.PROBE and len(row) < _PROBE_LENGTH:
            row.append(None)


@dataclass(frozen=True, slots=True)
class PackedFields(Layout):
    """What the ingest packs per source message (``ioc.ingest.batch.pack_partition``):
    (offset, shard, fact | None, dead-letter reason | None)."""

    OFFSET: int
    SHARD: int
    FACT: int
    REASON: int


PACK_RECORD: Final = PackedFields.starting_at(0)
