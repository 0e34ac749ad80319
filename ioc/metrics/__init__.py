"""Metric definitions (names, labels, buckets) and the Prometheus collector over worker state."""

from ioc.metrics.spec import COUNTERS, GAUGES, HISTOGRAMS, CounterSpec, GaugeSpec, HistogramSpec

__all__ = ["COUNTERS", "GAUGES", "HISTOGRAMS", "CounterSpec", "GaugeSpec", "HistogramSpec"]
