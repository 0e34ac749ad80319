"""Three workers, a real Prometheus and a real Alertmanager: the numbers and the pages stay
right through a crash, a new worker and a rolling restart (issue 16).

While the simulator sends a paced stream (an outage of the portal, duplicates, late events):
SIGKILL of one worker, a fourth started, and a SIGTERM restart of another. Then, read through
Prometheus as the wall reads it (summed over workers and partitions), every counter equals
the ground truth; no state counter series was ever seen to go down (a reset is what made
``rate()`` panels spike when a partition moved); the outage paged once and resolved, and no
page is left in Alertmanager.
"""

from __future__ import annotations

import asyncio
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import orjson
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
from streams.repair import read_messages
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


def _page_changes(settings: Settings) -> list[tuple[str, str]]:
    """(alertname, status) of every change of a page the detectors published on
    ``ioc.alerts``, in order: what was paged and resolved, whichever worker did it."""
    kwargs = {"bootstrap_servers": settings.bootstrap_servers()}
    messages = asyncio.run(read_messages(kwargs, settings.topics.alerts, 0, None, None))
    changes = [orjson.loads(m.value) for m in messages if m.value]
    pages = [c for c in changes if c["labels"]["severity"] == "page"]
    return [(c["labels"]["alertname"], c["status"]) for c in pages]


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
    result: dict[str, GroundTruth] = {}

    def send() -> None:
        result["truth"] = simulate(
            s, catalog, EVENTS, rate=RATE, pace=PACE, scenarios=OUTAGE, disturbance=STREAM
        )

    sender = threading.Thread(target=send)
    began = time.time()
    # Prometheus (Go) reads the real clock even under faketime: its ranges are in its time.
    began_prom = prom.now()
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
    series = prom.query_range("sum(rate(ioc_events_processed_total[1m]))", began_prom + 60,
                              prom.now(), 1)  # fmt: skip
    worst = max(float(v) for _, v in series[0]["values"])
    print(f"events/s panel: worst 1-minute rate {worst:.1f}/s, sent {sent_rate:.1f}/s")

    # The stream has ended: ProbeSilence tickets are right to come (a prober that stops is
    # what they are for), so pages only from here.
    def pages_active() -> list[dict[str, Any]]:
        return [a for a in alertmanager.alerts() if a["labels"]["severity"] == "page"]

    deadline = time.monotonic() + 120
    while pages_active() and time.monotonic() < deadline:
        time.sleep(1)
    assert pages_active() == []
    # Paged once and resolved once, through the handovers: a successor restored the page
    # instead of paging it again. (Read from ioc.alerts, not from Alertmanager's API: under
    # faketime Alertmanager, a Go binary, keeps the real clock and refuses the re-sends.)
    assert _page_changes(s) == [("ServiceDown", "firing"), ("ServiceDown", "resolved")]
    # Summed over the workers, the detector's firing set: the one page while it lasted (never
    # twice, from an old and a new owner), nothing now.
    window = f"{int(time.time() - began)}s"
    down = 'ioc_alerts_firing{alertname="ServiceDown"}'
    most = prom.query(f"max_over_time(sum({down})[{window}:1s])")
    assert [float(r["value"][1]) for r in most] == [1.0]
    assert sum(float(r["value"][1]) for r in prom.query(f"sum({down})")) == 0
