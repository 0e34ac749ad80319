"""Latency from a critical event to Alertmanager holding its page, on the embedded stack.

1. Start the embedded broker, a real Alertmanager and one worker pointed at it.
2. Feed a quiet background stream in real time (the province's normal traffic, no incidents),
   so that the worker's batches, signals and ticks run as they do in production; from its
   own process, so that it does not delay the timing loop.
3. One at a time, for a new agency each time (a new fingerprint), produce a level-15 SOC alert
   ("SOC critical pages at once") and poll Alertmanager's API every 10 ms until it holds the
   alert. The latency runs from just before the produce call to the poll that finds it: it
   covers ingest, the aggregator, the signal topic, the detector, delivery and Alertmanager's
   API, plus at most one poll interval.
4. Split each sample by hop, from the Kafka timestamps of the messages that carried it (set
   by each producer when it sent): source → the ingest's batch (poll wait, validation),
   batch → the aggregator's signal (the batch topic's fetch, apply), signal → Alertmanager
   (the signals topic's fetch, the detector, delivery, one poll).

The machine is shared and noisy: report percentiles of many samples, never assert on them.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import queue
import statistics
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import aiohttp
import orjson
from aiokafka import AIOKafkaProducer

from benchmarks.clock import bench_settings
from ioc.alerting.detect import quantile
from ioc.catalog import Catalog, load_catalog
from ioc.config import Settings
from ioc.contracts.events import SocAlert
from ioc.ingest import unpack_batch
from ioc.rows.batch_rows import OFFSET
from ioc.rows.signal_rows import ALERT_SIGNAL
from ioc.runtime import EmbeddedBroker, WorkerProcess, free_port
from ioc.runtime.alertmanager import AlertmanagerServer, local_config
from ioc.simulate import GroundTruth, Simulator
from ioc.simulate.generator import Emitted
from ioc.simulate.profile import ScenarioFile
from ioc.simulate.publish import publish
from streams.repair import read_messages

POLL_SECONDS = 0.01
QUIET = ScenarioFile.model_validate({"background_incidents": False})
CRITICAL_LEVEL = 15  # each sample's rule level
HOPS = ("source → batch", "batch → signal", "signal → Alertmanager")


@dataclass(frozen=True, slots=True)
class Sample:
    agency: str
    partition: int
    offset: int
    sent: float  # wall time just before the produce call
    held: float  # wall time of the poll that found the page


def hops(samples: list[Sample], batches: list[tuple[float, bytes]],
         signals: list[tuple[float, bytes]]) -> dict[str, list[float]]:  # fmt: skip
    """Seconds each sample spent in each hop, from (Kafka timestamp in s, value) of the soc
    batch topic and the signals topic; a sample whose messages were not found is left out.
    Its signal is the first one after its batch with a level-15 alert of its agency (one
    sample per agency; the background may have sent that agency's alerts before)."""
    batch_at: dict[tuple[int, int], float] = {}
    for ts, value in batches:
        batch = unpack_batch(value)
        for row in batch.events:
            batch_at.setdefault((batch.partition, row[OFFSET]), ts)
    signals_of: dict[str, list[float]] = {}
    for ts, value in signals:
        signal = orjson.loads(value)
        if signal.get("k") == "a":
            for row in signal["r"]:
                if row[ALERT_SIGNAL.LEVEL] >= CRITICAL_LEVEL:
                    signals_of.setdefault(row[ALERT_SIGNAL.AGENCY], []).append(ts)
    out: dict[str, list[float]] = {hop: [] for hop in HOPS}
    for s in samples:
        batched = batch_at.get((s.partition, s.offset))
        if batched is None:
            continue
        signalled = next((t for t in signals_of.get(s.agency, ()) if t >= batched), None)
        if signalled is None:
            continue
        for hop, seconds in zip(
            HOPS, (batched - s.sent, signalled - batched, s.held - signalled), strict=True
        ):
            out[hop].append(seconds)
    return out


def _template(catalog: Catalog, start: datetime) -> Emitted:
    sim = Simulator(catalog, seed=3, start=start, rate=50.0, scenarios=QUIET)
    return next(e for e in sim.events() if isinstance(e.event, SocAlert))


def _critical(template: Emitted, agency: str, run: str, i: int, now: datetime) -> bytes:
    event = template.event
    assert isinstance(event, SocAlert)
    critical = event.model_copy(
        update={
            "event_id": f"{run}-{i}",
            "alert_id": f"{run}-a{i}",
            "event_time": now,
            "agency": agency,
            "rule": event.rule.model_copy(update={"level": CRITICAL_LEVEL}),
        }
    )
    return critical.model_dump_json().encode()


async def _holds(session: aiohttp.ClientSession, url: str, agency: str) -> bool:
    params = {"filter": ['alertname="SocCritical"', f'agency="{agency}"']}
    async with session.get(f"{url}/api/v2/alerts", params=params) as resp:
        alerts: list[dict[str, Any]] = await resp.json()
    return bool(alerts)


async def measure(
    settings: Settings, catalog: Catalog, am_url: str, samples: int, background_rate: float
) -> tuple[list[float], tuple[int, float], dict[str, list[float]]]:
    """The samples' latencies, the background stream's (events sent, seconds), and each
    hop's seconds per sample. The simulator's rate is its office-hours peak, so what was
    reached is reported, not asked."""
    clock = settings.clock()
    # Its own process: at 5,000 events/s the simulator and its producer took this loop's time,
    # and this loop times the samples.
    spawn = multiprocessing.get_context("spawn")
    stop = spawn.Event()
    report = spawn.Queue()
    background = spawn.Process(
        target=_publish_background, args=(settings, background_rate, stop, report), daemon=True
    )
    background.start()
    template = _template(catalog, clock.now_datetime())
    run = "lat" + uuid.uuid4().hex[:6]
    producer = AIOKafkaProducer(**settings.kafka_client_kwargs())
    await producer.start()
    latencies: list[float] = []
    taken: list[Sample] = []
    try:
        async with aiohttp.ClientSession() as session:
            await asyncio.sleep(10)  # background traffic flowing, the worker warmed up
            for i, agency in enumerate(a.id for a in catalog.agencies[:samples]):
                value = _critical(template, agency, run, i, clock.now_datetime())
                t0, sent_at = time.perf_counter(), time.time()
                meta = await producer.send_and_wait(
                    settings.topics.soc, value, key=template.key.encode()
                )
                deadline = t0 + 30
                while not await _holds(session, am_url, agency):
                    if time.perf_counter() > deadline:
                        raise TimeoutError(f"no SocCritical for {agency} after 30 s")
                    await asyncio.sleep(POLL_SECONDS)
                latencies.append(time.perf_counter() - t0)
                taken.append(Sample(agency, meta.partition, meta.offset, sent_at, time.time()))
                await asyncio.sleep(0.2)  # spread the samples over the worker's cycles
    finally:
        stop.set()
        await producer.stop()
        try:
            sent: tuple[int, float] = report.get(timeout=30)
        except queue.Empty:
            sent = (0, 0.0)
        background.join(30)
        if background.is_alive():
            background.kill()
    return latencies, sent, await _hops(settings, taken)


async def _hops(settings: Settings, taken: list[Sample]) -> dict[str, list[float]]:
    if not taken:
        return {hop: [] for hop in HOPS}
    kwargs = settings.kafka_client_kwargs()
    since_ms = int(taken[0].sent * 1000) - 1000
    batches: list[tuple[float, bytes]] = []
    for partition in range(settings.partitions):
        for m in await read_messages(kwargs, settings.topics.batch_topic("soc"), partition,
                                     None, None, since_ms=since_ms):  # fmt: skip
            batches.append((m.timestamp / 1000, m.value))
    found = await read_messages(kwargs, settings.topics.signals, 0, None, None, since_ms=since_ms)
    signals = [(m.timestamp / 1000, m.value) for m in found]
    return hops(taken, batches, signals)


def _publish_background(settings: Settings, rate: float, stop: Any, report: Any) -> None:
    """The quiet background stream in real time until ``stop`` is set (a child process); puts
    (events sent, seconds) on ``report``."""
    catalog = load_catalog()
    sim = Simulator(
        catalog, seed=5, start=settings.clock().now_datetime(), rate=rate, scenarios=QUIET
    )
    result = asyncio.run(
        publish(settings, sim, GroundTruth(catalog), realtime=True, should_stop=stop.is_set)
    )
    report.put((result.good, result.seconds))


def main(samples: int = 100, background_rate: float = 100.0) -> int:
    workdir = Path(tempfile.mkdtemp(prefix="ioc-bench-alerts-"))
    catalog = load_catalog()
    samples = min(samples, len(catalog.agencies))
    config = local_config("http://127.0.0.1:9", fast=True)
    with (
        EmbeddedBroker(log_file=workdir / "tansu.log") as broker,
        AlertmanagerServer(workdir / "alertmanager", config) as am,
    ):
        settings = bench_settings(broker.url, workdir, "bench", alertmanager_url=am.url)
        with WorkerProcess(settings, free_port(), workdir / "worker.log") as worker:
            worker.wait_ready(timeout=120)
            latencies, (sent, seconds), by_hop = asyncio.run(
                measure(settings, catalog, am.url, samples, background_rate)
            )
    ms = [1000 * x for x in latencies]
    ordered = sorted(ms)
    print(f"background traffic:             {sent / max(seconds, 1e-9):>8,.0f} events/s reached "
          f"({sent:,} in {seconds:.0f} s; quiet, real time; --background-rate "
          f"{background_rate:g} is the simulator's office-hours rate)")  # fmt: skip
    print(f"samples (SocCritical, 1 each):  {len(ms):>8d}")
    print(f"event → Alertmanager p50:       {quantile(ordered, 0.50):>8.0f} ms")
    print(f"event → Alertmanager p99:       {quantile(ordered, 0.99):>8.0f} ms")
    print(f"event → Alertmanager max:       {max(ms):>8.0f} ms")
    print(f"event → Alertmanager mean:      {statistics.fmean(ms):>8.0f} ms")
    for hop, spent in by_hop.items():
        if spent:
            split = sorted(1000 * x for x in spent)
            print(f"  {hop:<22}  p50 {quantile(split, 0.5):>5.0f} ms  p99 "
                  f"{quantile(split, 0.99):>5.0f} ms  max {split[-1]:>5.0f} ms "
                  f"({len(split)} samples)")  # fmt: skip
    print(f"(poll interval {POLL_SECONDS * 1000:g} ms; logs in {workdir})")
    return 0
