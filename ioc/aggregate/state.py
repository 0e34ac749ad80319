"""Per source-partition aggregates with an offset watermark.

The watermark and the aggregates are one value, written to the table (and its changelog) in
one record. A batch replayed after a crash or rebalance carries offsets below the watermark
and changes nothing: that is what makes the aggregates effectively-once over at-least-once
delivery.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from ioc.ingest.batch import Batch
from ioc.metrics import spec

Counters = dict[str, dict[str, float]]
# Histogram series: [count per bucket (non-cumulative) ..., count above the last bucket, sum]
Histograms = dict[str, dict[str, list[float]]]


@dataclass
class PartitionState:
    next_offset: int = 0
    counters: Counters = field(default_factory=dict)
    histograms: Histograms = field(default_factory=dict)

    def to_bytes(self) -> bytes:
        return orjson.dumps({"o": self.next_offset, "c": self.counters, "h": self.histograms})

    @classmethod
    def from_bytes(cls, data: bytes | None) -> PartitionState:
        if not data:
            return cls()
        raw = orjson.loads(data)
        return cls(next_offset=raw["o"], counters=raw["c"], histograms=raw["h"])

    def inc(self, metric: spec.CounterSpec, key: str, amount: float = 1) -> None:
        series = self.counters.setdefault(metric.name, {})
        series[key] = series.get(key, 0) + amount

    def observe(self, metric: spec.HistogramSpec, key: str, value: float) -> None:
        series = self.histograms.setdefault(metric.name, {})
        row = series.get(key)
        if row is None:
            row = series[key] = [0.0] * (len(metric.buckets) + 2)
        # Prometheus buckets are "less than or equal": bisect_left finds the first bound >= v.
        row[bisect_left(metric.buckets, value)] += 1
        row[-1] += value


@dataclass(frozen=True)
class Lookups:
    """Catalog facts the aggregation needs, as plain dicts."""

    service_tier: Mapping[str, str]


def apply_batch(state: PartitionState, batch: Batch, lookups: Lookups) -> int:
    """Apply the part of ``batch`` at or above the watermark; return how many offsets were new."""
    if batch.end <= state.next_offset:
        return 0
    low = state.next_offset
    applied = 0
    for row in batch.events:
        if row[0] >= low:
            _apply_fact(state, row, lookups)
            applied += 1
    if applied:
        state.inc(spec.EVENTS_PROCESSED, batch.source, applied)
    dead = 0
    for offset, reason in batch.dead_letters:
        if offset >= low:
            state.inc(spec.EVENTS_DEAD_LETTERED, spec.label_key(batch.source, reason))
            dead += 1
    state.next_offset = batch.end
    return applied + dead


def _apply_fact(state: PartitionState, row: list[Any], lookups: Lookups) -> None:
    """``row`` is ``[offset, *fact]``; layouts in ``ioc.ingest.facts``."""
    kind = row[1]
    if kind == "a":
        _, _, severity, asset_type, agency = row
        state.inc(spec.SOC_ALERTS, spec.label_key(severity, asset_type, agency))
    elif kind == "s":
        state.inc(spec.SOC_ALERT_STATUS, row[2])
    elif kind == "p":
        _, _, service, success, duration = row
        tier = lookups.service_tier[service]
        result = "success" if success else "failure"
        state.inc(spec.UPTIME_PROBES, spec.label_key(service, tier, result))
        state.observe(spec.PROBE_DURATION, spec.label_key(service, tier), duration)
    elif kind == "d":
        _, _, lifecycle, agency, level, channel = row
        key = spec.label_key(agency, level, channel)
        if lifecycle == "received":
            state.inc(spec.DOSSIERS_RECEIVED, key)
        elif lifecycle == "resolved":
            state.inc(spec.DOSSIERS_RESOLVED, key)


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
