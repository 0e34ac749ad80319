"""Worker throughput against raw aiokafka consume of the same topics, in the same run.

1. Start the embedded broker; preload N simulated events, one JSON event per message, the three
   sources mixed, as SIEM forwarders, probers and the portal produce them.
2. Raw aiokafka: consume all N with ``getmany``, no parsing.
3. Start a worker process on the backlog; time from its first batch (the Kafka timestamp of
   the first non-empty record on the batch topics: the ingest joins its group and starts
   before the tables are recovered, so the first *applied* event may come after much of the
   ingest's work) to the last event applied, seen by polling its /progress (not /metrics:
   Prometheus scrapes every 15 s, and a scrape walks the whole state, so polling it twice a
   second would measure the scrapes). That covers consume, validate, dead-letter check, pack,
   produce, commit, the faust agent, the table and changelog writes.

The machine is shared and noisy: compare the ratio, not the absolute figures.
"""

from __future__ import annotations

import asyncio
import os
import pstats
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

from aiokafka import AIOKafkaConsumer, TopicPartition

from benchmarks.changelog import changelog_volume
from benchmarks.clock import bench_settings
from benchmarks.cpu import cpu_seconds
from ioc.aggregate.state import add_sizes
from ioc.catalog import load_catalog
from ioc.config import Settings
from ioc.ingest import unpack_batch
from ioc.runtime import EmbeddedBroker, WorkerProcess, free_port
from ioc.simulate import GroundTruth, Simulator
from ioc.simulate.publish import publish
from ioc.simulate.truth import differences


async def raw_consume_rate(settings: Settings, n: int) -> float:
    consumer = AIOKafkaConsumer(
        *settings.topics.of_source().values(),
        bootstrap_servers=settings.bootstrap_servers(),
        group_id=f"raw-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        max_partition_fetch_bytes=4 * 1024 * 1024,
        fetch_max_bytes=16 * 1024 * 1024,
    )
    await consumer.start()
    try:
        seen = 0
        started = None
        while seen < n:
            batch = await consumer.getmany(timeout_ms=1000, max_records=20000)
            if batch and started is None:
                started = time.perf_counter()
            seen += sum(len(m) for m in batch.values())
        assert started is not None
        return n / (time.perf_counter() - started)
    finally:
        await consumer.stop()


async def first_batch_time(settings: Settings) -> float:
    """Wall-clock time (the producer's Kafka timestamp) of the first batch that carries
    events, over every batch partition."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=settings.bootstrap_servers(), enable_auto_commit=False
    )
    await consumer.start()
    try:
        topics = [settings.topics.batch_topic(s) for s in settings.topics.source_topics().values()]
        tps = [TopicPartition(t, p) for t in topics for p in consumer.partitions_for_topic(t) or ()]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        firsts: dict[TopicPartition, int] = {}
        for _ in range(50):  # the first records of each partition come in the first fetches
            batch = await consumer.getmany(*tps, timeout_ms=500, max_records=100)
            if not batch:
                break
            for tp, messages in batch.items():
                for m in messages:
                    if tp not in firsts and m.value and unpack_batch(m.value).events:
                        firsts[tp] = m.timestamp
        return min(firsts.values()) / 1000.0
    finally:
        await consumer.stop()


def worker_rate(
    settings: Settings, n: int, workdir: Path, truth: GroundTruth, broker_pid: int | None
) -> float:
    with WorkerProcess(settings, free_port(), workdir / "worker.log") as worker:
        deadline = time.monotonic() + 600
        # (applied, worker CPU, broker CPU) at the worker's first answer, before it polls: the
        # CPU per event from there says whether the worker or the broker slowed a run down
        # (from the first *applied* event would leave out the ingest's head start).
        first: tuple[int, float, float] | None = None
        while time.monotonic() < deadline:
            try:
                done = worker.applied()
            except (OSError, KeyError, ValueError):
                time.sleep(0.05)
                continue
            if first is None:
                first = (done, cpu_seconds(worker.pid), cpu_seconds(broker_pid))
            if done >= n:
                finished = time.time()
                assert first is not None
                applied = max(n - first[0], 1)
                worker_cpu = cpu_seconds(worker.pid) - first[1]
                broker_cpu = cpu_seconds(broker_pid) - first[2]
                rate = n / (finished - asyncio.run(first_batch_time(settings)))
                print(f"CPU per 1,000 events:          worker {1000 * worker_cpu / applied:.3f} s, "
                      f"broker {1000 * broker_cpu / applied:.3f} s")  # fmt: skip
                _print_state(worker)
                _print_truth(worker, truth)
                return rate
            time.sleep(0.1)
    raise TimeoutError(f"worker did not process {n} events in 600 s; see {workdir}")


def restart_time(settings: Settings, workdir: Path, truth: GroundTruth) -> None:
    """A new worker on the same state (the old one stopped): seconds until it is ready
    (both stages own partitions, the tables rebuilt from their changelogs), and until a
    scrape of it equals the ground truth again."""
    started = time.perf_counter()
    with WorkerProcess(settings, free_port(), workdir / "worker-restarted.log") as worker:
        worker.wait_ready(timeout=600)
        ready = time.perf_counter() - started
        deadline = time.monotonic() + 600
        while True:
            # When the scrape was asked for, not when this process had parsed and compared
            # it (about 1 s per round after 1,000,000 events).
            asked = time.perf_counter()
            left = len(differences(worker.samples(), truth))
            if not left or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        equal = asked - started
    print(f"restart: serving after {ready:.1f} s, ground truth equal after {equal:.1f} s"
          + (f" ({left} series still differ after 600 s)" if left else ""))  # fmt: skip


def _print_state(worker: WorkerProcess) -> None:
    started = time.perf_counter()
    worker.scrape_text()  # what Prometheus waits for: the event loop is busy meanwhile
    scrape = time.perf_counter() - started
    samples = worker.samples()
    rss = samples.get(("process_resident_memory_bytes", ()), 0.0)
    print(f"worker memory after the run:   {rss / 2**20:>10,.0f} MiB resident")
    print(f"one /metrics scrape:           {scrape:>10,.2f} s")
    parts: dict[str, list[int]] = {}
    tables: dict[str, int] = {}
    dedup_ids = 0
    for source in worker.state_size().values():
        add_sizes(parts, source["parts"])
        tables.update(source["table_bytes"])
        dedup_ids += source["dedup_ids"]
    print(
        "state, records / MiB serialized: "
        + ", ".join(f"{k} {n:,} / {b / 2**20:,.1f}" for k, (n, b) in sorted(parts.items()))
    )
    print(f"dedup index: {dedup_ids:,} event ids")
    print(
        "tables held, MiB: "
        + ", ".join(f"{k} {b / 2**20:,.1f}" for k, b in sorted(tables.items()) if b)
    )


def _print_truth(worker: WorkerProcess, truth: GroundTruth) -> None:
    """The run's exported series against the simulator's ground truth."""
    diffs = differences(worker.samples(), truth)
    print(
        f"ground truth: {len(truth.samples):,} series compared, {len(diffs):,} differ"
        + "".join(f"\n  {d}" for d in diffs[:10])
    )


def print_profile(path: Path, top: int = 25) -> None:
    """The worker's hottest functions by own time, from ``IOC_PROFILE_PATH``'s dump."""
    if not path.exists():
        print(f"no profile at {path} (the worker did not stop cleanly)")
        return
    print("\nworker profile (cProfile slows the worker: its rates above are not comparable)")
    pstats.Stats(str(path)).sort_stats("tottime").print_stats(top)


def main(events: int = 200_000, partitions: int = 4, profile: bool = False) -> int:
    workdir = Path(tempfile.mkdtemp(prefix="ioc-bench-"))
    if profile:
        os.environ["IOC_PROFILE_PATH"] = str(workdir / "worker.prof")
    catalog = load_catalog()
    with EmbeddedBroker(log_file=workdir / "tansu.log") as broker:
        settings = bench_settings(broker.url, workdir, "bench", partitions=partitions)
        rate = 1000.0
        start = settings.clock().now_datetime() - timedelta(seconds=events / rate + 5)
        sim = Simulator(catalog, seed=42, start=start, rate=rate)
        t0 = time.perf_counter()
        truth = GroundTruth(catalog, late_grace_seconds=settings.late_grace_seconds)
        sent = asyncio.run(publish(settings, sim, truth, count=events))
        print(
            f"preloaded {sent.good:,} events in {time.perf_counter() - t0:.1f} s "
            f"({partitions} partitions per source topic)"
        )
        raw = asyncio.run(raw_consume_rate(settings, events))
        print(f"raw aiokafka getmany consume:   {raw:>10,.0f} events/s")
        worker = worker_rate(settings, events, workdir, truth, broker.pid)
        print(f"worker (1 process), end to end: {worker:>10,.0f} events/s")
        print(f"ratio worker / raw consume:     {worker / raw:>10.3f}")
        # The restarted worker would overwrite the backlog worker's profile with its own.
        os.environ.pop("IOC_PROFILE_PATH", None)
        restart_time(settings, workdir, truth)
        volume = asyncio.run(changelog_volume(settings))
        print(f"changelog written: {volume.bytes / 2**20:,.1f} MiB in {volume.records:,} records, "
              f"{volume.bytes / events:,.0f} bytes per event")  # fmt: skip
    print(f"  MiB by table: {volume.tables()}; largest record {volume.largest / 1024:,.0f} KiB")
    if profile:
        print_profile(workdir / "worker.prof")
    return 0
