"""The real-time benchmark's lag: from an event's hand-over to the first reading of the
worker's progress that has its offset applied."""

from __future__ import annotations

from benchmarks.realtime import _lags, _quantile


def test_an_events_lag_ends_at_the_first_reading_past_its_offset() -> None:
    delivered = [("t.soc", 0, 0, 10.0), ("t.soc", 0, 1, 10.0), ("t.soc", 0, 2, 10.05)]
    readings = [(10.1, {("soc", 0): 1.0}), (10.2, {("soc", 0): 1.0}), (10.3, {("soc", 0): 3.0})]
    lags = _lags(delivered, readings, {"t.soc": "soc"})
    assert [round(x, 3) for x in lags] == [0.1, 0.3, 0.25]


def test_an_event_never_applied_has_an_infinite_lag() -> None:
    lags = _lags([("t.soc", 1, 5, 0.0)], [(1.0, {("soc", 1): 5.0})], {"t.soc": "soc"})
    assert lags == [float("inf")]


def test_quantiles_are_read_from_the_sorted_values() -> None:
    values = [float(v) for v in range(100, 0, -1)]
    assert (_quantile(values, 0.5), _quantile(values, 0.99)) == (51.0, 100.0)
