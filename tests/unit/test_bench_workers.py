"""ioc bench --workers adds the workers up as Prometheus' sum over instances does."""

from __future__ import annotations

from typing import Any

from benchmarks.workers import applied_by_all, summed_samples


class FakeWorker:
    def __init__(self, samples: dict[Any, float], applied: int | None) -> None:
        self._samples, self._applied = samples, applied

    def samples(self) -> dict[Any, float]:
        return self._samples

    def applied(self) -> int:
        if self._applied is None:
            raise OSError("not answering yet")
        return self._applied


KEY = ("ioc_events_processed_total", (("source", "soc"),))


def test_each_workers_series_are_added_up() -> None:
    workers = [FakeWorker({KEY: 3.0}, 3), FakeWorker({KEY: 4.0}, 4)]
    assert summed_samples(workers) == {KEY: 7.0}  # type: ignore[arg-type]


def test_a_worker_not_answering_yet_makes_the_sum_unknown_not_short() -> None:
    workers = [FakeWorker({}, 5), FakeWorker({}, None)]
    assert applied_by_all(workers) is None  # type: ignore[arg-type]
