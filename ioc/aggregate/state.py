"""Per source-partition aggregates with an offset watermark.

The watermark, the aggregates and the entities (open dossiers, open alerts, service status)
are one value. A batch replayed after a crash or rebalance carries offsets below the watermark
and changes nothing: that is what makes the aggregates effectively-once over at-least-once
delivery.

The value is persisted as a snapshot (``to_bytes``) followed by deltas (``changes_to_bytes``):
each delta holds the new values of what changed since the record before it, with the
watermark, under the next sequence number (``ioc.aggregate.journal`` decides which to write
and folds them back).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, tzinfo
from operator import itemgetter
from typing import Any
from zoneinfo import ZoneInfo

import orjson

from ioc.aggregate import kpi
from ioc.aggregate.dedup import SeenEvents, key_of
from ioc.aggregate.kpi import OTHER
from ioc.catalog import Catalog
from ioc.catalog.calendar import WorkingCalendar
from ioc.catalog.maintenance import MaintenanceCalendar
from ioc.catalog.model import OfficeHours
from ioc.ingest.batch import Batch
from ioc.metrics import spec
from ioc.rows import batch_rows as row_at
from ioc.rows import facts
from ioc.rows import records as entity_records
from ioc.rows.batch_rows import ALERT_ROW, DOSSIER_ROW, FEEDBACK_ROW, PROBE_ROW, STATUS_ROW
from ioc.rows.records import (
    AGENT_RECORD,
    ALERT_RECORD,
    DAY_RECORD,
    DOSSIER_RECORD,
    PAUSE_RECORD,
    SERVICE_RECORD,
    HistogramRecord,
)

Counters = dict[str, dict[str, float]]
# Histogram series: [count per bucket (non-cumulative) ..., count above the last bucket, sum]
Histograms = dict[str, dict[str, list[float]]]
# A record is a list, or a bare number where one value is all (``CLOSED``).
Entities = dict[str, dict[str, Any]]

# Entity kinds kept in a partition's state (all bounded: see ``expire``). The layouts of
# their records: ``ioc.rows.records``.
SERVICES = "svc"  # service -> SERVICE_RECORD
ALERTS = "alert"  # alert_id -> ALERT_RECORD
DOSSIERS = "dos"  # dossier_id -> DOSSIER_RECORD (in progress; abandoned after its abandon time)
AGENTS = "agent"  # agent_id -> AGENT_RECORD (for distinct assets alerting)
DAYS = "day"  # "YYYY-MM-DD|agency|level" -> DAY_RECORD
# dossier_id -> closed_ts   (so a late "received" does not reopen it). A bare number: a week
# of closed dossiers is the largest kind, and a one-item list per dossier cost 80 bytes more.
# Records written before are ``[closed_ts]`` (``_upgraded``).
CLOSED = "dos_closed"
# dossier_id -> closed_ts: closed (resolved, returned or cancelled) before its receipt came,
# so that the receipt, when it comes, counts once and a second closing step does not.
CLOSED_EARLY = "dos_closed_early"
# dossier_id -> abandon_ts: received, then closed out as abandoned; a closing step may still
# come (and counts), a second receipt may not.
ABANDONED = "dos_abandoned"
# alert_id -> last_ts: an alert acknowledged and resolved (its response times observed),
# kept so that a status change sent again is not counted again.
SETTLED = "alert_settled"
# "2026-11|agency|level", "2026-Q4|...", "2026|..." -> counts of spec.PERIOD_MEASURES: this
# and the previous month, quarter and year (Decision 766 reports by period).
PERIODS = "period"
_MEASURE = {name: i for i, name in enumerate(spec.PERIOD_MEASURES)}
# dossier_id -> ts: resolved late, or rated unsatisfied or with a complaint. The portal's
# dossier satisfaction counts such a dossier once against its agency, whichever came first.
DISSATISFIED = "dos_dissatisfied"
# dossier_id -> [paused_since_ts | None, paused_working_seconds, last_ts]: a dossier whose
# agency asked the citizen for more documents. While paused it is not overdue; once the
# documents come, its due time moves by the office time it waited (docs/kpis.md, paused
# clocks). Dropped when the dossier closes, or dossier_open_seconds after its last step.
PAUSED = "dos_paused"
# Citizen feedback (PAKN), kept as dossiers are: open ones (DOSSIER_RECORD's layout), those
# resolved, resolved before their receipt came, abandoned, and counted against satisfaction.
FEEDBACK = "fb"
FEEDBACK_CLOSED = "fb_closed"
FEEDBACK_CLOSED_EARLY = "fb_closed_early"
FEEDBACK_ABANDONED = "fb_abandoned"
FEEDBACK_DISSATISFIED = "fb_dissatisfied"
# Ratings that count against satisfaction (Decision 766).
_UNSATISFIED = frozenset({"unsatisfied", "complaint"})

# Abandoned dossiers and alerts are looked for once per this much event time.
SWEEP_EVERY_SECONDS = 3600.0
# What is kept only against out-of-order events is dropped once per this much event time: a
# scan per batch cost as much as the batch when batches are small (real time) and state large.
EXPIRE_EVERY_SECONDS = 60.0

# Day buckets cover this month and the last.
DAY_BUCKET_RETENTION = 62 * 86400.0

# Alerts below medium are counted, not tracked as incidents (no one acknowledges them).
TRACKED_SEVERITIES = frozenset({"medium", "high", "critical"})


class EntityKind(dict[str, Any]):
    """The entities of one kind, remembering which ids were set or deleted since the last
    record: only those go into the next delta. Records are lists changed in place, so every
    change ends with setting the id again (or deleting it)."""

    __slots__ = ("changed",)

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.changed: set[str] = set()

    def __setitem__(self, key: str, value: Any) -> None:
        dict.__setitem__(self, key, value)
        self.changed.add(key)

    def __delitem__(self, key: str) -> None:
        dict.__delitem__(self, key)
        self.changed.add(key)

    def pop(self, key: str, *default: Any) -> Any:  # type: ignore[override]
        if key in self:  # an id that was not there changes nothing the next delta must say
            self.changed.add(key)
        return dict.pop(self, key, *default)


@dataclass
class PartitionState:
    next_offset: int = 0
    counters: Counters = field(default_factory=dict)
    histograms: Histograms = field(default_factory=dict)
    entities: Entities = field(default_factory=dict)
    # Highest event time applied to this shard, for expiry.
    max_event_ts: float = 0.0
    # Event time of the next sweep for abandoned dossiers and alerts (hourly, not per batch:
    # a sweep walks every open entity).
    next_sweep_ts: float = 0.0
    # Event time of the next expiry of what is kept against out-of-order events.
    next_expire_ts: float = 0.0
    # Counter and histogram series changed since the last record: (metric, label key).
    changed_series: set[tuple[str, str]] = field(default_factory=set, compare=False, repr=False)

    def to_bytes(self, meta: Mapping[str, int] | None = None) -> bytes:
        """The whole state (a snapshot), with the writer's ``meta`` fields; what changed is
        then written."""
        self.clear_changes()
        return orjson.dumps(
            {
                **(meta or {}),
                "o": self.next_offset,
                "c": self.counters,
                "h": self.histograms,
                "n": self.entities,
                "t": self.max_event_ts,
                "w": self.next_sweep_ts,
                "x": self.next_expire_ts,
            }
        )

    def changes_to_bytes(self, meta: Mapping[str, int] | None = None) -> bytes:
        """What changed since the last record, as new values (a deleted entity as null)."""
        counters: Counters = {}
        histograms: Histograms = {}
        for name, key in self.changed_series:
            if name in self.counters:
                counters.setdefault(name, {})[key] = self.counters[name][key]
            else:
                histograms.setdefault(name, {})[key] = self.histograms[name][key]
        entities: dict[str, dict[str, Any]] = {}
        for name, kind in self.entities.items():
            changed = getattr(kind, "changed", None)
            if changed:
                entities[name] = {k: kind.get(k) for k in changed}
        self.clear_changes()
        delta: dict[str, Any] = {
            **(meta or {}),
            "o": self.next_offset,
            "t": self.max_event_ts,
            "w": self.next_sweep_ts,
            "x": self.next_expire_ts,
        }
        # Most small batches change no histogram, some no entity: left out, not written empty.
        for section, changes in (("c", counters), ("h", histograms), ("n", entities)):
            if changes:
                delta[section] = changes
        return orjson.dumps(delta)

    def sizes(self) -> dict[str, tuple[int, int]]:
        """(records, bytes as serialized) per part of the state: each entity kind, and the
        counter and histogram series: what a snapshot of it weighs, part by part."""
        out = {name: (len(kind), len(orjson.dumps(kind))) for name, kind in self.entities.items()}
        for part, series in (("counters", self.counters), ("histograms", self.histograms)):
            out[part] = (sum(map(len, series.values())), len(orjson.dumps(series)))
        return out

    def clear_changes(self) -> None:
        self.changed_series.clear()
        for kind in self.entities.values():
            changed = getattr(kind, "changed", None)
            if changed:
                changed.clear()

    @classmethod
    def from_bytes(cls, data: bytes | None) -> PartitionState:
        """The state of a snapshot (``to_bytes``)."""
        return cls.from_raw(orjson.loads(data)) if data else cls()

    @classmethod
    def from_raw(cls, raw: Mapping[str, Any]) -> PartitionState:
        """The state of a parsed snapshot; deltas are then applied by ``apply_changes``."""
        state = cls(counters=raw["c"], histograms=raw["h"])
        state.entities = {k: EntityKind(_upgraded(k, v)) for k, v in raw.get("n", {}).items()}
        state._set_scalars(raw)
        return state

    def apply_changes(self, raw: Mapping[str, Any]) -> None:
        """Apply a parsed delta (``changes_to_bytes``) written right after this state."""
        self._set_scalars(raw)
        for name, series in raw.get("c", {}).items():
            self.counters.setdefault(name, {}).update(series)
        for name, hseries in raw.get("h", {}).items():
            self.histograms.setdefault(name, {}).update(hseries)
        for name, changes in raw.get("n", {}).items():
            kind = self.kind(name)
            for key, record in _upgraded(name, changes).items():
                if record is None:
                    kind.pop(key, None)
                else:
                    kind[key] = record
        self.clear_changes()

    def _set_scalars(self, raw: Mapping[str, Any]) -> None:
        self.next_offset = raw["o"]
        self.max_event_ts = raw.get("t", 0.0)
        self.next_sweep_ts = raw.get("w", 0.0)
        self.next_expire_ts = raw.get("x", 0.0)

    def inc(self, metric: spec.CounterSpec, key: str, amount: float = 1) -> None:
        series = self.counters.setdefault(metric.name, {})
        series[key] = series.get(key, 0) + amount
        self.changed_series.add((metric.name, key))

    def add_counts(self, counts: Mapping[tuple[str, str], float]) -> None:
        """Add a batch's summed counter increments, (metric name, label key) -> amount."""
        counters = self.counters
        for (name, key), amount in counts.items():
            series = counters.get(name)
            if series is None:
                series = counters[name] = {}
            series[key] = series.get(key, 0) + amount
        self.changed_series.update(counts)

    def observe(self, metric: spec.HistogramSpec, key: str, value: float) -> None:
        series = self.histograms.setdefault(metric.name, {})
        row = series.get(key)
        if row is None:
            row = series[key] = [0.0] * HistogramRecord.length(len(metric.buckets))
        # Prometheus buckets are "less than or equal": bisect_left finds the first bound >= v.
        row[bisect_left(metric.buckets, value)] += 1
        row[HistogramRecord.SUM] += value
        self.changed_series.add((metric.name, key))

    def kind(self, name: str) -> EntityKind:
        kind = self.entities.get(name)
        if not isinstance(kind, EntityKind):
            kind = self.entities[name] = EntityKind(kind or {})
        return kind


def _upgraded(kind: str, kept: dict[str, Any]) -> dict[str, Any]:
    """Records of ``kind`` as this version keeps them (a None is a deletion in a delta)."""
    upgrade = _UPGRADES.get(kind)
    if upgrade is None:
        return kept
    return {k: r if r is None else upgrade(r) for k, r in kept.items()}


def _upgrade_period(record: list[int]) -> list[int]:
    """Period records kept before a measure was added end before it: none counted yet."""
    missing = len(_MEASURE) - len(record)
    if missing > 0:
        record.extend([0] * missing)
    return record


_UPGRADES = {
    PERIODS: _upgrade_period,
    CLOSED: entity_records.upgrade_closed,
    ALERTS: entity_records.upgrade_alert,
    DOSSIERS: entity_records.upgrade_dossier,
}


_PLAIN_WEEKS = WorkingCalendar(
    ZoneInfo("UTC"), OfficeHours(), {}, {}, frozenset()
).weekly_fallback()


@dataclass(frozen=True)
class Lookups:
    """Catalog facts and policies the aggregation needs, as plain values."""

    service_tier: Mapping[str, str]
    tz: tzinfo = UTC
    down_after: int = 3
    up_after: int = 2
    tracked_techniques: frozenset[str] = frozenset()
    tracked_rule_groups: frozenset[str] = frozenset()
    maintenance: MaintenanceCalendar = field(default_factory=lambda: MaintenanceCalendar({}))
    # How long closed dossiers are remembered (event time), against out-of-order events.
    closed_retention_seconds: float = 7 * 86400.0
    # An event older than the partition's newest event time minus this is late.
    late_grace_seconds: float = 300.0
    risk_weights: Mapping[str, float] = field(default_factory=dict)
    targets: Mapping[str, float] = field(default_factory=dict)
    # Closing out abandoned entities (catalog kpi.retention), in seconds.
    dossier_overdue_seconds: float = 90 * 86400.0
    dossier_open_seconds: float = 400 * 86400.0
    # A dossier step is synchronised with the national portal in time within this many
    # seconds of it (catalog kpi.portal_sync_seconds).
    portal_sync_seconds: float = 300.0
    alert_open_seconds: float = 30 * 86400.0
    # agency -> its level: the dossier gauges exist at 0 for each from the first scrape.
    agency_level: Mapping[str, str] = field(default_factory=dict)
    # agency -> (kind, area or ""): how the province groups its agencies (ioc_agency_info).
    agency_group: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    # agency or service id -> its name, for people (ioc_agency_info, ioc_service_info).
    names: Mapping[str, str] = field(default_factory=dict)
    service_agency: Mapping[str, str] = field(default_factory=dict)
    # Office time, for paused clocks; years it does not list count as plain office weeks.
    calendar: WorkingCalendar = field(default_factory=lambda: _PLAIN_WEEKS)

    @classmethod
    def from_catalog(cls, catalog: Catalog, late_grace_seconds: float = 300.0) -> Lookups:
        return cls(
            service_tier={s.id: str(s.tier) for s in catalog.services},
            tz=ZoneInfo(catalog.province.timezone),
            down_after=catalog.kpi.uptime.down_after_failures,
            up_after=catalog.kpi.uptime.up_after_successes,
            tracked_techniques=frozenset(catalog.kpi.soc.tracked_techniques),
            tracked_rule_groups=frozenset(catalog.kpi.soc.tracked_rule_groups),
            maintenance=MaintenanceCalendar.from_catalog(catalog),
            risk_weights={str(k): v for k, v in catalog.kpi.soc.risk_weights.items()},
            targets=dict(catalog.kpi.targets),
            late_grace_seconds=late_grace_seconds,
            agency_level={a.id: a.level for a in catalog.agencies},
            agency_group={a.id: (a.group, a.area or "") for a in catalog.agencies},
            names={a.id: a.name for a in catalog.agencies}
            | {s.id: s.name for s in catalog.services},
            service_agency={s.id: s.agency for s in catalog.services},
            dossier_overdue_seconds=catalog.kpi.retention.dossier_overdue_days * 86400.0,
            dossier_open_seconds=catalog.kpi.retention.dossier_open_days * 86400.0,
            portal_sync_seconds=catalog.kpi.portal_sync_seconds,
            alert_open_seconds=catalog.kpi.retention.alert_open_days * 86400.0,
            calendar=WorkingCalendar.of(catalog).weekly_fallback(),
        )

    def in_maintenance(self, service: str, ts: float) -> bool:
        return self.maintenance.contains(service, ts)


def add_sizes(total: dict[str, list[int]], sizes: Mapping[str, Sequence[int]]) -> None:
    """Add ``sizes`` (a state's ``sizes()``, or a sum of them) into ``total``, part by part."""
    for part, (records, size) in sizes.items():
        into_records, into_size = total.get(part, (0, 0))
        total[part] = [into_records + records, into_size + size]


@dataclass
class Applied:
    """What a batch changed: offsets newly accounted for, and the (event id key, offset) pairs
    applied, which the caller persists for deduplication (none without a dedup index)."""

    offsets: int = 0
    fresh: list[tuple[int, int]] = field(default_factory=list)


# (metric name, label key) -> increment, summed over a batch (``PartitionState.add_counts``).
Counts = dict[tuple[str, str], float]
# A dossier day's sums in a batch: the day bucket's counts, then the period measures.
_DAY_SUMS = DAY_RECORD.LENGTH
# Where each period measure sits in those sums.
_PERIOD_AT = {name: _DAY_SUMS + i for name, i in _MEASURE.items()}


# A batch row's fields as each kind's apply function reads them: one C call per row.
_OFFSET = row_at.OFFSET
_KIND = row_at.KIND
_EVENT_ID = row_at.EVENT_ID
_EVENT_TS = row_at.EVENT_TS
_ALERT_FIELDS = itemgetter(
    row_at.EVENT_TS, ALERT_ROW.SEVERITY, ALERT_ROW.ASSET_TYPE, ALERT_ROW.AGENCY, ALERT_ROW.ALERT_ID,
    ALERT_ROW.AGENT_ID, ALERT_ROW.TECHNIQUES, ALERT_ROW.GROUPS, ALERT_ROW.SECURITY_LEVEL,
)  # fmt: skip
_STATUS_FIELDS = itemgetter(row_at.EVENT_TS, STATUS_ROW.STATUS, STATUS_ROW.ALERT_ID)
_FEEDBACK_FIELDS = itemgetter(
    row_at.EVENT_TS, FEEDBACK_ROW.LIFECYCLE, FEEDBACK_ROW.AGENCY, FEEDBACK_ROW.LEVEL,
    FEEDBACK_ROW.FEEDBACK_ID, FEEDBACK_ROW.DUE_TS, FEEDBACK_ROW.RATING,
)  # fmt: skip
_PROBE_FIELDS = itemgetter(
    row_at.EVENT_TS,
    PROBE_ROW.SERVICE,
    PROBE_ROW.SUCCESS,
    PROBE_ROW.DURATION,
    PROBE_ROW.TLS_DAYS_LEFT,
)
_DOSSIER_FIELDS = itemgetter(
    row_at.EVENT_TS, DOSSIER_ROW.LIFECYCLE, DOSSIER_ROW.AGENCY, DOSSIER_ROW.LEVEL,
    DOSSIER_ROW.CHANNEL, DOSSIER_ROW.DOSSIER_ID, DOSSIER_ROW.DUE_TS, DOSSIER_ROW.FULL_ONLINE,
    DOSSIER_ROW.PAID_ONLINE, DOSSIER_ROW.DIGITIZED, DOSSIER_ROW.RATING,
    DOSSIER_ROW.SCHEMA_VERSION, DOSSIER_ROW.FULL_ONLINE_ELIGIBLE, DOSSIER_ROW.FEE_REQUIRED,
    DOSSIER_ROW.ELECTRONIC_RESULT, DOSSIER_ROW.COMPONENTS_REPLACED, DOSSIER_ROW.PORTAL_SYNC_DELAY,
)  # fmt: skip


class Tally:
    """What a batch adds, summed before it reaches the state: counter increments, and the
    day and period counts of dossiers by (local day, agency, level). Most events of a batch
    share these keys: one state update per key and batch, not one per event."""

    __slots__ = ("counts", "dossier_days")

    def __init__(self) -> None:
        self.counts: Counts = {}
        self.dossier_days: dict[tuple[str, str, str], list[int]] = {}

    def add_to(self, state: PartitionState) -> None:
        state.add_counts(self.counts)
        if self.dossier_days:
            _add_dossier_days(state, self.dossier_days)


# The per-event functions of SOC alerts and dossiers, most of a backlog, add to ``counts``
# inline (``k = ...; counts[k] = ...``) and join label keys with ``_SEP`` in place of
# ``spec.label_key``: a call per increment was a fifth of the aggregation's time.
_SEP = spec.LABEL_SEP
_SOC_ALERTS = spec.SOC_ALERTS.name
_SOC_ALERTS_BY_SECURITY_LEVEL = spec.SOC_ALERTS_BY_SECURITY_LEVEL.name
_SOC_ALERTS_BY_TECHNIQUE = spec.SOC_ALERTS_BY_TECHNIQUE.name
_SOC_ALERTS_BY_RULE_GROUP = spec.SOC_ALERTS_BY_RULE_GROUP.name
_DOSSIER_EVENTS = spec.DOSSIER_EVENTS.name


def _count(counts: Counts, name: str, key: str, amount: float = 1) -> None:
    k = (name, key)
    counts[k] = counts.get(k, 0) + amount


def apply_batch(
    state: PartitionState,
    batch: Batch,
    lookups: Lookups,
    seen: SeenEvents | None = None,
    late_offsets: Collection[int] | None = None,
) -> Applied:
    """Apply the part of ``batch`` at or above the watermark, skipping event ids ``seen``
    applied at another offset. ``late_offsets`` are the events the caller found late against
    the whole source partition's clock (``late_offsets_of``); without it, this state's own
    clock decides."""
    result = Applied()
    if batch.end <= state.next_offset:
        return result
    low = state.next_offset
    applied = duplicates = late = 0
    tally = Tally()
    for row in batch.events:
        offset = row[_OFFSET]
        if offset < low:
            continue
        kind = row[_KIND]
        if seen is not None:
            key = key_of(row[_EVENT_ID], row[_ENTITY_AT[kind]])
            if seen.is_duplicate(key, offset):
                duplicates += 1
                continue
            # Record before applying: a second copy in this same batch is then caught too.
            seen.add_one(key, offset)
            result.fresh.append((key, offset))
        if late_offsets is not None:
            late += offset in late_offsets
        elif row[_EVENT_TS] < state.max_event_ts - lookups.late_grace_seconds:
            late += 1
        _APPLY[kind](state, row, lookups, tally)
        applied += 1
    source = batch.source
    counts = tally.counts
    if applied:
        _count(counts, spec.EVENTS_PROCESSED.name, source, applied)
    if duplicates:
        _count(counts, spec.EVENTS_DUPLICATE.name, source, duplicates)
    if late:
        _count(counts, spec.EVENTS_LATE.name, source, late)
    dead = 0
    for offset, reason in batch.dead_letters:
        if offset >= low:
            _count(counts, spec.EVENTS_DEAD_LETTERED.name, spec.label_key(source, reason))
            dead += 1
    forwarded = sum(1 for offset in batch.forwarded if offset >= low)
    if forwarded:
        _count(counts, spec.EVENTS_REROUTED.name, source, forwarded)
    tally.add_to(state)
    state.next_offset = batch.end
    expire(state, lookups)
    result.offsets = applied + duplicates + dead + forwarded
    return result


def late_offsets_of(
    batch: Batch, clock: float, grace: float, from_offset: int = 0
) -> tuple[set[int], float]:
    """Walk a source partition's batch in offset order with the partition's event-time clock,
    which stands at ``clock`` just before ``from_offset``: the offsets of events older than the
    clock minus ``grace``, and the clock after the batch."""
    late = set()
    for row in batch.events:
        if row[_OFFSET] < from_offset:
            continue  # already in ``clock``
        ts = row[_EVENT_TS]
        if ts < clock - grace:
            late.add(row[_OFFSET])
        elif ts > clock:
            clock = ts
    return late, clock


def _soc_alert(state: PartitionState, row: list[Any], lookups: Lookups, tally: Tally) -> None:
    ts, severity, asset_type, agency, alert_id, agent_id, techniques, groups, level = _ALERT_FIELDS(
        row
    )
    security_level = spec.security_level_label(level)
    if ts > state.max_event_ts:
        state.max_event_ts = ts
    counts = tally.counts
    k = (_SOC_ALERTS, _SEP.join((severity, asset_type, agency)))
    counts[k] = counts.get(k, 0) + 1
    k = (_SOC_ALERTS_BY_SECURITY_LEVEL, _SEP.join((severity, security_level)))
    counts[k] = counts.get(k, 0) + 1
    agents = state.kind(AGENTS)
    seen_agent = agents.get(agent_id)
    if seen_agent is None or seen_agent[AGENT_RECORD.LAST_TS] < ts:
        agents[agent_id] = [agency, ts]
    tracked = lookups.tracked_techniques
    for technique in techniques:
        k = (_SOC_ALERTS_BY_TECHNIQUE, technique if technique in tracked else OTHER)
        counts[k] = counts.get(k, 0) + 1
    tracked = lookups.tracked_rule_groups
    for group in groups:
        k = (_SOC_ALERTS_BY_RULE_GROUP, group if group in tracked else OTHER)
        counts[k] = counts.get(k, 0) + 1
    if severity in TRACKED_SEVERITIES:
        alerts = state.kind(ALERTS)
        # A status update may have come first: keep what it recorded.
        record = alerts.get(alert_id) or entity_records.new_alert(ts)
        if record[ALERT_RECORD.SEVERITY] is not None:
            return  # the alert id again: response times run from its first creation
        record[ALERT_RECORD.SEVERITY] = severity
        record[ALERT_RECORD.CREATED_TS] = ts
        record[ALERT_RECORD.AGENCY] = agency
        record[ALERT_RECORD.SECURITY_LEVEL] = security_level
        alerts[alert_id] = record
        _settle_alert(state, alert_id, record)


def _soc_status(state: PartitionState, row: list[Any], lookups: Lookups, tally: Tally) -> None:
    """Each status once per alert: acknowledged once, resolved once, whatever the event ids."""
    ts, status, alert_id = _STATUS_FIELDS(row)
    _clock(state, ts)
    alerts = state.kind(ALERTS)
    record = alerts.get(alert_id)
    if record is None and alert_id in state.kind(SETTLED):
        _count(tally.counts, spec.SOC_ALERT_STATUS_DUPLICATES.name, status)
        return
    record = record or entity_records.new_alert(ts)
    at = _STATUS_AT.get(status)
    if at is not None:
        if record[at] is not None:
            _count(tally.counts, spec.SOC_ALERT_STATUS_DUPLICATES.name, status)
            return
        record[at] = ts
    _count(tally.counts, spec.SOC_ALERT_STATUS.name, status)
    record[ALERT_RECORD.LAST_TS] = max(record[ALERT_RECORD.LAST_TS], ts)
    alerts[alert_id] = record
    _settle_alert(state, alert_id, record)


# Where a status change records its time in an alert's record.
_STATUS_AT = {"acknowledged": ALERT_RECORD.ACKED_TS, "resolved": ALERT_RECORD.RESOLVED_TS}


def _settle_alert(state: PartitionState, alert_id: str, record: list[Any]) -> None:
    """Observe MTTA and MTTR once each, whatever order alert and status changes came in."""
    severity = record[ALERT_RECORD.SEVERITY]
    if severity is None:
        return  # the alert itself has not arrived yet
    created = record[ALERT_RECORD.CREATED_TS]
    acked = record[ALERT_RECORD.ACKED_TS]
    resolved = record[ALERT_RECORD.RESOLVED_TS]
    security_level = record[ALERT_RECORD.SECURITY_LEVEL]
    if acked is not None and not record[ALERT_RECORD.MTTA_DONE]:
        state.observe(spec.SOC_MTTA, severity, max(0.0, acked - created))
        state.observe(spec.SOC_MTTA_BY_SECURITY_LEVEL, security_level, max(0.0, acked - created))
        record[ALERT_RECORD.MTTA_DONE] = 1
    if resolved is not None and not record[ALERT_RECORD.MTTR_DONE]:
        state.observe(spec.SOC_MTTR, severity, max(0.0, resolved - created))
        state.observe(spec.SOC_MTTR_BY_SECURITY_LEVEL, security_level, max(0.0, resolved - created))
        record[ALERT_RECORD.MTTR_DONE] = 1
    if record[ALERT_RECORD.MTTA_DONE] and record[ALERT_RECORD.MTTR_DONE]:
        del state.kind(ALERTS)[alert_id]
        state.kind(SETTLED)[alert_id] = record[ALERT_RECORD.LAST_TS]


def _probe(state: PartitionState, row: list[Any], lookups: Lookups, tally: Tally) -> None:
    ts, service, success, duration, tls_days = _PROBE_FIELDS(row)
    _clock(state, ts)
    counts = tally.counts
    tier = lookups.service_tier[service]
    if lookups.in_maintenance(service, ts):
        _count(counts, spec.UPTIME_PROBES.name, spec.label_key(service, tier, "maintenance"))
        return
    result = "success" if success else "failure"
    _count(counts, spec.UPTIME_PROBES.name, spec.label_key(service, tier, result))
    state.observe(spec.PROBE_DURATION, spec.label_key(service, tier), duration)
    services = state.kind(SERVICES)
    record = services.get(service) or [kpi.UNKNOWN, 0, 0, 0.0, None, 0.0]
    flap = SERVICE_RECORD.FLAP
    record[flap] = kpi.next_flap_state(record[flap], success, lookups.down_after, lookups.up_after)
    record[SERVICE_RECORD.LAST_TS] = max(record[SERVICE_RECORD.LAST_TS], ts)
    if tls_days is not None and ts >= record[SERVICE_RECORD.TLS_TS]:
        record[SERVICE_RECORD.TLS_DAYS] = tls_days
        record[SERVICE_RECORD.TLS_TS] = ts
    services[service] = record


def _dossier(state: PartitionState, row: list[Any], lookups: Lookups, tally: Tally) -> None:
    (
        ts,
        lifecycle,
        agency,
        level,
        channel,
        dossier_id,
        due,
        full_online,
        paid_online,
        digitized,
        rating,
        version,
        eligible,
        fee_required,
        electronic_result,
        replaced,
        sync_delay,
    ) = _DOSSIER_FIELDS(row)
    if ts > state.max_event_ts:
        state.max_event_ts = ts
    counts = tally.counts
    in_progress = state.kind(DOSSIERS)
    closed = state.kind(CLOSED)
    if lifecycle in _ONCE and _repeated_step(state, lifecycle, dossier_id):
        _count(counts, spec.DOSSIERS_DUPLICATE_STEPS.name, lifecycle)
        return
    k = (_DOSSIER_EVENTS, _SEP.join((agency, level, lifecycle)))
    counts[k] = counts.get(k, 0) + 1
    if version != 1 and lifecycle != "rated":
        # A step of the dossier's progress, which the portal must receive in time.
        sums = _day_sums(tally, kpi.local_date(ts, lookups.tz), agency, level)
        sums[_PERIOD_AT["steps_sync_tracked"]] += 1
        if sync_delay is not None and sync_delay <= lookups.portal_sync_seconds:
            sums[_PERIOD_AT["steps_synced_in_time"]] += 1
    if lifecycle == "received":
        sums = _day_sums(tally, kpi.local_date(ts, lookups.tz), agency, level)
        sums[DAY_RECORD.RECEIVED] += 1
        sums[_PERIOD_AT["received"]] += 1
        if channel == "online":
            sums[_PERIOD_AT["received_online"]] += 1
        if full_online:
            sums[DAY_RECORD.FULL_ONLINE] += 1
            sums[_PERIOD_AT["full_online"]] += 1
        if paid_online:
            sums[_PERIOD_AT["paid_online"]] += 1
        if digitized:
            sums[_PERIOD_AT["digitized"]] += 1
        if eligible:
            sums[_PERIOD_AT["received_eligible"]] += 1
            if full_online:
                sums[_PERIOD_AT["full_online_eligible"]] += 1
        if fee_required:
            sums[_PERIOD_AT["received_with_fee"]] += 1
            if paid_online:
                sums[_PERIOD_AT["paid_online_with_fee"]] += 1
        if due is not None and not lookups.calendar.is_working_day(
            date.fromisoformat(kpi.local_date(due, lookups.tz))
        ):
            sums[_PERIOD_AT["received_due_on_day_off"]] += 1
        if replaced is not None:
            sums[_PERIOD_AT["received_replaceable"]] += 1
            if replaced:
                sums[_PERIOD_AT["components_replaced"]] += 1
        _count(counts, spec.DOSSIERS_RECEIVED.name, _SEP.join((agency, level, channel)))
        if full_online or paid_online or digitized:
            by_agency = _SEP.join((agency, level))
            if full_online:
                _count(counts, spec.DOSSIERS_FULL_ONLINE.name, by_agency)
            if paid_online:
                _count(counts, spec.DOSSIERS_PAID_ONLINE.name, by_agency)
            if digitized:
                _count(counts, spec.DOSSIERS_DIGITIZED.name, by_agency)
        closed_at = state.kind(CLOSED_EARLY).pop(dossier_id, None)
        if closed_at is not None:
            closed[dossier_id] = closed_at  # its closing step came first
        else:
            abandon = ts + lookups.dossier_open_seconds
            if due is not None:
                due = _paused_due(state, dossier_id, due, None, lookups)
                abandon = min(abandon, due + lookups.dossier_overdue_seconds)
            in_progress[dossier_id] = [agency, level, due, abandon]
    elif lifecycle in ("resolved", "returned", "cancelled"):
        if due is not None:
            due = _paused_due(state, dossier_id, due, ts, lookups)
        state.kind(PAUSED).pop(dossier_id, None)
        if lifecycle == "resolved":
            _count(counts, spec.DOSSIERS_RESOLVED.name, _SEP.join((agency, level, channel)))
            sums = _day_sums(tally, kpi.local_date(ts, lookups.tz), agency, level)
            sums[DAY_RECORD.RESOLVED] += 1
            sums[_PERIOD_AT["resolved"]] += 1
            if electronic_result is not None:
                sums[_PERIOD_AT["resolved_result_document"]] += 1
                if electronic_result:
                    sums[_PERIOD_AT["electronic_result"]] += 1
            if due is not None:
                when = kpi.timeliness(ts, due, lookups.tz)
                _count(
                    counts,
                    spec.DOSSIERS_RESOLVED_TIMELINESS.name,
                    _SEP.join((agency, level, when)),
                )
                sums[_PERIOD_AT["resolved_with_due"]] += 1
                if when != "late":
                    sums[DAY_RECORD.ON_TIME] += 1
                    sums[_PERIOD_AT["resolved_on_time"]] += 1
                else:
                    _dissatisfied(state, dossier_id, ts, sums)
        if (
            in_progress.pop(dossier_id, None) is not None
            or state.kind(ABANDONED).pop(dossier_id, None) is not None
        ):
            closed[dossier_id] = ts
        else:
            state.kind(CLOSED_EARLY)[dossier_id] = ts  # its receipt has not come yet
    elif lifecycle == "additional_docs_requested":
        _pause(state, dossier_id, ts)
    elif lifecycle == "additional_docs_submitted":
        _resume(state, dossier_id, ts, lookups)
    elif lifecycle == "rated":
        _count(counts, spec.DOSSIERS_RATED.name, _SEP.join((agency, level, rating)))
        if rating in _UNSATISFIED:
            sums = _day_sums(tally, kpi.local_date(ts, lookups.tz), agency, level)
            sums[_PERIOD_AT["rated_unsatisfied"]] += 1
            _dissatisfied(state, dossier_id, ts, sums)


def _pause(state: PartitionState, dossier_id: str, ts: float) -> None:
    """The agency asked for more documents: the dossier's clock stops (a second request
    while paused keeps the first one's start)."""
    if dossier_id in state.kind(CLOSED):
        return
    pauses = state.kind(PAUSED)
    record = pauses.get(dossier_id)
    if record is None:
        pauses[dossier_id] = [ts, 0.0, ts]
    elif record[PAUSE_RECORD.PAUSED_TS] is None:
        record[PAUSE_RECORD.PAUSED_TS] = ts
        record[PAUSE_RECORD.LAST_TS] = max(record[PAUSE_RECORD.LAST_TS], ts)


def _resume(state: PartitionState, dossier_id: str, ts: float, lookups: Lookups) -> None:
    """The citizen's documents came: the due time moves by the office time waited."""
    record = state.kind(PAUSED).get(dossier_id)
    if record is None or record[PAUSE_RECORD.PAUSED_TS] is None:
        return  # never paused, or resumed twice
    waited = lookups.calendar.working_seconds_between_ts(record[PAUSE_RECORD.PAUSED_TS], ts)
    record[PAUSE_RECORD.PAUSED_TS] = None
    record[PAUSE_RECORD.WAITED_SECONDS] += waited
    record[PAUSE_RECORD.LAST_TS] = max(record[PAUSE_RECORD.LAST_TS], ts)
    dossier = state.kind(DOSSIERS).get(dossier_id)
    if dossier is not None and waited > 0 and dossier[DOSSIER_RECORD.DUE_TS] is not None:
        due = dossier[DOSSIER_RECORD.DUE_TS]
        moved = lookups.calendar.add_working_seconds_ts(due, waited)
        dossier[DOSSIER_RECORD.DUE_TS] = moved
        dossier[DOSSIER_RECORD.ABANDON_TS] += moved - due


def _paused_due(
    state: PartitionState, dossier_id: str, due: float, closed_ts: float | None, lookups: Lookups
) -> float:
    """``due`` moved by the office time the dossier's clock was paused, up to ``closed_ts``
    for a pause still running when it closes."""
    record = state.kind(PAUSED).get(dossier_id)
    if record is None:
        return due
    waited = record[PAUSE_RECORD.WAITED_SECONDS]
    since = record[PAUSE_RECORD.PAUSED_TS]
    if since is not None and closed_ts is not None:
        waited += lookups.calendar.working_seconds_between_ts(since, closed_ts)
    return lookups.calendar.add_working_seconds_ts(due, waited)


def is_paused(state: PartitionState, dossier_id: str) -> bool:
    """The dossier waits for the citizen's documents: not overdue meanwhile."""
    record = state.entities.get(PAUSED, {}).get(dossier_id)
    return record is not None and record[PAUSE_RECORD.PAUSED_TS] is not None


def _dissatisfied(state: PartitionState, dossier_id: str, ts: float, sums: list[int]) -> None:
    """Count a dossier against its agency's satisfaction once, whether it was resolved late,
    rated unsatisfied, drew a complaint, or several of these."""
    marked = state.kind(DISSATISFIED)
    if dossier_id not in marked:
        marked[dossier_id] = ts
        sums[_PERIOD_AT["resolved_dissatisfied"]] += 1


# The steps a dossier takes once; ratings and requests for more documents may repeat.
_ONCE = frozenset({"received", "resolved", "returned", "cancelled"})


def _repeated_step(state: PartitionState, lifecycle: str, dossier_id: str) -> bool:
    """Whether the dossier took this step already: a dossier is received once and closed
    (resolved, returned or cancelled) once, whatever the event ids say."""
    if dossier_id in state.kind(CLOSED):
        return True  # received and closed: every step is taken
    if lifecycle == "received":
        return dossier_id in state.kind(DOSSIERS) or dossier_id in state.kind(ABANDONED)
    return dossier_id in state.kind(CLOSED_EARLY)


def _feedback(state: PartitionState, row: list[Any], lookups: Lookups, tally: Tally) -> None:
    """A step of citizen feedback: received and resolved once each, like a dossier; judged
    against its due time; counted once against satisfaction if resolved late, rated
    unsatisfied or complained about again (the portal's rows 21 and 22)."""
    ts, lifecycle, agency, level, feedback_id, due, rating = _FEEDBACK_FIELDS(row)
    if ts > state.max_event_ts:
        state.max_event_ts = ts
    counts = tally.counts
    open_ = state.kind(FEEDBACK)
    closed = state.kind(FEEDBACK_CLOSED)
    where = _SEP.join((agency, level))
    if lifecycle == "received":
        if (
            feedback_id in open_
            or feedback_id in closed
            or feedback_id in state.kind(FEEDBACK_ABANDONED)
        ):
            _count(counts, spec.FEEDBACK_DUPLICATE_STEPS.name, lifecycle)
            return
        _count(counts, spec.FEEDBACK_RECEIVED.name, where)
        sums = _day_sums(tally, kpi.local_date(ts, lookups.tz), agency, level)
        sums[_PERIOD_AT["feedback_received"]] += 1
        closed_at = state.kind(FEEDBACK_CLOSED_EARLY).pop(feedback_id, None)
        if closed_at is not None:
            closed[feedback_id] = closed_at  # its resolution came first
        else:
            abandon = ts + lookups.dossier_open_seconds
            if due is not None:
                abandon = min(abandon, due + lookups.dossier_overdue_seconds)
            open_[feedback_id] = [agency, level, due, abandon]
    elif lifecycle == "resolved":
        if feedback_id in closed or feedback_id in state.kind(FEEDBACK_CLOSED_EARLY):
            _count(counts, spec.FEEDBACK_DUPLICATE_STEPS.name, lifecycle)
            return
        record = open_.pop(feedback_id, None)
        if due is None and record is not None:
            due = record[DOSSIER_RECORD.DUE_TS]
        if record is not None or state.kind(FEEDBACK_ABANDONED).pop(feedback_id, None) is not None:
            closed[feedback_id] = ts
        else:
            state.kind(FEEDBACK_CLOSED_EARLY)[feedback_id] = ts
        sums = _day_sums(tally, kpi.local_date(ts, lookups.tz), agency, level)
        sums[_PERIOD_AT["feedback_resolved"]] += 1
        when = "unknown" if due is None else kpi.timeliness(ts, due, lookups.tz)
        _count(counts, spec.FEEDBACK_RESOLVED_TIMELINESS.name, _SEP.join((agency, level, when)))
        if due is not None:
            sums[_PERIOD_AT["feedback_resolved_with_due"]] += 1
            if when != "late":
                sums[_PERIOD_AT["feedback_resolved_on_time"]] += 1
            else:
                _feedback_dissatisfied(state, feedback_id, ts, sums)
    else:
        if lifecycle == "rated":
            _count(counts, spec.FEEDBACK_RATED.name, _SEP.join((agency, level, rating)))
        else:
            _count(counts, spec.FEEDBACK_COMPLAINTS.name, where)
        if lifecycle == "complaint" or rating == "unsatisfied":
            sums = _day_sums(tally, kpi.local_date(ts, lookups.tz), agency, level)
            _feedback_dissatisfied(state, feedback_id, ts, sums)


def _feedback_dissatisfied(
    state: PartitionState, feedback_id: str, ts: float, sums: list[int]
) -> None:
    marked = state.kind(FEEDBACK_DISSATISFIED)
    if feedback_id not in marked:
        marked[feedback_id] = ts
        sums[_PERIOD_AT["feedback_dissatisfied"]] += 1


def _day_sums(tally: Tally, local_day: str, agency: str, level: str) -> list[int]:
    """The batch's sums for the event's own local day (late events too: day and period
    totals end up right)."""
    key = (local_day, agency, level)
    sums = tally.dossier_days.get(key)
    if sums is None:
        sums = tally.dossier_days[key] = [0] * (_DAY_SUMS + len(_MEASURE))
    return sums


def _add_dossier_days(
    state: PartitionState, sums_by_day: Mapping[tuple[str, str, str], list[int]]
) -> None:
    """Add a batch's dossier sums to the day buckets and to the month, quarter and year of
    each day. Only what a batch counted creates a bucket or a period record."""
    for (local_day, agency, level), sums in sums_by_day.items():
        if any(sums[:_DAY_SUMS]):
            days = state.kind(DAYS)
            key = f"{local_day}|{agency}|{level}"
            bucket = days.get(key) or [0] * _DAY_SUMS
            for i in range(_DAY_SUMS):
                bucket[i] += sums[i]
            days[key] = bucket  # marked changed
        measures = sums[_DAY_SUMS:]
        if any(measures):
            periods = state.kind(PERIODS)
            for period_id in kpi.period_ids(local_day):
                key = f"{period_id}|{agency}|{level}"
                record = periods.get(key) or [0] * len(_MEASURE)
                for i, n in enumerate(measures):
                    record[i] += n
                periods[key] = record  # marked changed


def _clock(state: PartitionState, ts: float) -> None:
    if ts > state.max_event_ts:
        state.max_event_ts = ts


_APPLY = {
    facts.SOC_ALERT: _soc_alert,
    facts.SOC_STATUS: _soc_status,
    facts.PROBE: _probe,
    facts.DOSSIER: _dossier,
    facts.FEEDBACK: _feedback,
}
_ENTITY_AT = row_at.ENTITY


def expire(state: PartitionState, lookups: Lookups) -> None:
    """Drop what is only kept against out-of-order events, once it is old in event time:
    closed dossiers, resolved alerts never acknowledged, status changes of alerts that never
    came. Once per ``EXPIRE_EVERY_SECONDS`` of event time: the gauges read entities by their
    time, so one kept a little longer changes no exported value."""
    if state.max_event_ts >= state.next_expire_ts:
        _expire_kept(state, lookups)
        state.next_expire_ts = state.max_event_ts + EXPIRE_EVERY_SECONDS
    if state.max_event_ts >= state.next_sweep_ts:
        close_abandoned(state, lookups)
        _forget_old_periods(state, lookups)
        state.next_sweep_ts = state.max_event_ts + SWEEP_EVERY_SECONDS


def _expire_kept(state: PartitionState, lookups: Lookups) -> None:
    horizon = state.max_event_ts - lookups.closed_retention_seconds
    for name in (
        CLOSED,
        CLOSED_EARLY,
        ABANDONED,
        SETTLED,
        DISSATISFIED,
        FEEDBACK_CLOSED,
        FEEDBACK_CLOSED_EARLY,
        FEEDBACK_ABANDONED,
        FEEDBACK_DISSATISFIED,
    ):
        kept = state.kind(name)
        if kept:
            for key in [k for k, ts in kept.items() if ts < horizon]:
                del kept[key]
    pauses = state.kind(PAUSED)
    if pauses:
        forgotten = state.max_event_ts - lookups.dossier_open_seconds
        last = PAUSE_RECORD.LAST_TS
        for key in [k for k, r in pauses.items() if r[last] < forgotten]:
            del pauses[key]
    agents = state.kind(AGENTS)
    if agents:
        recent = state.max_event_ts - 2 * 3600  # the gauge looks one hour back
        for agent_id in [k for k, r in agents.items() if r[AGENT_RECORD.LAST_TS] < recent]:
            del agents[agent_id]
    days = state.kind(DAYS)
    if days:
        oldest = kpi.local_date(state.max_event_ts - DAY_BUCKET_RETENTION, lookups.tz)
        for key in [k for k in days if k[:10] < oldest]:
            del days[key]
    alerts = state.kind(ALERTS)
    if alerts:
        stale = [
            k
            for k, r in alerts.items()
            if (r[ALERT_RECORD.SEVERITY] is None or r[ALERT_RECORD.RESOLVED_TS] is not None)
            and r[ALERT_RECORD.LAST_TS] < horizon
        ]
        for alert_id in stale:
            del alerts[alert_id]


def _forget_old_periods(state: PartitionState, lookups: Lookups) -> None:
    """Keep this and the previous month, quarter and year (the report compares them)."""
    records = state.kind(PERIODS)
    if not records:
        return
    month, quarter, year = kpi.period_ids(kpi.local_date(state.max_event_ts, lookups.tz))
    keep = {month, quarter, year, _previous(month), _previous(quarter), _previous(year)}
    for key in [k for k in records if k.split("|", 1)[0] not in keep]:
        del records[key]


def _previous(period_id: str) -> str:
    """The period before ``2026-11`` (month), ``2026-Q4`` (quarter) or ``2026`` (year)."""
    year = int(period_id[:4])
    if len(period_id) == 4:
        return str(year - 1)
    if "Q" in period_id:
        q = int(period_id[6])
        return f"{year}-Q{q - 1}" if q > 1 else f"{year - 1}-Q4"
    m = int(period_id[5:7])
    return f"{year}-{m - 1:02d}" if m > 1 else f"{year - 1}-12"


def close_abandoned(state: PartitionState, lookups: Lookups) -> None:
    """Close out, and count, dossiers in progress past their abandon time and alerts open
    longer than the retention policy: they leave the in-progress and open-alert gauges."""
    now = state.max_event_ts
    dossiers = state.kind(DOSSIERS)
    if dossiers:
        at = DOSSIER_RECORD.ABANDON_TS
        gone = [k for k, r in dossiers.items() if r[at] is not None and r[at] < now]
        abandoned = state.kind(ABANDONED)
        for dossier_id in gone:
            record = dossiers.pop(dossier_id)
            state.kind(PAUSED).pop(dossier_id, None)
            agency, level = record[DOSSIER_RECORD.AGENCY], record[DOSSIER_RECORD.LEVEL]
            state.inc(spec.DOSSIERS_ABANDONED, spec.label_key(agency, level))
            abandoned[dossier_id] = now
    feedback = state.kind(FEEDBACK)
    if feedback:
        at = DOSSIER_RECORD.ABANDON_TS
        abandoned = state.kind(FEEDBACK_ABANDONED)
        for feedback_id in [k for k, r in feedback.items() if r[at] < now]:
            record = feedback.pop(feedback_id)
            where = spec.label_key(record[DOSSIER_RECORD.AGENCY], record[DOSSIER_RECORD.LEVEL])
            state.inc(spec.FEEDBACK_ABANDONED, where)
            abandoned[feedback_id] = now
    alerts = state.kind(ALERTS)
    if alerts:
        horizon = now - lookups.alert_open_seconds
        old = [
            k
            for k, r in alerts.items()
            if r[ALERT_RECORD.SEVERITY] is not None
            and r[ALERT_RECORD.RESOLVED_TS] is None
            and r[ALERT_RECORD.CREATED_TS] < horizon
        ]
        for alert_id in old:
            state.inc(spec.SOC_ALERTS_ABANDONED, alerts.pop(alert_id)[ALERT_RECORD.SEVERITY])


def merge_states(states: Iterable[PartitionState]) -> tuple[Counters, Histograms]:
    """Sum the aggregates of many partitions (the series a worker exports)."""
    counters: Counters = {}
    histograms: Histograms = {}
    for state in states:
        for name, series in state.counters.items():
            out = counters.setdefault(name, {})
            for key, value in series.items():
                out[key] = out.get(key, 0) + value
        for name, hseries in state.histograms.items():
            hout = histograms.setdefault(name, {})
            for key, row in hseries.items():
                acc = hout.get(key)
                if acc is None:
                    hout[key] = list(row)
                else:
                    for i, v in enumerate(row):
                        acc[i] += v
    return counters, histograms
