"""The aggregator's orderings, with fake tables, a fake broker and a fake stream: what a
broker test could only reach by chance (a crash between two steps, a revocation while acks
are held, a batch that keeps raising, a batch lost on its way)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import orjson
import pytest
from aiokafka.errors import KafkaConnectionError
from prometheus_client import CollectorRegistry

import streams.aggregator
from ioc.aggregate.state import Lookups
from ioc.metrics import spec
from streams.aggregator import AggregateMetrics, SourceAggregator
from streams.keys import batch_key, is_shard_key
from streams.repair import BatchAt
from streams.state_cache import PartitionCache
from tests.conftest import as_fact, soc_alert

KEY = batch_key("soc", 0)
TOPIC = "ioc-batches-soc"


class FakeTable(dict[bytes, Any]):
    name = "soc-state"

    @property
    def data(self) -> dict[bytes, Any]:
        return self


@dataclass
class FakeBroker:
    log: list[str]
    gate: asyncio.Event = field(default_factory=asyncio.Event)
    batch_topic: dict[int, bytes] = field(default_factory=dict)
    dead_letters: list[tuple[bytes, list[tuple[str, bytes]]]] = field(default_factory=list)
    send_failures: int = 0
    reads: list[int | None] = field(default_factory=list)

    async def deliver_changelog(self) -> None:
        await self.gate.wait()
        self.log.append("delivered")

    async def send_dead_letter(
        self, key: bytes, value: bytes, headers: list[tuple[str, bytes]]
    ) -> None:
        if self.send_failures:
            self.send_failures -= 1
            raise KafkaConnectionError()
        self.log.append("dead-lettered")
        self.dead_letters.append((value, headers))

    async def read_batches(
        self, where: BatchAt, key: bytes, first: int | None
    ) -> list[tuple[int, bytes]]:
        self.reads.append(first)
        start = first or 0
        return [(o, v) for o, v in sorted(self.batch_topic.items()) if start <= o < where.offset]


class FakeStream:
    def __init__(self, messages: Iterable[tuple[int, bytes]], log: list[str]) -> None:
        self._messages = list(messages)
        self._log = log

    async def events(self) -> AsyncIterator[Any]:
        for offset, value in self._messages:
            yield SimpleNamespace(
                key=KEY,
                value=value,
                message=SimpleNamespace(topic=TOPIC, partition=0, offset=offset),
            )

    async def ack(self, event: Any) -> None:
        self._log.append(f"ack {event.message.offset}")

    def queue_empty(self) -> bool:
        return False  # a backlog: groups close when full


def soc_batch(start: int, count: int) -> bytes:
    events = [
        [start + i, *as_fact(soc_alert(event_id=f"e-{start + i}", alert_id=f"a-{start + i}"))]
        for i in range(count)
    ]
    raw = {"s": "soc", "p": 0, "o": [start, start + count], "e": events,
           "k": [0] * count, "d": []}  # fmt: skip
    return orjson.dumps(raw)


def raising_on_events() -> Any:
    """``apply_batch`` with a bug that raises on any batch with events (a quarantined batch,
    all dead letters, still applies)."""
    real = getattr(streams.aggregator, "apply_batch")  # noqa: B009 (not exported)

    def apply_batch(state: Any, batch: Any, *args: Any) -> Any:
        if batch.events:
            raise RuntimeError("a bug")
        return real(state, batch, *args)

    return apply_batch


class Harness:
    def __init__(self, max_batches: int = 64) -> None:
        self.log: list[str] = []
        self.table, self.journal, self.seen = FakeTable(), FakeTable(), FakeTable()
        self.cache = PartitionCache(self.table, self.journal, self.seen, window_seconds=900)
        self.broker = FakeBroker(self.log)
        self.registry = CollectorRegistry()
        self.sleeps: list[float] = []
        original_flush = self.cache.flush

        def flush() -> None:
            original_flush()
            self.log.append(f"written {self.cache.progress(KEY).end}")

        self.cache.flush = flush  # type: ignore[method-assign]
        self.aggregator = SourceAggregator(
            "soc", self.cache, Lookups(service_tier={}), AggregateMetrics(self.registry),
            self.broker, self._signal, state_shards=1, stop_for_config=self.log.append,
            sleep=self._sleep,
        )  # fmt: skip
        self.aggregator.writer.max_batches = max_batches

    async def _signal(self, key: bytes, rows: Iterable[Any]) -> None:
        list(rows)

    async def _sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)

    async def run(self, messages: Iterable[tuple[int, bytes]]) -> None:
        async for _ in self.aggregator.process(FakeStream(messages, self.log)):
            pass

    def metric(self, name: str, **labels: str) -> float:
        return self.registry.get_sample_value(name, labels) or 0.0

    def processed(self) -> float:
        """Events counted in the state the tables hold."""
        reread = PartitionCache(self.table, self.journal, self.seen, window_seconds=900)
        return sum(
            reread.state(key).counters.get(spec.EVENTS_PROCESSED.name, {}).get("soc", 0)
            for key in self.table
            if is_shard_key(key)
        )


async def test_a_batch_is_acked_only_after_its_group_is_written_and_delivered() -> None:
    h = Harness(max_batches=2)
    await h.run([(0, soc_batch(0, 2)), (1, soc_batch(2, 2))])
    await asyncio.sleep(0)
    assert h.log == ["written 4"]  # written; its changelog not yet delivered: nothing acked
    h.broker.gate.set()
    await h.aggregator.writer.release()
    assert h.log == ["written 4", "delivered", "ack 0", "ack 1", "written 4"]


async def test_a_revocation_acks_the_held_batches_before_it_returns() -> None:
    h = Harness()
    h.broker.gate.set()
    await h.run([(0, soc_batch(0, 3)), (1, soc_batch(3, 1))])
    assert h.log == []  # the group is open: applied, not written, nothing acked
    await h.aggregator.release_held()
    assert h.log == ["written 4", "delivered", "ack 0", "ack 1"]
    assert h.processed() == 4


async def test_a_group_waits_for_the_delivery_of_the_group_before_it() -> None:
    h = Harness(max_batches=1)
    agent = asyncio.ensure_future(h.run([(0, soc_batch(0, 1)), (1, soc_batch(1, 1))]))
    for _ in range(5):
        await asyncio.sleep(0)
    assert h.log == ["written 1"]  # the second group waits while the first is in flight
    assert not agent.done()
    h.broker.gate.set()
    await agent
    await h.aggregator.release_held()
    assert h.log == ["written 1", "delivered", "ack 0", "written 2", "delivered", "ack 1",
                     "written 2"]  # fmt: skip


async def test_a_batch_that_keeps_failing_is_retried_then_quarantined(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(streams.aggregator, "apply_batch", raising_on_events())
    h = Harness()
    h.broker.gate.set()
    bad = soc_batch(0, 3)
    await h.run([(0, bad)])
    await h.aggregator.release_held()
    assert h.metric("ioc_batch_apply_failures_total", source="soc") == 3
    assert h.sleeps == [1, 2]  # retried twice, with a pause, before it is given up on
    assert h.metric("ioc_batches_quarantined_total", source="soc") == 1
    ((value, headers),) = h.broker.dead_letters
    assert value == bad
    assert dict(headers)["ioc-reason"] == b"apply_failed"
    assert h.log.index("dead-lettered") < h.log.index("written 3")  # kept before moving on
    assert h.cache.progress(KEY).end == 3


async def test_a_quarantine_waits_for_the_broker_to_take_the_dead_letter(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(streams.aggregator, "MAX_APPLY_ATTEMPTS", 1)
    monkeypatch.setattr(streams.aggregator, "apply_batch", raising_on_events())
    h = Harness()
    h.broker.gate.set()
    h.broker.send_failures = 2
    await h.run([(0, soc_batch(0, 1))])
    assert h.sleeps == [1.0, 1.0]
    assert len(h.broker.dead_letters) == 1


async def test_a_gap_is_repaired_from_the_batch_topic_before_the_later_batch() -> None:
    h = Harness()
    h.broker.gate.set()
    h.broker.batch_topic = {0: soc_batch(0, 2), 1: soc_batch(2, 2), 2: soc_batch(4, 2)}
    # The batch at offset 1 was acked by faust without reaching the agent.
    await h.run([(0, h.broker.batch_topic[0]), (2, h.broker.batch_topic[2])])
    await h.aggregator.release_held()
    assert h.broker.reads == [1]
    assert h.metric("ioc_batch_gaps_total", source="soc", outcome="repaired") == 1
    assert h.processed() == 6
    assert h.metric("ioc_batch_offsets_replayed_total") == 0


async def test_a_gap_that_cannot_be_read_back_is_counted_unrepaired() -> None:
    h = Harness()
    h.broker.gate.set()
    await h.run([(0, soc_batch(0, 2)), (2, soc_batch(4, 2))])
    await h.aggregator.release_held()
    assert h.metric("ioc_batch_gaps_total", source="soc", outcome="unrepaired") == 1
    assert h.processed() == 4
