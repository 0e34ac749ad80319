"""KPI formulas and small state machines: plain functions, no Kafka, no clock.

Each is documented in docs/kpis.md; tests/unit/test_kpi.py checks the edge cases.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from functools import lru_cache
from typing import Literal

Timeliness = Literal["early", "on_time", "late"]
UNKNOWN, DOWN, UP = -1, 0, 1


def next_flap_state(state: list[int], success: bool, down_after: int, up_after: int) -> list[int]:
    """Flapping control as in Gatus. ``state`` is ``[status, failures in a row, successes in a
    row]`` with status UNKNOWN, DOWN or UP.

    Down after ``down_after`` consecutive failures, up again after ``up_after`` consecutive
    successes. A service never seen is UP after its first success (nothing to recover from)
    and DOWN only after ``down_after`` failures.
    """
    status, failures, successes = state
    if success:
        failures, successes = 0, successes + 1
        if status == UNKNOWN or (status == DOWN and successes >= up_after):
            status = UP
    else:
        failures, successes = failures + 1, 0
        if failures >= down_after:
            status = DOWN
    return [status, failures, successes]


def is_overdue(due_ts: float | None, now: float) -> bool:
    """In progress past its due time (a dossier without a due time is never overdue)."""
    return due_ts is not None and due_ts < now


def timeliness(resolved_ts: float, due_ts: float, tz: tzinfo) -> Timeliness:
    """Early: before the due date's local day; on time: on that day, not after the due time;
    late: after the due time (Decision 766 counts early and on time as "on time")."""
    if resolved_ts > due_ts:
        return "late"
    if local_date(resolved_ts, tz) < local_date(due_ts, tz):  # ISO dates sort as dates
        return "early"
    return "on_time"


def ratio(numerator: float, denominator: float) -> float | None:
    """A KPI ratio; ``None`` (no data, shown as a gap, not 0% or 100%) when nothing was counted."""
    if denominator <= 0:
        return None
    return numerator / denominator


def on_time_rate(early: float, on_time: float, late: float) -> float | None:
    """Dossiers resolved on or before their due time / dossiers resolved."""
    return ratio(early + on_time, early + on_time + late)


def satisfaction_rate(all_dossiers: float, unsatisfied: float, complaints: float) -> float | None:
    """Decision 766: (all − rated unsatisfied or complaint) / all dossiers in the authority."""
    return ratio(all_dossiers - unsatisfied - complaints, all_dossiers)


# The label value of whatever is not tracked by name.
OTHER = "other"


def bounded_label(value: str, tracked: frozenset[str]) -> str:
    """The value itself when tracked, else "other": label sets stay bounded."""
    return value if value in tracked else OTHER


def risk_score(open_alerts_by_severity: dict[str, float], weights: dict[str, float]) -> float:
    """Agency risk: Σ over open (unresolved) alerts of the weight of their severity."""
    return sum(weights.get(sev, 0.0) * n for sev, n in open_alerts_by_severity.items())


def local_date(ts: float, tz: tzinfo) -> str:
    """The local calendar day of a timestamp, ``YYYY-MM-DD``."""
    day = _quarter_hour_day(int(ts // _QUARTER_HOUR), tz)
    return day if day is not None else datetime.fromtimestamp(ts, tz).date().isoformat()


_QUARTER_HOUR = 900


@lru_cache(maxsize=1 << 12)
def _quarter_hour_day(quarter: int, tz: tzinfo) -> str | None:
    """The local day shared by every instant of a UTC quarter hour, or None. Each dossier
    event asks for its day, and a zone conversion was 4% of the aggregation (py-spy); a
    quarter hour of events shares one answer. They share a day when the zone's offset is the
    same at both ends (tz data never changes it twice in 15 minutes) and a whole number of
    quarter hours: local midnight then falls on a quarter hour's start, never inside one."""
    start = quarter * _QUARTER_HOUR
    first = datetime.fromtimestamp(start, tz)
    offset = first.utcoffset()
    if (
        offset is None
        or offset != datetime.fromtimestamp(start + _QUARTER_HOUR - 1, tz).utcoffset()
    ):
        return None
    if offset.total_seconds() % _QUARTER_HOUR:
        return None
    return first.date().isoformat()


# Decision 766 reports by month, quarter and year of the province's calendar.
PERIODS = ("month", "quarter", "year")


@lru_cache(maxsize=4096)
def period_ids(local_day: str) -> tuple[str, str, str]:
    """The month, quarter and year a local day (``YYYY-MM-DD``) falls in:
    ``("2026-11", "2026-Q4", "2026")``."""
    year, month = local_day[:4], int(local_day[5:7])
    return local_day[:7], f"{year}-Q{(month - 1) // 3 + 1}", year


# Decision 766's five groups and their points; the ones the stream measures, each from a
# ratio of the period (a linear reading: the decision's own scoring tables are not applied).
SCORE_POINTS = {
    "transparency": 18.0,  # not measured: publication of procedures is not in the stream
    "progress": 20.0,  # on-time rate
    "digitization": 22.0,  # digitized rate
    "online_services": 12.0,  # received-online rate
    "online_payment": 10.0,  # paid-online rate
    "satisfaction": 18.0,  # satisfaction rate
}
NOT_MEASURED = ("transparency",)
MEASURED_POINTS = sum(v for k, v in SCORE_POINTS.items() if k not in NOT_MEASURED)


__all__ = [
    "DOWN",
    "UNKNOWN",
    "UP",
    "bounded_label",
    "local_date",
    "next_flap_state",
    "on_time_rate",
    "period_ids",
    "ratio",
    "risk_score",
    "satisfaction_rate",
    "timeliness",
]
