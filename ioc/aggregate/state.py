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

from ioc.contracts import severity_of_level
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
    source = batch.source
    applied = 0
    for offset, event in batch.events:
        if offset >= low:
            _apply_event(state, source, event, lookups)
            applied += 1
    if applied:
        state.inc(spec.EVENTS_PROCESSED, source, applied)
    dead = 0
    for offset, reason in batch.dead_letters:
        if offset >= low:
            state.inc(spec.EVENTS_DEAD_LETTERED, spec.label_key(source, reason))
            dead += 1
    state.next_offset = batch.end
    return applied + dead


def _apply_event(
    state: PartitionState, source: str, event: dict[str, Any], lookups: Lookups
) -> None:
    kind = event["event_type"]
    if kind == "soc_alert":
        severity = severity_of_level(event["rule"]["level"])
        state.inc(spec.SOC_ALERTS, spec.label_key(severity, event["asset_type"], event["agency"]))
    elif kind == "soc_alert_status":
        state.inc(spec.SOC_ALERT_STATUS, event["status"])
    elif kind == "uptime_probe":
        service = event["service"]
        tier = lookups.service_tier[service]
        result = "success" if event["success"] else "failure"
        state.inc(spec.UPTIME_PROBES, spec.label_key(service, tier, result))
        state.observe(spec.PROBE_DURATION, spec.label_key(service, tier), event["duration_seconds"])
    elif kind == "dossier":
        lifecycle = event["lifecycle"]
        key = spec.label_key(event["agency"], event["level"], event["channel"])
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
