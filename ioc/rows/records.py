"""Where each value of an entity record of a partition's state sits (``ioc.aggregate.state``
keeps them, by kind), and how a record written by an older version is brought up to date."""

from __future__ import annotations

from typing import Any, Final


class AlertRecord:
    """alert_id -> an open (or settling) SOC alert. ``SEVERITY`` is None while only status
    changes have arrived."""

    SEVERITY: Final = 0
    CREATED_TS: Final = 1
    ACKED_TS: Final = 2
    RESOLVED_TS: Final = 3
    AGENCY: Final = 4
    MTTA_DONE: Final = 5
    MTTR_DONE: Final = 6
    LAST_TS: Final = 7
    SECURITY_LEVEL: Final = 8
    LENGTH: Final = 9


def new_alert(ts: float) -> list[Any]:
    return [None, None, None, None, None, 0, 0, ts, "none"]


class ServiceRecord:
    """service -> its flap status and its last probe and certificate."""

    STATUS: Final = 0
    FAILURES: Final = 1
    SUCCESSES: Final = 2
    LAST_TS: Final = 3
    TLS_DAYS: Final = 4
    TLS_TS: Final = 5
    LENGTH: Final = 6
    # The part ``kpi.next_flap_state`` reads and returns.
    FLAP: Final = slice(STATUS, SUCCESSES + 1)


class DossierRecord:
    """dossier_id -> a dossier in progress, abandoned after ``ABANDON_TS``."""

    AGENCY: Final = 0
    LEVEL: Final = 1
    DUE_TS: Final = 2
    ABANDON_TS: Final = 3
    LENGTH: Final = 4


class AgentRecord:
    """agent_id -> the agency of an agent and its last alert (distinct assets alerting)."""

    AGENCY: Final = 0
    LAST_TS: Final = 1


class DayRecord:
    """ "YYYY-MM-DD|agency|level" -> a day's dossier counts."""

    RECEIVED: Final = 0
    RESOLVED: Final = 1
    ON_TIME: Final = 2
    FULL_ONLINE: Final = 3
    LENGTH: Final = 4


def upgrade_alert(record: list[Any]) -> list[Any]:
    """Alert records kept before the security level was end at ``LAST_TS``."""
    if len(record) < AlertRecord.LENGTH:
        record.append("none")
    return record


def upgrade_dossier(record: list[Any]) -> list[Any]:
    """Dossier records kept before abandonment was have no abandon time: never abandoned."""
    if len(record) < DossierRecord.LENGTH:
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
