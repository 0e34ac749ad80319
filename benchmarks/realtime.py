"""Real time: events arrive at a steady RATE for a fixed time, as a province's peak does.

1. Start the embedded broker and one worker; generate RATE × SECONDS simulated events ahead
   (event times at real speed from the benchmark's province time).
2. A producer in its own process (librdkafka through confluent-kafka: Python's producers do
   not hold 50,000 messages/s) sends them paced in 10 ms ticks, each at its event's partition
   (murmur2 of the entity key, the contract), and records when it handed each one over.
3. Meanwhile the worker's applied offset per source partition (its ``/progress`` page, the
   same figures as ``ioc_aggregate_applied_offset``) is read every 100 ms. An event's
   end-to-end lag is the time from its hand-over to the first reading that has it applied:
   consume, validate, the batch topic, the agent, the state. The reading interval is the
   resolution.
4. Report the processed rate, lag p50/p99/max, the worker's CPU per 1,000 events (from its
   ``process_cpu_seconds_total``) and the ground-truth comparison.

``/progress`` is read instead of ``/metrics``: at 10 reads a second, /metrics took a fifth of
the worker's CPU (py-spy), which Prometheus' 15 s scrapes never cost.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import pickle
import tempfile
import threading
import time
import urllib.request
from bisect import bisect_right
from collections import defaultdict
from pathlib import Path
from typing import Any

import orjson

from benchmarks.changelog import changelog_volume
from benchmarks.clock import bench_settings
from benchmarks.cpu import cpu_seconds
from ioc.catalog import load_catalog
from ioc.contracts.keys import partition_for
from ioc.runtime import EmbeddedBroker, WorkerProcess, free_port
from ioc.simulate import GroundTruth, Simulator
from ioc.simulate.truth import differences

TICK_SECONDS = 0.01
READ_SECONDS = 0.1

Message = tuple[str, int, bytes, bytes, float]  # topic, partition, key, value, due (s from start)


def _produce_paced(bootstrap: str, path: str, out: str) -> None:
    """Runs in its own process: send each message at its due time; write (topic, partition,
    offset, handed-over wall time) of each delivery to ``out``."""
    from confluent_kafka import Producer

    messages: list[Message] = pickle.loads(Path(path).read_bytes())
    producer = Producer({"bootstrap.servers": bootstrap, "acks": "all", "linger.ms": 2,
                         "queue.buffering.max.messages": 2_000_000})  # fmt: skip
    delivered: list[tuple[str, int, int, float]] = []
    acked_after: list[float] = []  # hand-over to the broker's ack (10 ms resolution: polls)

    def on_delivery(err: Any, msg: Any) -> None:
        if err is not None:
            raise RuntimeError(f"delivery failed: {err}")
        sent = msg.timestamp()[1] / 1000
        delivered.append((msg.topic(), msg.partition(), msg.offset(), sent))
        acked_after.append(time.time() - sent)

    origin = time.time()
    i = 0
    while i < len(messages):
        now = time.time() - origin
        while i < len(messages) and messages[i][4] <= now:
            topic, partition, key, value, _ = messages[i]
            producer.produce(topic, value, key, partition=partition, on_delivery=on_delivery,
                             timestamp=int((origin + now) * 1000))  # fmt: skip
            i += 1
        producer.poll(0)
        time.sleep(max(0.0, TICK_SECONDS - (time.time() - origin - now)))
    producer.flush(60)
    Path(out).write_bytes(pickle.dumps((time.process_time(), delivered, acked_after)))


def _read_applied(
    url: str, stop: threading.Event, readings: list[tuple[float, dict[Any, float]]]
) -> None:
    while not stop.is_set():
        t = time.time()
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                body = orjson.loads(response.read())
        except OSError:
            time.sleep(READ_SECONDS)
            continue
        applied = {
            (source, int(partition)): offset
            for source, partitions in body["applied"].items()
            for partition, offset in partitions.items()
        }
        readings.append((t, applied))
        time.sleep(max(0.0, READ_SECONDS - (time.time() - t)))


def _lags(
    delivered: list[tuple[str, int, int, float]],
    readings: list[tuple[float, dict[Any, float]]],
    source_of: dict[str, str],
) -> list[float]:
    """Each delivered message's time from hand-over to the first reading that applied it."""
    by_partition: dict[Any, list[tuple[float, float]]] = defaultdict(list)
    for t, applied in readings:
        for key, offset in applied.items():
            by_partition[key].append((offset, t))
    lags = []
    for topic, partition, offset, sent in delivered:
        steps = by_partition.get((source_of[topic], partition), [])
        # Applied offsets only grow: the first reading above this offset.
        i = bisect_right([o for o, _ in steps], offset)
        lags.append(steps[i][1] - sent if i < len(steps) else float("inf"))
    return lags


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main(rate: float = 5_000.0, seconds: float = 30.0, partitions: int = 4) -> int:
    workdir = Path(tempfile.mkdtemp(prefix="ioc-bench-rt-"))
    catalog = load_catalog()
    with EmbeddedBroker(log_file=workdir / "tansu.log") as broker:
        settings = bench_settings(broker.url, workdir, "rt", partitions=partitions)
        source_of = settings.topics.source_topics()
        topics = {source: topic for topic, source in source_of.items()}
        count = int(rate * seconds)
        sim = Simulator(catalog, seed=7, start=settings.clock().now_datetime(), rate=rate)
        truth = GroundTruth(catalog, late_grace_seconds=settings.late_grace_seconds)
        messages: list[Message] = []
        first_ts: float | None = None
        for emitted in sim.events():
            if len(messages) >= count:
                break
            event = emitted.event
            key = emitted.key.encode()
            partition = partition_for(key, partitions)
            ts = event.event_time.timestamp()
            first_ts = ts if first_ts is None else first_ts
            messages.append((topics[emitted.source], partition, key,
                             event.model_dump_json().encode(), ts - first_ts))  # fmt: skip
            truth.record(event, partition)
        messages.sort(key=lambda m: m[4])
        (workdir / "messages.pickle").write_bytes(pickle.dumps(messages))
        with WorkerProcess(settings, free_port(), workdir / "worker.log") as worker:
            worker.wait_ready()
            cpu_before = worker.total("process_cpu_seconds_total")
            broker_before = cpu_seconds(broker.pid)
            readings: list[tuple[float, dict[Any, float]]] = []
            stop = threading.Event()
            reader = threading.Thread(
                target=_read_applied, args=(worker.progress_url, stop, readings)
            )
            reader.start()
            producer = multiprocessing.get_context("spawn").Process(
                target=_produce_paced,
                args=(settings.bootstrap_servers(), str(workdir / "messages.pickle"),
                      str(workdir / "delivered.pickle")),
            )  # fmt: skip
            producer.start()
            producer.join()
            deadline = time.monotonic() + 120
            # /progress, not /metrics: this loop runs while the worker may still be draining.
            while worker.applied() < count:
                if time.monotonic() > deadline:
                    break
                time.sleep(READ_SECONDS)
            time.sleep(2 * READ_SECONDS)
            stop.set()
            reader.join()
            cpu = worker.total("process_cpu_seconds_total") - cpu_before
            broker_cpu = cpu_seconds(broker.pid) - broker_before
            processed = worker.total("ioc_events_processed_total")
            diffs = differences(worker.samples(), truth)
        volume = asyncio.run(changelog_volume(settings))
        producer_cpu, delivered, acked_after = pickle.loads(
            (workdir / "delivered.pickle").read_bytes()
        )
    lags = _lags(delivered, readings, source_of)
    handed = [sent for _, _, _, sent in delivered]
    sent_for = max(handed) - min(handed)
    # The first reading with every event applied: the worker kept up if it is near the end
    # of sending, and sustained count / drained_after events/s if it is not.
    finished = [sent + lag for sent, lag in zip(handed, lags, strict=True)]
    drained_after = max(finished) - min(handed)
    print(f"offered:   {count:,} events in {sent_for:.1f} s, {count / sent_for:,.0f}/s on average "
          f"(--realtime {rate:g} is the simulator's office-hours rate; {partitions} partitions "
          f"per source)")  # fmt: skip
    print(f"processed: {processed:,.0f} events, all applied {drained_after:.1f} s after the first "
          f"was sent: {processed / max(drained_after, 1e-9):,.0f} events/s sustained")  # fmt: skip
    print(f"end-to-end lag (hand-over to applied, {READ_SECONDS:g} s resolution): "
          f"p50 {_quantile(lags, 0.5):.2f} s, p99 {_quantile(lags, 0.99):.2f} s, "
          f"max {max(lags):.2f} s")  # fmt: skip
    print(f"  of which the broker's ack to the producer: p50 {_quantile(acked_after, 0.5):.2f} s, "
          f"p99 {_quantile(acked_after, 0.99):.2f} s")  # fmt: skip
    cores = os.cpu_count() or 1
    print(f"worker CPU: {cpu:.1f} s, {1000 * cpu / max(processed, 1):.3f} s per 1,000 events; "
          f"broker {broker_cpu:.1f} s, producer {producer_cpu:.1f} s "
          f"({cores} cores: {cores * drained_after:.0f} s CPU in "
          f"{drained_after:.0f} s)")  # fmt: skip
    print(f"changelog written: {volume.bytes / 2**20:,.1f} MiB in {volume.records:,} records, "
          f"{volume.bytes / max(processed, 1):,.0f} bytes per event")  # fmt: skip
    print(f"  MiB by table: {volume.tables()}; largest record {volume.largest / 1024:,.0f} KiB")
    print(f"ground truth: {len(truth.samples):,} series compared, {len(diffs):,} differ"
          + "".join(f"\n  {d}" for d in diffs[:10]))  # fmt: skip
    return 0 if not diffs and processed >= count else 1
