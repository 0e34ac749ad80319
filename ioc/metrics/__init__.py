"""Metric definitions (names, labels, buckets) and the Prometheus collector over worker state."""

from ioc.metrics.spec import COUNTERS, HISTOGRAMS, CounterSpec, HistogramSpec

__all__ = ["COUNTERS", "HISTOGRAMS", "CounterSpec", "HistogramSpec"]
