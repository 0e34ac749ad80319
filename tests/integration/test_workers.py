"""Three workers, a real Prometheus and a real Alertmanager: the numbers and the pages stay
right through a crash, a new worker and a rolling restart (issue 16).

While the simulator sends a paced stream (an outage of the portal, duplicates, late events):
SIGKILL of one worker, a fourth started, and a SIGTERM restart of another. Then, read through
Prometheus as the wall reads it (summed over workers and partitions), every counter equals
the ground truth; no state counter series was ever seen to go down (a reset is what made
``rate()`` panels spike when a partition moved); the outage paged once and resolved.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from ioc.alerting.promrules import RULES_DIR
from ioc.catalog import Catalog
from ioc.config import Settings
from ioc.metrics import spec
from ioc.runtime import PrometheusServer, WorkerProcess, free_port
from ioc.runtime.alertmanager import AlertmanagerServer
from ioc.runtime.prometheus import local_config
from ioc.simulate import GroundTruth, ScenarioFile
from ioc.simulate.disturb import Disturbance
from tests.integration.conftest import simulate
from tests.integration.test_alerting import alertmanager

__all__ = ["alertmanager"]  # the fixture, shared with test_alerting

pytestmark = pytest.mark.integration

EVENTS, RATE, PACE = 12_000, 50.0, 2.4  # 240 simulated seconds sent in 100 s
OUTAGE = ScenarioFile.model_validate({"background_incidents": False, "scenarios": [
    {"kind": "service_outage", "service": "cong-dvc", "start": "30s", "duration": "2m"},
]})  # fmt: skip
STREAM = Disturbance(duplicate_ratio=0.05, late_ratio=0.01, late_by_seconds=30, seed=9)


def _expected(truth: GroundTruth) -> dict[str, dict[tuple[tuple[str, str], ...], float]]:
    """Every counter and histogram count of the ground truth, by metric, then labels."""
    out: dict[str, dict[tuple[tuple[str, str], ...], float]] = {}
    for (name, labels), value in truth.samples.items():
        if name.endswith(("_total", "_count")) and value:
            out.setdefault(name, {})[labels] = value
    return out


def _exported(prom: PrometheusServer, name: str, labels: list[str]) -> dict[Any, float]:
    by = ", ".join(labels)
    rows = prom.query(f"sum by ({by}) ({name})" if labels else f"sum({name})")
    out = {}
    for row in rows:
        key = tuple(sorted((k, v) for k, v in row["metric"].items()))
        if float(row["value"][1]):
            out[key] = float(row["value"][1])
    return out


def _labels_of(name: str) -> list[str]:
    for c in spec.COUNTERS:
        if name == f"{c.name}_total":
            return list(c.labels)
    for h in spec.HISTOGRAMS:
        if name == f"{h.name}_count":
            return list(h.labels)
    raise KeyError(name)


def _differences(prom: PrometheusServer, truth: GroundTruth) -> list[str]:
    diffs = []
    for name, expected in _expected(truth).items():
        got = _exported(prom, name, _labels_of(name))
        for labels in expected.keys() | got.keys():
            if got.get(labels) != expected.get(labels):
                diffs.append(f"{name}{dict(labels)}: {got.get(labels)} != {expected.get(labels)}")
    return diffs


class _Pages:
    """Every (alert, startsAt) Alertmanager showed active, polled every second."""

    def __init__(self, am: AlertmanagerServer) -> None:
        self.am, self.seen = am, set[tuple[str, str]]()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()

    def _poll(self) -> None:
        while not self._stop.wait(1.0):
            try:
                for a in self.am.alerts():
                    self.seen.add((a["labels"]["alertname"], a["startsAt"]))
            except OSError:
                return  # Alertmanager stopped (the test failed before stopping this)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


@pytest.fixture
def workers(
    settings: Settings, alertmanager: AlertmanagerServer, tmp_path: Path
) -> Iterator[tuple[Settings, list[int], ExitStack]]:
    s = settings.model_copy(update={"alertmanager_url": alertmanager.url})
    with ExitStack() as stack:
        yield s, [free_port() for _ in range(4)], stack


def test_three_workers_through_a_crash_a_new_worker_and_a_rolling_restart(
    catalog: Catalog,
    alertmanager: AlertmanagerServer,
    workers: tuple[Settings, list[int], ExitStack],
    tmp_path: Path,
) -> None:
    s, ports, stack = workers

    def start(port: int, name: str) -> WorkerProcess:
        return stack.enter_context(WorkerProcess(s, port, tmp_path / f"worker-{name}.log"))

    config = local_config([f"127.0.0.1:{p}" for p in ports], scrape_interval="1s",
                          rules_dir=RULES_DIR)  # fmt: skip
    prom = stack.enter_context(PrometheusServer(tmp_path / "prometheus", config))
    a, b, c = start(ports[0], "a"), start(ports[1], "b"), start(ports[2], "c")
    for w in (a, b, c):
        w.wait_ready()
    pages = _Pages(alertmanager)
    result: dict[str, GroundTruth] = {}

    def send() -> None:
        result["truth"] = simulate(
            s, catalog, EVENTS, rate=RATE, pace=PACE, scenarios=OUTAGE, disturbance=STREAM
        )

    sender = threading.Thread(target=send)
    began = time.time()
    sender.start()
    time.sleep(25)
    a.signal(signal.SIGKILL)  # a crash
    time.sleep(10)
    start(ports[3], "d").wait_ready(timeout=120)  # a new worker joins
    time.sleep(10)
    b.stop()  # a rolling upgrade: SIGTERM, then the same worker again
    start(ports[1], "b2").wait_ready(timeout=120)
    sender.join()
    sent_rate = EVENTS / (time.time() - began)
    truth = result["truth"]

    deadline = time.monotonic() + 120
    diffs = _differences(prom, truth)
    while diffs and time.monotonic() < deadline:
        time.sleep(2)
        diffs = _differences(prom, truth)
    assert diffs == []

    # No state counter of any worker and partition ever went down.
    window = f"{int(time.time() - began) + 60}s"
    resets = {
        c.name: prom.query(f'sum(resets({c.name}_total{{partition!=""}}[{window}]))')
        for c in spec.COUNTERS
    }
    assert resets[spec.EVENTS_PROCESSED.name], "no partitioned series to check"
    assert {name: float(r[0]["value"][1]) for name, r in resets.items() if r} == {
        name: 0.0 for name, r in resets.items() if r
    }

    # The wall's events/s: the worst 1-minute rate against the rate sent (reported).
    series = prom.query_range("sum(rate(ioc_events_processed_total[1m]))", began + 60,
                              time.time(), 1)  # fmt: skip
    worst = max(float(v) for _, v in series[0]["values"])
    print(f"events/s panel: worst 1-minute rate {worst:.1f}/s, sent {sent_rate:.1f}/s")

    deadline = time.monotonic() + 120
    while alertmanager.alerts() and time.monotonic() < deadline:
        time.sleep(1)
    pages.stop()
    assert alertmanager.alerts() == []
    assert {name for name, _ in pages.seen} == {"ServiceDown"}
    assert len(pages.seen) == 1  # paged once: one start, kept through the handovers
    # Summed over the workers, the detector's firing set: the one page while it lasted (never
    # twice, from an old and a new owner), nothing now.
    window = f"{int(time.time() - began)}s"
    most = prom.query(f"max_over_time(sum(ioc_alerts_firing)[{window}:1s])")
    assert [float(r["value"][1]) for r in most] == [1.0]
    assert sum(float(r["value"][1]) for r in prom.query("sum(ioc_alerts_firing)")) == 0
