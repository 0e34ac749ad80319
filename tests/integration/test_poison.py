"""The poison corpus (tests/poison.py) against a real worker on the real broker: every
message is dead-lettered with its original bytes and the expected reason, or counted; the
worker stays alive; every partition goes on processing; no KPI moves for a rejected event."""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.partitioner import DefaultPartitioner

from ioc.catalog import Catalog
from ioc.config import Settings
from ioc.contracts.keys import partition_for, partition_key
from ioc.ingest import EventValidator, Rejected
from ioc.ingest.batch import shard_of
from ioc.runtime import WorkerProcess
from ioc.simulate import GroundTruth
from streams.keys import batch_key, batch_partition
from tests.conftest import as_fact, soc_alert
from tests.integration.conftest import simulate, wait_for_truth
from tests.poison import CASES

pytestmark = pytest.mark.integration


async def _send_corpus(
    settings: Settings, catalog: Catalog, truth: GroundTruth
) -> Counter[tuple[bytes | None, str]]:
    """Send every case; record what each must become in ``truth``; return the expected dead
    letters as (original bytes, reason) → count."""
    topics = settings.topics.of_source()
    now = settings.clock().now_datetime()
    partitions = list(range(settings.partitions))
    partitioner = DefaultPartitioner()
    expected_dead: Counter[tuple[bytes | None, str]] = Counter()
    producer = AIOKafkaProducer(
        bootstrap_servers=settings.bootstrap_servers(), max_request_size=4 * 1024 * 1024
    )
    await producer.start()
    try:
        for case in CASES:
            validator = EventValidator(
                case.source,
                catalog,
                max_message_bytes=settings.max_message_bytes,
                max_future_skew_seconds=settings.max_future_skew_seconds,
                max_event_age_seconds=settings.max_event_age_seconds,
            )
            partition = partitioner(case.key, partitions, partitions) if case.key else 0
            for value in case.make(now):
                await producer.send_and_wait(
                    topics[case.source], value, key=case.key, partition=partition
                )
                if case.expect == "processed":
                    event = validator.check(value, now.timestamp())
                    assert not isinstance(event, Rejected), (case.name, event)
                    # Processed in its entity's partition, forwarded there if sent elsewhere.
                    home = partition_for(partition_key(event).encode(), settings.partitions)
                    truth.record(event, home)
                    if home != partition:
                        truth.record_rerouted(case.source)
                else:
                    truth.record_dead_letter(case.source, case.expect)
                    expected_dead[(value, case.expect)] += 1
    finally:
        await producer.stop()
    return expected_dead


async def _dead_letters(settings: Settings, n: int) -> Counter[tuple[bytes | None, str]]:
    consumer = AIOKafkaConsumer(
        settings.topics.deadletter,
        bootstrap_servers=settings.bootstrap_servers(),
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        max_partition_fetch_bytes=4 * 1024 * 1024,
        fetch_max_bytes=16 * 1024 * 1024,
    )
    await consumer.start()
    found: Counter[tuple[bytes | None, str]] = Counter()
    try:
        for _ in range(60):
            batch = await consumer.getmany(timeout_ms=500)
            for messages in batch.values():
                for m in messages:
                    reason = dict(m.headers)["ioc-reason"].decode()
                    found[(m.value, reason)] += 1
            if sum(found.values()) >= n and not batch:
                break
    finally:
        await consumer.stop()
    return found


@pytest.mark.timeout(400)
def test_poison_corpus_is_dead_lettered_or_counted_and_every_partition_goes_on(
    settings: Settings, catalog: Catalog, worker: WorkerProcess
) -> None:
    truth = GroundTruth(catalog, late_grace_seconds=settings.late_grace_seconds)
    expected_dead = asyncio.run(_send_corpus(settings, catalog, truth))
    # Then ordinary traffic on every partition of every source: it must all be counted.
    simulate(settings, catalog, 4_000, seed=33, truth=truth)
    diffs = wait_for_truth(worker, truth, timeout=120)
    assert diffs == [], "\n".join(diffs)
    assert worker.running()
    consumed = worker.total("ioc_ingest_messages_consumed_total")
    processed = worker.total("ioc_events_processed_total")
    dead = worker.total("ioc_events_dead_lettered_total")
    rerouted = worker.total("ioc_events_rerouted_total")
    # A forwarded event is consumed twice: where it was sent, and in its entity's partition.
    assert consumed == processed + dead + rerouted == truth.sent + rerouted
    found = asyncio.run(_dead_letters(settings, sum(expected_dead.values())))
    assert found == expected_dead  # the original bytes, each with the reason expected
    # 1,000 made-up MITRE ids on 5 agents: one campaign on "other" at most, not 1,000.
    campaigns = sum(
        v for (n, labels), v in worker.samples().items()
        if n == "ioc_alerts_fired_total" and dict(labels)["alertname"] == "SocCampaign"
    )  # fmt: skip
    assert campaigns <= 1


async def _send(settings: Settings, topic: str, value: bytes, key: bytes, partition: int) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=settings.bootstrap_servers())
    await producer.start()
    try:
        await producer.send_and_wait(topic, value, key=key, partition=partition)
    finally:
        await producer.stop()


def _wait_for(worker: WorkerProcess, name: str, value: float, timeout: float = 60.0) -> float:
    deadline = time.monotonic() + timeout
    while (got := worker.total(name)) != value and time.monotonic() < deadline:
        time.sleep(0.5)
    return got


@pytest.mark.timeout(180)
def test_a_batch_that_keeps_failing_is_quarantined_and_its_partition_goes_on(
    settings: Settings, worker: WorkerProcess
) -> None:
    now = settings.clock().now_datetime()
    # An agent outside state shard 0, the only shard the forged batch below claims.
    agent = next(
        a for a in (f"so-tc-d{i:04d}" for i in range(1, 100))
        if shard_of(a.encode(), settings.state_shards) != 0
    )  # fmt: skip
    home = partition_for(agent.encode(), settings.partitions)

    def alert(n: int) -> bytes:
        doc = soc_alert(event_id=f"q-{n}", alert_id=f"q-{n}", event_time=now.isoformat())
        return json.dumps(doc).encode()

    asyncio.run(_send(settings, settings.topics.soc, alert(0), agent.encode(), home))
    assert _wait_for(worker, "ioc_events_processed_total", 1) == 1
    # A forged batch on the internal topic, claiming source offset 1 with a fact the core
    # cannot read (anyone with write access to the topic could send it).
    forged = json.dumps(
        {"s": "soc", "p": home, "o": [1, 2], "e": [[1, "a", "forged"]], "k": [0], "d": []}
    ).encode()
    asyncio.run(
        _send(settings, settings.topics.batch_topic("soc"), forged, batch_key("soc", home),
              batch_partition(home, settings.partitions))
    )  # fmt: skip
    assert _wait_for(worker, "ioc_batches_quarantined_total", 1) == 1
    # The partition goes on. The forged batch claimed offset 1 for state shard 0 only, and the
    # agent's events live in another shard: the real event at offset 1 is not lost either.
    assert shard_of(agent.encode(), settings.state_shards) != 0
    for n in (1, 2):
        asyncio.run(_send(settings, settings.topics.soc, alert(n), agent.encode(), home))
    assert _wait_for(worker, "ioc_events_processed_total", 3) == 3
    samples = worker.samples()
    assert samples[("ioc_events_dead_lettered_total",
                    (("reason", "apply_failed"), ("source", "soc")))] == 1  # fmt: skip
    assert worker.total("ioc_batch_apply_failures_total") == 3
    assert worker.running()
    found = asyncio.run(_dead_letters(settings, 1))
    assert found == Counter({(forged, "apply_failed"): 1})


@pytest.mark.timeout(180)
def test_a_failing_batch_does_not_lose_the_unwritten_batches_before_it(
    settings: Settings, worker: WorkerProcess
) -> None:
    """The aggregator writes state once per group of queued batches; a batch that raises
    makes it forget its partition's parsed state, including what earlier batches of the group
    changed: those are read back from the batch topic, not lost."""
    agent = "so-tc-d0002"
    home = partition_for(agent.encode(), settings.partitions)
    doc = soc_alert(event_id="g-0", alert_id="g-0",
                    event_time=settings.clock().now_datetime().isoformat())  # fmt: skip
    good = {"s": "soc", "p": home, "o": [0, 1], "e": [[0, *as_fact(doc)]],
            "k": [shard_of(agent.encode(), settings.state_shards)], "d": []}  # fmt: skip
    forged = {"s": "soc", "p": home, "o": [1, 2], "e": [[1, "a", "forged"]], "k": [0], "d": []}
    # One produce request: both arrive in one fetch, the second while the first is unwritten.
    asyncio.run(
        _send_all(
            settings,
            [json.dumps(good).encode(), json.dumps(forged).encode()],
            batch_key("soc", home),
            batch_partition(home, settings.partitions),
        )
    )
    assert _wait_for(worker, "ioc_batches_quarantined_total", 1) == 1
    assert worker.total("ioc_events_processed_total") == 1
    assert (
        worker.samples()[
            (
                "ioc_soc_alerts_total",
                (("agency", "so-tc"), ("asset_type", "desktop"), ("severity", "medium")),
            )
        ]
        == 1
    )


async def _send_all(settings: Settings, values: list[bytes], key: bytes, partition: int) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=settings.bootstrap_servers(), linger_ms=50)
    await producer.start()
    try:
        for value in values:
            await producer.send(settings.topics.batch_topic("soc"), value, key=key,
                                partition=partition)  # fmt: skip
        await producer.flush()
    finally:
        await producer.stop()
