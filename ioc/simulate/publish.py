"""Publish a simulation to Kafka: paced in real time, or as fast as the broker takes it."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.partitioner import DefaultPartitioner

from ioc.config import Settings
from ioc.simulate.bad import BAD_KINDS, expected_reason, make_bad
from ioc.simulate.disturb import Disturbance, disturb
from ioc.simulate.generator import Emitted, Simulator
from ioc.simulate.truth import GroundTruth


@dataclass
class PublishResult:
    good: int = 0
    bad: int = 0
    seconds: float = 0.0


def _limited(simulator: Simulator, count: int | None, duration: float | None) -> Iterator[Emitted]:
    sim_start = simulator.start.timestamp()
    for n, emitted in enumerate(simulator.events()):
        if count is not None and n >= count:
            return
        if duration is not None and emitted.event.event_time.timestamp() - sim_start >= duration:
            return
        yield emitted


async def publish(
    settings: Settings,
    simulator: Simulator,
    truth: GroundTruth,
    *,
    count: int | None = None,
    duration: float | None = None,
    realtime: bool = False,
    pace: float | None = None,
    bad_ratio: float = 0.0,
    disturbance: Disturbance | None = None,
    on_progress: Callable[[int], None] | None = None,
    should_stop: Callable[[], bool] = lambda: False,
) -> PublishResult:
    """Send ``count`` events or ``duration`` simulated seconds of them.

    With ``realtime`` an event is sent when the wall clock reaches its event time. With
    ``pace`` (simulated seconds per wall second) a history is replayed that much faster than
    it happened, so that a scraper sees counters grow as they would live. Partitions
    are chosen here, with Kafka's default partitioner, so that the ground truth knows them.
    """
    topics = settings.topics.of_source()
    producer = AIOKafkaProducer(
        linger_ms=20,
        acks="all",
        max_batch_size=512 * 1024,
        # A lost broker fails the run in 15 s rather than aiokafka's default 40 s.
        request_timeout_ms=15_000,
        **settings.kafka_client_kwargs(),
    )
    partitioner = DefaultPartitioner()
    clock = settings.clock()
    partitions = list(range(settings.partitions))
    bad_rng = random.Random(hash_seed(simulator))
    result = PublishResult()
    started = time.monotonic()
    stream: Iterable[tuple[Emitted, bool]] = (
        (e, False) for e in _limited(simulator, count, duration)
    )
    if disturbance is not None and disturbance.active:
        stream = disturb(_limited(simulator, count, duration), disturbance)
    origin: tuple[float, float] | None = None
    # Sends are acknowledged in windows: a failed one (broker gone, topic deleted) raises here
    # instead of being counted as sent. The ground truth of a run that raises is not used.
    unacked: list[asyncio.Future[Any]] = []
    try:
        await producer.start()
        for emitted, duplicate in stream:
            if should_stop():
                break
            event = emitted.event
            if realtime:
                delay = event.event_time.timestamp() - clock.now()
                if delay > 0.002:
                    await asyncio.sleep(delay)
            elif pace:
                ts = event.event_time.timestamp()
                origin = origin or (ts, time.monotonic())
                delay = (ts - origin[0]) / pace - (time.monotonic() - origin[1])
                if delay > 0.002:
                    await asyncio.sleep(delay)
            topic = topics[emitted.source]
            key = emitted.key.encode()
            partition = partitioner(key, partitions, partitions)
            unacked.append(
                await producer.send(
                    topic, event.model_dump_json().encode(), key=key, partition=partition
                )
            )
            if len(unacked) >= ACK_WINDOW:
                await _acknowledged(unacked)
            if duplicate:
                truth.record_duplicate(emitted.source)
                continue
            truth.record(event, partition)
            result.good += 1
            if bad_ratio and bad_rng.random() < bad_ratio:
                kind = bad_rng.choice(BAD_KINDS)
                value = make_bad(kind, event, bad_rng, settings.max_message_bytes)
                unacked.append(await producer.send(topic, value, key=key, partition=partition))
                truth.record_dead_letter(emitted.source, expected_reason(kind, event))
                result.bad += 1
            if on_progress is not None and result.good % 500 == 0:
                on_progress(result.good)
        await producer.flush()
        await _acknowledged(unacked)
    finally:
        await producer.stop()
    result.seconds = time.monotonic() - started
    return result


ACK_WINDOW = 2000  # sends in flight before we wait for their acknowledgements


async def _acknowledged(futures: list[asyncio.Future[Any]]) -> None:
    """Wait for every send in ``futures``; the first failure raises (a KafkaError)."""
    try:
        await asyncio.gather(*futures)
    finally:
        futures.clear()


def hash_seed(simulator: Simulator) -> int:
    return simulator.rng.getrandbits(32) ^ 0x5EED
