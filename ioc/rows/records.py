"""Where each value of an entity record of a partition's state sits (``ioc.aggregate.state``
keeps them, by kind), and how a record written by an older version is brought up to date."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from ioc.rows.layout import Layout


@dataclass(frozen=True, slots=True)
class AlertRecordFields(Layout):
    """alert_id -> an open (or settling) SOC alert; SEVERITY is None while only status
    changes have arrived."""

    SEVERITY: int
    CREATED_TS: int
    ACKED_TS: int
    RESOLVED_TS: int
    AGENCY: int
    MTTA_DONE: int
    MTTR_DONE: int
    LAST_TS: int
    SECURITY_LEVEL: int


@dataclass(frozen=True, slots=True)
class ServiceRecordFields(Layout):
    """service -> its flap status and its last probe and certificate."""

    STATUS: int
    FAILURES: int
    SUCCESSES: int
    LAST_TS: int
    TLS_DAYS: int
    TLS_TS: int

    @property
    def FLAP(self) -> slice:
        """The part ``kpi.next_flap_state`` reads and returns."""
        return slice(self.STATUS, self.SUCCESSES + 1)


@dataclass(frozen=True, slots=True)
class DossierRecordFields(Layout):
    """dossier_id (or feedback_id) -> a dossier (or citizen feedback) in progress, abandoned
    after ABANDON_TS."""

    AGENCY: int
    LEVEL: int
    DUE_TS: int
    ABANDON_TS: int


@dataclass(frozen=True, slots=True)
class PauseRecordFields(Layout):
    """dossier_id -> a dossier whose agency asked for more documents: paused since
    PAUSED_TS (None once they came), WAITED_SECONDS of office time paused so far."""

    PAUSED_TS: int
    WAITED_SECONDS: int
    LAST_TS: int


@dataclass(frozen=True, slots=True)
class AgentRecordFields(Layout):
    """agent_id -> the agency of an agent and its last alert (distinct assets alerting)."""

    AGENCY: int
    LAST_TS: int


@dataclass(frozen=True, slots=True)
class DayRecordFields(Layout):
    """ "YYYY-MM-DD|agency|level" -> a day's dossier counts."""

    RECEIVED: int
    RESOLVED: int
    ON_TIME: int
    FULL_ONLINE: int


ALERT_RECORD: Final = AlertRecordFields.starting_at(0)
SERVICE_RECORD: Final = ServiceRecordFields.starting_at(0)
DOSSIER_RECORD: Final = DossierRecordFields.starting_at(0)
AGENT_RECORD: Final = AgentRecordFields.starting_at(0)
PAUSE_RECORD: Final = PauseRecordFields.starting_at(0)
DAY_RECORD: Final = DayRecordFields.starting_at(0)


# Looked up once: the upgrades run for every record of a state read.
_ALERT_LENGTH: Final = ALERT_RECORD.LENGTH
_DOSSIER_LENGTH: Final = DOSSIER_RECORD.LENGTH


def new_alert(ts: float) -> list[Any]:
    return [None, None, None, None, None, 0, 0, ts, "none"]


def upgrade_alert(record: list[Any]) -> list[Any]:
    """Alert records kept before the security level was end at LAST_TS."""
    if len(record) < _ALERT_LENGTH:
        record.append("none")
    return record


def upgrade_dossier(record: list[Any]) -> list[Any]:
    """Dossier records kept before abandonment was have no abandon time: never abandoned."""
    if len(record) < _DOSSIER_LENGTH:
        record.append(None)
    return record


def upgrade_closed(record: Any) -> Any:
    """Closed dossiers were ``[closed_ts]``; they are the bare number now."""
    return record[0] if isinstance(record, list) else record


class HistogramRecord:
    """A histogram series: the count in each bucket (not cumulative), then the count above
    the last bucket, then the sum."""

    SUM: Final = -1

    @staticmethod
    def over(buckets: int) -> int:
        """Where the count above the last of ``buckets`` bounds sits."""
        return buckets

    @staticmethod
    def length(buckets: int) -> int:
        return buckets + 2
