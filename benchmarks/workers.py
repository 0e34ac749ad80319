"""N worker processes on one backlog: aggregate events/s, against raw aiokafka consume of the
same topics in the same run, and the ground truth over all of them.

1. Start the embedded broker; preload the backlog (as ``ioc bench``).
2. Raw aiokafka ``getmany`` of all of it, no parsing.
3. Start N workers of one app at once (one consumer group per stage: Kafka spreads the
   partitions among them). Time from the first batch any of them produced to the moment the
   events applied, summed over the workers' owned partitions, reach the backlog; then the
   workers' exports summed (each partition is exported by its owner only) against the
   ground truth.

On a 2-core machine with the broker on the same cores, N workers share 2 cores with the
broker and with each other: the aggregate cannot grow with N here, and the figures say so.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections import Counter
from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path

from benchmarks.clock import bench_settings
from benchmarks.cpu import cpu_seconds
from benchmarks.throughput import first_batch_time, raw_consume_rate
from ioc.catalog import load_catalog
from ioc.metrics.spec import SampleKey
from ioc.runtime import EmbeddedBroker, WorkerProcess, free_port
from ioc.simulate import GroundTruth, Simulator
from ioc.simulate.publish import publish
from ioc.simulate.truth import differences


def summed_samples(workers: list[WorkerProcess]) -> dict[SampleKey, float]:
    """The workers' exported series added up, as Prometheus' ``sum`` over instances."""
    total: Counter[SampleKey] = Counter()
    for worker in workers:
        total.update(worker.samples())
    return dict(total)


def applied_by_all(workers: list[WorkerProcess]) -> int | None:
    try:
        return sum(worker.applied() for worker in workers)
    except (OSError, KeyError, ValueError):
        return None  # one is starting or rebalancing: ask again


def main(events: int = 200_000, partitions: int = 4, workers: int = 2) -> int:
    workdir = Path(tempfile.mkdtemp(prefix="ioc-bench-workers-"))
    catalog = load_catalog()
    with EmbeddedBroker(log_file=workdir / "tansu.log") as broker:
        settings = bench_settings(broker.url, workdir, "bench", partitions=partitions)
        start = settings.clock().now_datetime() - timedelta(seconds=events / 1000.0 + 5)
        sim = Simulator(catalog, seed=42, start=start, rate=1000.0)
        truth = GroundTruth(catalog, late_grace_seconds=settings.late_grace_seconds)
        sent = asyncio.run(publish(settings, sim, truth, count=events))
        print(f"preloaded {sent.good:,} events ({partitions} partitions per source topic)")
        raw = asyncio.run(raw_consume_rate(settings, events))
        print(f"raw aiokafka getmany consume:     {raw:>10,.0f} events/s")
        with ExitStack() as stack:
            running = [
                stack.enter_context(
                    WorkerProcess(settings, free_port(), workdir / f"worker-{i}.log")
                )
                for i in range(workers)
            ]
            cpu_before = [cpu_seconds(w.pid) for w in running]
            deadline = time.monotonic() + 900
            while time.monotonic() < deadline:
                done = applied_by_all(running)
                if done is not None and done >= events:
                    break
                time.sleep(0.1)
            else:
                raise TimeoutError(f"{workers} workers did not apply {events} events in 900 s")
            finished = time.time()
            rate = events / (finished - asyncio.run(first_batch_time(settings)))
            cpu = [
                cpu_seconds(w.pid) - before for w, before in zip(running, cpu_before, strict=True)
            ]
            time.sleep(1)  # the last batches' gauges and counters into the next scrape
            diffs = differences(summed_samples(running), truth)
        print(f"{workers} workers, end to end:        {rate:>10,.0f} events/s in all, "
              f"{rate / workers:,.0f} per worker")  # fmt: skip
        print(f"ratio all workers / raw consume:  {rate / raw:>10.3f}")
        print("worker CPU, s: " + ", ".join(f"{c:.1f}" for c in cpu)
              + f" (broker {cpu_seconds(broker.pid):.1f} s in all)")  # fmt: skip
        print(
            f"ground truth: {len(truth.samples):,} series compared, {len(diffs):,} differ"
            + "".join(f"\n  {d}" for d in diffs[:10])
        )
    return 0 if not diffs else 1
