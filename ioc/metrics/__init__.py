"""Metric definitions: names, labels and buckets (the collector over worker state is
``streams.collector``, in the shell)."""

from ioc.metrics.spec import COUNTERS, GAUGES, HISTOGRAMS, CounterSpec, GaugeSpec, HistogramSpec

__all__ = ["COUNTERS", "GAUGES", "HISTOGRAMS", "CounterSpec", "GaugeSpec", "HistogramSpec"]
