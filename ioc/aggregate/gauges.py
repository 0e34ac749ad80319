"""Gauges computed from the entities at scrape time: what is true *now*.

Overdue dossiers and maintenance depend on the clock, not on a new event: passing ``now`` in
makes them change with time alone, and keeps this a pure function.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from ioc.aggregate import kpi
from ioc.aggregate.state import (
    AGENTS,
    ALERTS,
    DAYS,
    DOSSIERS,
    FEEDBACK,
    PAUSED,
    PERIODS,
    SERVICES,
    Lookups,
    PartitionState,
    is_paused,
)
from ioc.metrics import spec
from ioc.rows.records import AGENT_RECORD, ALERT_RECORD, DOSSIER_RECORD, SERVICE_RECORD

Gauges = dict[str, dict[str, float]]


def gauges(states: Iterable[PartitionState], now: float, lookups: Lookups) -> Gauges:
    out: Gauges = {g.name: {} for g in spec.GAUGES}

    def add(metric: spec.GaugeSpec, key: str, value: float) -> None:
        series = out[metric.name]
        series[key] = series.get(key, 0.0) + value

    # Known series exist at 0 before their first dossier: a panel shows 0, not "no data",
    # and a sum over agencies does not jump when one appears.
    for agency, level in lookups.agency_level.items():
        for metric in (
            spec.DOSSIERS_IN_PROGRESS,
            spec.DOSSIERS_OVERDUE,
            spec.FEEDBACK_IN_PROGRESS,
            spec.FEEDBACK_OVERDUE,
        ):
            add(metric, spec.label_key(agency, level), 0.0)
    open_by_agency: dict[str, dict[str, float]] = {}
    late_by = working_days_late(now, lookups)
    today = kpi.local_date(now, lookups.tz)
    current = dict(zip(kpi.period_ids(today), kpi.PERIODS, strict=True))
    to_date = (
        spec.DOSSIERS_RECEIVED_TO_DATE,
        spec.DOSSIERS_RESOLVED_TO_DATE,
        spec.DOSSIERS_ON_TIME_TO_DATE,
        spec.DOSSIERS_FULL_ONLINE_TO_DATE,
    )
    for state in states:
        for agent in state.entities.get(AGENTS, {}).values():
            if agent[AGENT_RECORD.LAST_TS] >= now - 3600:
                add(spec.SOC_ASSETS_ALERTING, agent[AGENT_RECORD.AGENCY], 1)
        for key, day_counts in state.entities.get(DAYS, {}).items():
            day, agency, level = key.split("|")
            if day[:7] != today[:7]:
                continue
            periods = ("day", "month") if day == today else ("month",)
            for period in periods:
                labels = spec.label_key(agency, level, period)
                for metric, value in zip(to_date, day_counts, strict=True):
                    add(metric, labels, value)
        for key, period_counts in state.entities.get(PERIODS, {}).items():
            period_id, agency, level = key.split("|")
            if period_id not in current:
                continue  # a period that has turned: its gauge starts again at 0
            period = current[period_id]
            for measure, value in zip(spec.PERIOD_MEASURES, period_counts, strict=True):
                add(spec.DOSSIERS_IN_PERIOD, spec.label_key(agency, level, period, measure), value)
        for service, record in state.entities.get(SERVICES, {}).items():
            status = record[SERVICE_RECORD.STATUS]
            tls_days = record[SERVICE_RECORD.TLS_DAYS]
            if status != kpi.UNKNOWN:
                add(
                    spec.SERVICE_UP,
                    spec.label_key(service, lookups.service_tier[service]),
                    float(status == kpi.UP),
                )
            add(spec.LAST_PROBE, service, record[SERVICE_RECORD.LAST_TS])
            if tls_days is not None:
                add(spec.TLS_DAYS_LEFT, service, tls_days)
        alerts = state.entities.get(ALERTS, {})
        for alert in alerts.values():
            severity = alert[ALERT_RECORD.SEVERITY]
            if severity is None or alert[ALERT_RECORD.RESOLVED_TS] is not None:
                continue  # status changes waiting for their alert, or resolved
            status = "acknowledged" if alert[ALERT_RECORD.ACKED_TS] else "new"
            add(spec.SOC_OPEN, spec.label_key(severity, status), 1)
            counts = open_by_agency.setdefault(alert[ALERT_RECORD.AGENCY], {})
            counts[severity] = counts.get(severity, 0) + 1
        paused = state.entities.get(PAUSED, {})
        for kind, in_progress, overdue in _OPEN_CASES:
            for case_id, record in state.entities.get(kind, {}).items():
                key = spec.label_key(record[DOSSIER_RECORD.AGENCY], record[DOSSIER_RECORD.LEVEL])
                add(in_progress, key, 1)
                due = record[DOSSIER_RECORD.DUE_TS]
                if kpi.is_overdue(due, now) and not (
                    kind == DOSSIERS and case_id in paused and is_paused(state, case_id)
                ):
                    add(overdue, key, 1)
                    if kind == DOSSIERS:
                        late = late_by(kpi.local_date(due, lookups.tz))
                        add(spec.DOSSIERS_OVERDUE_WORKING_DAYS, f"{key}{_SEP}{late}", 1)
        for name, entities in state.entities.items():
            add(spec.STATE_ENTITIES, name, len(entities))
    for agency, counts in open_by_agency.items():
        add(spec.SOC_RISK, agency, kpi.risk_score(counts, dict(lookups.risk_weights)))
    for service in lookups.service_tier:
        add(spec.IN_MAINTENANCE, service, float(lookups.in_maintenance(service, now)))
    for name, target in lookups.targets.items():
        add(spec.KPI_TARGET, name, target)
    for agency, (kind, area) in lookups.agency_group.items():
        level, name = lookups.agency_level[agency], lookups.names.get(agency, agency)
        add(spec.AGENCY_INFO, spec.label_key(agency, level, kind, area, name), 1)
    for service, tier in lookups.service_tier.items():
        where = lookups.service_agency.get(service, "")
        add(spec.SERVICE_INFO, spec.label_key(service, lookups.names.get(service, service),
                                              tier, where), 1)  # fmt: skip
    return out


_SEP = spec.LABEL_SEP
# Working days late, as the buckets of ioc_dossiers_overdue_by_working_days.
_LATE_BUCKETS = ((0, "0"), (1, "1"), (5, "2-5"), (10, "6-10"), (20, "11-20"))


def working_days_late(now: float, lookups: Lookups) -> Callable[[str], str]:
    """The bucket of working days between a due date (``YYYY-MM-DD``, province) and ``now``:
    one walk over the calendar per scrape, then a lookup per overdue dossier."""
    calendar = lookups.calendar
    today = datetime.fromtimestamp(now, lookups.tz).date()
    horizon = round(lookups.dossier_overdue_seconds / 86400) + 31
    after: dict[str, int] = {}  # due date -> working days after it, up to today
    count = 0
    for back in range(horizon):
        day = today - timedelta(days=back)
        after[day.isoformat()] = count
        count += calendar.is_working_day(day)

    def bucket(due_date: str) -> str:
        late = after.get(due_date, count)
        return next((name for top, name in _LATE_BUCKETS if late <= top), "21+")

    return bucket


# Open dossiers and open citizen feedback, each record in DOSSIER_RECORD's layout, and the
# gauges they are counted in.
_OPEN_CASES = (
    (DOSSIERS, spec.DOSSIERS_IN_PROGRESS, spec.DOSSIERS_OVERDUE),
    (FEEDBACK, spec.FEEDBACK_IN_PROGRESS, spec.FEEDBACK_OVERDUE),
)


def overdue_by_agency(state: PartitionState, now: float) -> dict[str, int]:
    """Overdue dossiers of one state by agency at ``now``: what the backlog alert reads."""
    counts: dict[str, int] = {}
    for dossier_id, dossier in state.entities.get(DOSSIERS, {}).items():
        if kpi.is_overdue(dossier[DOSSIER_RECORD.DUE_TS], now) and not is_paused(state, dossier_id):
            agency = dossier[DOSSIER_RECORD.AGENCY]
            counts[agency] = counts.get(agency, 0) + 1
    return counts
