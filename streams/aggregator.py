"""The aggregator of one source: apply each batch to its source partition's state.

The path of a batch (docs/architecture.md draws it):

1. decoded (``unpack_batch``); undecodable bytes are counted and skipped;
2. checked against the stored shard count (a mismatch stops the worker: a setting);
3. a gap before it is repaired first (``GapRepair``);
4. applied to each of its shards (``PartitionCache``), retried and at last quarantined
   (``settle``): a batch that keeps raising goes to the dead-letter topic with the error, its
   unapplied events are counted as dead letters, and the partition goes on;
5. held in the open group (``GroupWriter``), written once per group: each changed shard's
   event ids (``seen`` table), its state with its watermark, then the partitions' progress;
   after a crash between them, the group is replayed and its ids are found at the same
   offsets: a replay, not duplicates;
6. acked only once its group is written and the changelog records delivered.

Everything faust- or broker-shaped comes in through ``AggregatorBroker`` and the stream
(``streams.internals.ManualAcks``), so the orderings are unit-tested with fakes
(tests/unit/test_aggregator.py).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from dataclasses import replace
from typing import Any, Protocol

import mode
from aiokafka.errors import KafkaError
from prometheus_client import CollectorRegistry, Counter, Histogram

from ioc.aggregate.state import Lookups, apply_batch, late_offsets_of
from ioc.ingest import Batch, unpack_batch
from ioc.ingest.batch import APPLY_FAILED
from ioc.ingest.deadletter import deadletter_headers
from ioc.rows.batch_rows import OFFSET
from streams.gap_repair import GapRepair
from streams.group_writer import GROUP_LINGER_SECONDS, GroupWriter
from streams.internals import deliver_changelog
from streams.keys import shard_key
from streams.repair import BatchAt, read_batches
from streams.state_cache import PartitionCache

log = logging.getLogger(__name__)

MAX_APPLY_ATTEMPTS = 3


class AggregateMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.replayed = Counter(
            "ioc_batch_offsets_replayed",
            "Source offsets seen again in replayed batches and ignored by the watermark.",
            registry=registry,
        )
        self.bad_batches = Counter(
            "ioc_batches_undecodable",
            "Messages on the internal batch topic that could not be decoded (skipped).",
            registry=registry,
        )
        self.apply_failures = Counter(
            "ioc_batch_apply_failures",
            "Attempts to apply a batch that raised: a bug, each logged with its traceback. "
            "After 3 attempts the batch is quarantined.",
            ["source"],
            registry=registry,
        )
        self.quarantined = Counter(
            "ioc_batches_quarantined",
            "Batches given up on after repeated failures: sent to the dead-letter topic "
            "(reason apply_failed) and their events counted as dead letters.",
            ["source"],
            registry=registry,
        )
        self.lag = Histogram(
            "ioc_pipeline_lag_seconds",
            "From a source message's Kafka timestamp to its batch applied to the aggregates "
            "(per batch, from the first message of its poll): the wall's end-to-end delay.",
            ["source"],
            buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 900.0),
            registry=registry,
        )
        self.gaps = Counter(
            "ioc_batch_gaps",
            "Batches that arrived after a gap in their source partition's offsets, by whether "
            "reading the missing batches back from the batch topic closed it.",
            ["source", "outcome"],
            registry=registry,
        )


class AggregatorBroker(Protocol):
    """What the aggregator asks of the broker."""

    async def deliver_changelog(self) -> None: ...

    async def send_dead_letter(
        self, key: bytes, value: bytes, headers: list[tuple[str, bytes]]
    ) -> None: ...

    async def read_batches(
        self, where: BatchAt, key: bytes, first: int | None
    ) -> list[tuple[int, bytes]]: ...


class AgentStream(Protocol):
    """An agent's stream with manual acks (``streams.internals.ManualAcks``)."""

    def events(self) -> AsyncIterator[Any]: ...

    async def ack(self, event: Any) -> None: ...

    def queue_empty(self) -> bool: ...


class FaustBroker:
    """``AggregatorBroker`` through a faust app's producer and a reading consumer."""

    def __init__(self, app: Any, client_kwargs: Mapping[str, Any], deadletter_topic: str):
        self._app = app
        self._client_kwargs = client_kwargs
        self._deadletter_topic = deadletter_topic

    async def deliver_changelog(self) -> None:
        await deliver_changelog(self._app)

    async def send_dead_letter(
        self, key: bytes, value: bytes, headers: list[tuple[str, bytes]]
    ) -> None:
        await self._app.producer.send_and_wait(
            self._deadletter_topic, key, value, partition=None, timestamp=None, headers=headers
        )

    async def read_batches(
        self, where: BatchAt, key: bytes, first: int | None
    ) -> list[tuple[int, bytes]]:
        return await read_batches(
            self._client_kwargs, where.topic, where.partition, key, first, where.offset
        )


SendSignal = Callable[[bytes, Iterable[Any]], Awaitable[None]]


class SourceAggregator(mode.Service):
    """The agent of one source (``process``), with its group writer's linger timer."""

    def __init__(
        self,
        source: str,
        cache: PartitionCache,
        lookups: Lookups,
        metrics: AggregateMetrics,
        broker: AggregatorBroker,
        send_signal: SendSignal,
        state_shards: int,
        stop_for_config: Callable[[str], None],
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.source = source
        self.cache = cache
        self.lookups = lookups
        self.metrics = metrics
        self.broker = broker
        self.state_shards = state_shards
        self._send_signal = send_signal
        self._stop_for_config = stop_for_config
        self._sleep = sleep
        self.writer = GroupWriter(cache.flush, broker.deliver_changelog)
        self.gaps = GapRepair(cache, metrics.gaps, broker.read_batches, self.settle, sleep)
        self._checked: set[bytes] = set()  # source partitions whose shard count was checked

    @property
    def label(self) -> str:
        return f"{type(self).__name__}[{self.source}]"

    @mode.Service.timer(GROUP_LINGER_SECONDS / 2)
    async def _write_lingering_group(self) -> None:
        await self.writer.commit_if_due()

    async def release_held(self) -> None:
        """At a revocation, before faust waits for every ack (``App.before_wait_empty``)."""
        await self.writer.release()

    async def process(self, stream: AgentStream) -> AsyncIterator[None]:
        """The agent: yields once per batch-topic message."""
        self.writer.bind(stream.ack)
        async for event in stream.events():
            events = 0
            try:
                batch = unpack_batch(event.value)
            except (ValueError, KeyError, TypeError) as exc:
                self.metrics.bad_batches.inc()
                log.error("aggregate: undecodable batch at key %r: %r", event.key, exc)
            else:
                if not self._shards_agree(event.key):
                    return
                await self.handle(event.key, batch, _where(event), event.value)
                events = batch.end - batch.start
            self.writer.hold(event, events)
            if self.writer.should_commit(stream.queue_empty()):
                await self.writer.commit()
            yield None

    def _shards_agree(self, key: bytes) -> bool:
        """False once the partition's state was written with another shard count: the worker
        stops rather than look for entities in the wrong shard."""
        if self.cache.progress(key).shards == self.state_shards or key in self._checked:
            return True
        self._checked.add(key)
        conflict = self.cache.shards_conflict(key, self.state_shards)
        if conflict is None:
            return True
        message = (
            f"aggregate: the state of source partition {key.decode()} {conflict}, but "
            f"IOC_STATE_SHARDS is {self.state_shards}: set it to the count the state was "
            "written with (32 before 2026-12-02) or start on new topics. The worker stops "
            "rather than look for entities in the wrong shard."
        )
        log.critical(message)
        self._stop_for_config(message)
        return False

    async def handle(self, key: bytes, batch: Batch, where: BatchAt, value: bytes) -> None:
        """Repair a gap before the batch, then apply it."""
        if self.gaps.is_needed(key, batch):
            await self.gaps.repair_patiently(key, batch, where)
        await self.settle(key, batch, where, value)
        if batch.end > batch.start and batch.since_ms:
            # Applied is what the wall shows: the lag ends here, not at the ack.
            lag = time.time() - batch.since_ms / 1000
            self.metrics.lag.labels(batch.source).observe(max(0.0, lag))

    async def apply(self, key: bytes, batch: Batch, batch_offset: int) -> None:
        if batch.end <= batch.start:
            return  # the ingest's heartbeat: it only served to reveal a gap
        cache = self.cache
        progress = cache.progress(key)
        before, start = progress.clock_for(batch.start)
        late, after = late_offsets_of(batch, before, self.lookups.late_grace_seconds, start)
        accounted = 0
        fresh: set[int] = set()
        for shard, part in batch.by_shard().items():
            accounted += apply_to_shard(
                cache, shard_key(key, shard), part, self.lookups, late, fresh
            )
        if accounted < batch.end - batch.start:
            self.metrics.replayed.inc(batch.end - batch.start - accounted)
        advanced = progress.after_batch(batch.end, batch_offset, (before, start), after)
        if advanced.shards != self.state_shards:
            advanced = replace(advanced, shards=self.state_shards)
        if advanced is not progress:
            cache.set_progress(key, advanced)
        if fresh:
            await self._send_signal(key, (r for r in batch.events if r[OFFSET] in fresh))

    async def settle(self, key: bytes, batch: Batch, where: BatchAt, value: bytes) -> None:
        """``apply``, retried; quarantined if it keeps failing. The core is total
        (tests/property): this is the last line against a bug, or a forged batch on the
        internal topic. One bad batch never freezes a partition."""
        for attempt in range(1, MAX_APPLY_ATTEMPTS + 1):
            try:
                await self.apply(key, batch, where.offset)
                return
            except Exception as exc:  # any bug: the partition must go on
                self.cache.forget(key)
                self.metrics.apply_failures.labels(batch.source).inc()
                log.error(
                    "aggregate: %s: batch at %s failed (attempt %d of %d): %r",
                    key.decode(), where, attempt, MAX_APPLY_ATTEMPTS, exc, exc_info=True,
                )  # fmt: skip
                # Forgetting also dropped what the group's earlier batches of this partition
                # changed (not yet written): they are read back from the batch topic.
                if self.gaps.is_needed(key, batch):
                    await self.gaps.repair_patiently(key, batch, where, restoring=True)
                if attempt == MAX_APPLY_ATTEMPTS:
                    await self.quarantine(key, batch, where, value, exc)
                    return
                await self._sleep(attempt)

    async def quarantine(
        self, key: bytes, batch: Batch, where: BatchAt, value: bytes, exc: Exception
    ) -> None:
        cache = self.cache
        done = {
            shard
            for shard in set(batch.shards)
            if cache.state(shard_key(key, shard)).next_offset >= batch.end
        }
        headers = deadletter_headers(
            APPLY_FAILED, repr(exc), where.topic, where.partition, where.offset,
            [("ioc-batch-offsets", b"%d-%d" % (batch.start, batch.end))],
        )  # fmt: skip
        while True:  # the bytes are kept before the partition moves past them
            try:
                await self.broker.send_dead_letter(key, value, headers)
                break
            except KafkaError as send_error:
                log.warning("aggregate: quarantine of %s waits for the broker: %r",
                            where, send_error)  # fmt: skip
                await self._sleep(1.0)
        self.metrics.quarantined.labels(batch.source).inc()
        try:
            await self.apply(key, batch.as_failed(done), where.offset)
        except Exception:  # even counting failed: move on, uncounted
            cache.forget(key)
            log.critical("aggregate: %s: batch at %s skipped uncounted", key.decode(), where,
                         exc_info=True)  # fmt: skip
            progress = cache.progress(key)
            clock = progress.clock_for(batch.start)
            cache.set_progress(
                key, progress.after_batch(batch.end, where.offset, clock, progress.clock_after)
            )
        log.error(
            "aggregate: %s: batch at %s (source offsets %d-%d) quarantined",
            key.decode(), where, batch.start, batch.end,
        )  # fmt: skip


def _where(event: Any) -> BatchAt:
    return BatchAt(event.message.topic, event.message.partition, event.message.offset)


def apply_to_shard(
    cache: PartitionCache,
    key: bytes,
    batch: Batch,
    lookups: Lookups,
    late: set[int],
    fresh: set[int],
) -> int:
    """Apply one shard's part of a batch; return the offsets it newly accounted for, and add
    the offsets of the events it applied to ``fresh``."""
    shard = cache.shard(key)
    result = apply_batch(shard.state, batch, lookups, shard.seen, late)
    fresh.update(offset for _, offset in result.fresh)
    if result.offsets or result.fresh:
        cache.changed(key, shard, batch.start, result.fresh)
    return result.offsets
