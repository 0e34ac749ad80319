"""prometheus_client collectors over the worker's state: the aggregation state (``StateCollector``),
exported on each scrape, and how far each partition is applied (``AppliedOffsets``).

Counters come from the durable state, not from process-local counters, so a restarted or
rebalanced worker exports the same totals it recovered from the changelog.

Counters and histograms carry the source ``partition`` they were counted in. When a partition
moves from one worker to another, its series ends on the old worker and starts on the new one
with the whole history: Prometheus' ``rate()`` and ``increase()`` see a series that ended and
a new one, never a reset or a jump, so ``sum without (instance, partition) (rate(...))``
neither spikes nor double counts (docs/metrics.md). Gauges of the entities are summed per
worker: they hold no history. Nothing is exported while the worker's tables are being
recovered (``ready``): a half-recovered partition would read as a counter reset.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator

from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector

from ioc.aggregate import PartitionState, merge_states
from ioc.aggregate.gauges import gauges
from ioc.aggregate.state import TRACKED_SEVERITIES, Counters, Lookups
from ioc.ingest.batch import APPLY_FAILED
from ioc.ingest.validate import DEAD_LETTER_REASONS
from ioc.metrics.spec import (
    COUNTERS,
    DOSSIER_STEPS,
    DOSSIERS_ABANDONED,
    DOSSIERS_DUPLICATE_STEPS,
    EVENTS_DEAD_LETTERED,
    EVENTS_REROUTED,
    FEEDBACK_DUPLICATE_STEPS,
    FEEDBACK_STEPS,
    GAUGES,
    HISTOGRAMS,
    PARTITION_LABEL,
    SOC_ALERT_STATUS_DUPLICATES,
    SOC_ALERTS_ABANDONED,
    SOC_STATUSES,
    label_key,
    label_values,
)
from ioc.rows.records import HistogramRecord

# (source, source partition, one state shard of it)
Shards = Iterable[tuple[str, str, PartitionState]]


class StateCollector(Collector):
    def __init__(
        self,
        shards: Callable[[], Shards],
        lookups: Lookups,
        clock: Callable[[], float] = time.time,
        ready: Callable[[], bool] = lambda: True,
    ) -> None:
        self._shards = shards
        self._lookups = lookups
        self._clock = clock
        self._ready = ready

    def collect(self) -> Iterator[Metric]:
        if not self._ready():
            return
        by_partition: dict[tuple[str, str], list[PartitionState]] = {}
        for source, partition, state in self._shards():
            by_partition.setdefault((source, partition), []).append(state)
        current = gauges(
            (s for states in by_partition.values() for s in states), self._clock(), self._lookups
        )
        for gspec in GAUGES:
            gfamily = GaugeMetricFamily(gspec.name, gspec.help, labels=list(gspec.labels))
            for key, value in sorted(current[gspec.name].items()):
                gfamily.add_metric(label_values(key), value)
            yield gfamily
        families = {
            c.name: CounterMetricFamily(c.name, c.help, labels=[*c.labels, PARTITION_LABEL])
            for c in COUNTERS
        }
        hfamilies = {
            h.name: HistogramMetricFamily(h.name, h.help, labels=[*h.labels, PARTITION_LABEL])
            for h in HISTOGRAMS
        }
        for (source, partition), states in sorted(by_partition.items()):
            counters, histograms = merge_states(states)
            self._known_at_zero(counters, source)
            for cspec in COUNTERS:
                for key, value in sorted(counters.get(cspec.name, {}).items()):
                    families[cspec.name].add_metric([*label_values(key), partition], value)
            for hspec in HISTOGRAMS:
                for key, row in sorted(histograms.get(hspec.name, {}).items()):
                    cumulative = 0.0
                    buckets = []
                    for bound, count in zip(hspec.buckets, row, strict=False):
                        cumulative += count
                        buckets.append((_fmt(bound), cumulative))
                    cumulative += row[HistogramRecord.over(len(hspec.buckets))]
                    buckets.append(("+Inf", cumulative))
                    hfamilies[hspec.name].add_metric(
                        [*label_values(key), partition], buckets, sum_value=row[HistogramRecord.SUM]
                    )
        yield from families.values()
        yield from hfamilies.values()

    def _known_at_zero(self, counters: Counters, source: str) -> None:
        """Series of known label values exist at 0 from the first scrape (the pipeline
        dashboard and ``rate()`` see a series before the first bad message)."""
        dead = counters.setdefault(EVENTS_DEAD_LETTERED.name, {})
        for reason in (*DEAD_LETTER_REASONS, APPLY_FAILED):
            dead.setdefault(label_key(source, reason), 0.0)
        counters.setdefault(EVENTS_REROUTED.name, {}).setdefault(source, 0.0)
        if source == "dossier":
            repeated = counters.setdefault(DOSSIERS_DUPLICATE_STEPS.name, {})
            for step in DOSSIER_STEPS:
                repeated.setdefault(step, 0.0)
            abandoned = counters.setdefault(DOSSIERS_ABANDONED.name, {})
            for agency, level in self._lookups.agency_level.items():
                abandoned.setdefault(label_key(agency, level), 0.0)
        if source == "feedback":
            repeated = counters.setdefault(FEEDBACK_DUPLICATE_STEPS.name, {})
            for step in FEEDBACK_STEPS:
                repeated.setdefault(step, 0.0)
        if source == "soc":
            repeated = counters.setdefault(SOC_ALERT_STATUS_DUPLICATES.name, {})
            for status in SOC_STATUSES:
                repeated.setdefault(status, 0.0)
            abandoned_alerts = counters.setdefault(SOC_ALERTS_ABANDONED.name, {})
            for severity in sorted(TRACKED_SEVERITIES):
                abandoned_alerts.setdefault(severity, 0.0)


def _fmt(bound: float) -> str:
    return repr(float(bound))


class AppliedOffsets(Collector):
    """``ioc_aggregate_applied_offset``: how far each owned source partition is applied to
    the state. Against ``ioc_source_end_offset`` it shows a partition that stopped."""

    def __init__(self, rows: Callable[[], Iterable[tuple[str, str, float]]]) -> None:
        self._rows = rows

    def collect(self) -> Iterator[Metric]:
        family = GaugeMetricFamily(
            "ioc_aggregate_applied_offset",
            "Source offset up to which an owned partition is applied to the aggregates.",
            labels=["source", "partition"],
        )
        for source, partition, offset in self._rows():
            family.add_metric([source, partition], offset)
        yield family
