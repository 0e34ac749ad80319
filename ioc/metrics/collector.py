"""A prometheus_client collector that exports the merged aggregation state on each scrape.

Counters come from the durable state, not from process-local counters, so a restarted or
rebalanced worker exports the same totals it recovered from the changelog.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from typing import get_args

from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector

from ioc.aggregate import PartitionState, merge_states
from ioc.aggregate.gauges import gauges
from ioc.aggregate.state import TRACKED_SEVERITIES, Lookups
from ioc.contracts.events import Source
from ioc.ingest.batch import APPLY_FAILED
from ioc.ingest.validate import DEAD_LETTER_REASONS
from ioc.metrics.spec import (
    COUNTERS,
    DOSSIERS_ABANDONED,
    EVENTS_DEAD_LETTERED,
    EVENTS_REROUTED,
    GAUGES,
    HISTOGRAMS,
    SOC_ALERTS_ABANDONED,
    label_key,
    label_values,
)


class StateCollector(Collector):
    def __init__(
        self,
        states: Callable[[], Iterable[PartitionState]],
        lookups: Lookups,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._states = states
        self._lookups = lookups
        self._clock = clock

    def collect(self) -> Iterator[Metric]:
        states = list(self._states())
        counters, histograms = merge_states(states)
        # Every (source, reason) of dead letters exists at 0 from the first scrape: the
        # pipeline dashboard's panel and rate() see a series before the first bad message.
        dead = counters.setdefault(EVENTS_DEAD_LETTERED.name, {})
        for source in get_args(Source):
            for reason in (*DEAD_LETTER_REASONS, APPLY_FAILED):
                dead.setdefault(label_key(source, reason), 0.0)
        rerouted = counters.setdefault(EVENTS_REROUTED.name, {})
        for source in get_args(Source):
            rerouted.setdefault(source, 0.0)
        abandoned = counters.setdefault(DOSSIERS_ABANDONED.name, {})
        for agency, level in self._lookups.agency_level.items():
            abandoned.setdefault(label_key(agency, level), 0.0)
        abandoned_alerts = counters.setdefault(SOC_ALERTS_ABANDONED.name, {})
        for severity in sorted(TRACKED_SEVERITIES):
            abandoned_alerts.setdefault(severity, 0.0)
        current = gauges(states, self._clock(), self._lookups)
        for gspec in GAUGES:
            gfamily = GaugeMetricFamily(gspec.name, gspec.help, labels=list(gspec.labels))
            for key, value in sorted(current[gspec.name].items()):
                gfamily.add_metric(label_values(key), value)
            yield gfamily
        for cspec in COUNTERS:
            family = CounterMetricFamily(cspec.name, cspec.help, labels=list(cspec.labels))
            for key, value in sorted(counters.get(cspec.name, {}).items()):
                family.add_metric(label_values(key), value)
            yield family
        for hspec in HISTOGRAMS:
            hfamily = HistogramMetricFamily(hspec.name, hspec.help, labels=list(hspec.labels))
            for key, row in sorted(histograms.get(hspec.name, {}).items()):
                cumulative = 0.0
                buckets = []
                for bound, count in zip(hspec.buckets, row, strict=False):
                    cumulative += count
                    buckets.append((_fmt(bound), cumulative))
                cumulative += row[len(hspec.buckets)]
                buckets.append(("+Inf", cumulative))
                hfamily.add_metric(label_values(key), buckets, sum_value=row[-1])
            yield hfamily


def _fmt(bound: float) -> str:
    return repr(float(bound))
