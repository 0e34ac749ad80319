"""Ingest stage: batched aiokafka consume → validate → dead-letter / pack → produce → commit.

Source offsets are committed only after every batch and dead letter produced from them is
acknowledged, so a crash at any point replays messages (at-least-once), never loses them.
Replays are absorbed downstream by the per-partition offset watermark.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from typing import Any

import mode
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import CommitFailedError, IllegalStateError, KafkaError
from prometheus_client import CollectorRegistry, Counter, Gauge

from ioc.catalog import Catalog
from ioc.config import Settings
from ioc.contracts.keys import partition_for
from ioc.ingest import EventValidator, Fact, Rejected, empty_batch, pack_partition
from ioc.ingest.batch import FORWARDED, shard_of
from ioc.ingest.deadletter import deadletter_headers
from ioc.ingest.pace import PollPacer
from ioc.runtime.errors import EXIT_BROKER_LOST
from streams.internals import leave_first_generation
from streams.keys import batch_key, batch_partition

log = logging.getLogger(__name__)

LAG_INTERVAL_SECONDS = 5.0
TOPIC_CHECK_SECONDS = 10.0
# The worker's exit status when its topics vanished from the broker (EX_TEMPFAIL: try again).
EXIT_TOPICS_LOST = EXIT_BROKER_LOST
# Marks a message the ingest forwarded to its entity's partition: it is never forwarded twice.
FORWARDED_HEADER = "ioc-forwarded-from"


class IngestMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.consumed = Counter(
            "ioc_ingest_messages_consumed",
            "Source messages read by this worker's ingest stage (replays included).",
            ["source"],
            registry=registry,
        )
        self.batches = Counter(
            "ioc_ingest_batches_produced",
            "Batches of validated events produced to the internal batch topic.",
            registry=registry,
        )
        self.commit_failures = Counter(
            "ioc_ingest_commit_failures",
            "Source offset commits that failed (the messages are replayed, not lost).",
            registry=registry,
        )
        self.assigned = Gauge(
            "ioc_ingest_partitions_assigned",
            "Source partitions this worker's ingest stage currently owns.",
            registry=registry,
        )
        # Per source partition this worker owns, refreshed every LAG_INTERVAL_SECONDS from
        # the log end and the committed position (not from the last poll, which names only
        # the partitions that brought data); a revoked partition's series are removed.
        self.lag = Gauge(
            "ioc_ingest_consumer_lag_messages",
            "Messages of an owned source partition not yet batched and committed.",
            ["source", "partition"],
            registry=registry,
        )
        self.committed = Gauge(
            "ioc_ingest_committed_offset",
            "Source offset up to which an owned partition is batched and committed.",
            ["source", "partition"],
            registry=registry,
        )
        self.end = Gauge(
            "ioc_source_end_offset",
            "Log end offset of an owned source partition (the next offset to be written).",
            ["source", "partition"],
            registry=registry,
        )


class IngestService(mode.Service):
    def __init__(
        self,
        settings: Settings,
        catalog: Catalog,
        metrics: IngestMetrics,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.settings = settings
        self.metrics = metrics
        self._sources = settings.topics.source_topics()
        self._validators = {
            source: EventValidator.for_settings(source, catalog, settings)  # type: ignore[arg-type]
            for source in self._sources.values()
        }
        self._consumer: AIOKafkaConsumer | None = None
        self._producer: AIOKafkaProducer | None = None
        # Source offset up to which each partition's batches are produced and acknowledged.
        self._batched_to: dict[TopicPartition, int] = {}
        self._clock = settings.clock()  # "now" for the future and stale event-time checks

    async def on_start(self) -> None:
        s = self.settings
        common = s.kafka_client_kwargs()
        self._producer = AIOKafkaProducer(
            acks="all",
            linger_ms=5,
            max_batch_size=1024 * 1024,
            max_request_size=4 * 1024 * 1024,
            request_timeout_ms=30000,
            **common,
        )
        self._consumer = AIOKafkaConsumer(
            group_id=f"{s.app_id}-ingest",
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            max_partition_fetch_bytes=4 * 1024 * 1024,
            fetch_max_bytes=16 * 1024 * 1024,
            fetch_max_wait_ms=s.fetch_max_wait_ms,
            session_timeout_ms=int(s.group_session_timeout_seconds * 1000),
            heartbeat_interval_ms=1000,
            **common,
        )
        await self._producer.start()
        await self._consumer.start()
        # After start: subscribed before it, start() waits out the group join (3 s on an empty
        # group), and the worker's other services would start only after it.
        self._consumer.subscribe(list(self._sources), listener=_AssignmentGauge(self.metrics))

    async def on_stop(self) -> None:
        if self._consumer is not None:
            await leave_first_generation(self._consumer)
            await self._consumer.stop()
        if self._producer is not None:
            await self._producer.stop()

    @mode.Service.task
    async def _run(self) -> None:
        assert self._consumer is not None
        pacer = PollPacer(self.settings.ingest_busy_poll_interval_ms / 1000)
        while not self.should_stop:
            delay = pacer.delay(time.monotonic())
            if delay:
                await self.sleep(delay)
            started = time.monotonic()
            records = await self._consumer.getmany(timeout_ms=200, max_records=50000)
            pacer.polled(started, sum(len(messages) for messages in records.values()))
            if not records:
                continue
            try:
                await self._process(records)
            except KafkaError as exc:
                # Not committed: rewind and replay; the watermark drops what did get through.
                log.error("ingest: producing failed (%r); replaying from the last commit", exc)
                await asyncio.sleep(1.0)
                await self._consumer.seek_to_committed()

    async def _batched_position(self, tp: TopicPartition) -> int | None:
        """Source offset up to which ``tp`` is batched: by this worker, or else, committed by
        an earlier owner (committed means produced). None if nothing was ever committed."""
        assert self._consumer is not None
        offset = self._batched_to.get(tp)
        if offset is None:
            offset = await self._consumer.committed(tp)
        return offset

    @mode.Service.task
    async def _heartbeat(self) -> None:
        """Every ``batch_heartbeat_seconds``, an empty batch per owned source partition at the
        offset up to which it is batched: an aggregator that has not applied that far reads
        the missing batches back (``streams/repair.py``), even if no new events come."""
        assert self._consumer is not None and self._producer is not None
        s = self.settings
        while not self.should_stop:
            await self.sleep(s.batch_heartbeat_seconds)
            owned = self._consumer.assignment()
            self._batched_to = {tp: o for tp, o in self._batched_to.items() if tp in owned}
            try:
                for tp in owned:
                    offset = await self._batched_position(tp)
                    if not offset:
                        continue
                    source = self._sources[tp.topic]
                    await self._producer.send(
                        s.topics.batch_topic(source),
                        value=empty_batch(source, tp.partition, offset),
                        key=batch_key(source, tp.partition),
                        partition=batch_partition(tp.partition, s.partitions),
                    )
            except KafkaError as exc:
                log.warning(
                    "ingest: heartbeat not sent (%r); next in %g s", exc, s.batch_heartbeat_seconds
                )

    async def _process(self, records: dict[TopicPartition, list[Any]]) -> None:
        assert self._producer is not None and self._consumer is not None
        s = self.settings
        now = self._clock.now()
        pending: list[asyncio.Future[Any]] = []
        commits: dict[TopicPartition, int] = {}
        shards = s.state_shards
        partitions = {topic: self._partition_count(topic) for topic in {tp.topic for tp in records}}
        for tp, messages in records.items():
            source = self._sources[tp.topic]
            validator = self._validators[source]
            rows: list[tuple[int, int, Fact | None, str | None]] = []
            for msg in messages:
                verdict = validator.fact(msg.value, now)
                if not isinstance(verdict, Rejected):
                    entity, fact = verdict[0].encode(), verdict[1]
                    home = partition_for(entity, partitions[tp.topic])
                    if home != tp.partition and not _was_forwarded(msg.headers):
                        pending.append(await self._forward(tp, msg, entity, home))
                        rows.append((msg.offset, 0, None, FORWARDED))
                        continue
                    rows.append((msg.offset, shard_of(entity, shards), fact, None))
                    continue
                rows.append((msg.offset, 0, None, verdict.reason))
                headers = deadletter_headers(
                    verdict.reason, verdict.detail, tp.topic, tp.partition, msg.offset,
                    [("ioc-source-timestamp-ms", str(msg.timestamp).encode())],
                )  # fmt: skip
                pending.append(
                    await self._producer.send(
                        s.topics.deadletter, value=msg.value, key=msg.key, headers=headers
                    )
                )
            key = batch_key(source, tp.partition)
            partition = batch_partition(tp.partition, s.partitions)
            for batch in pack_partition(
                source,
                tp.partition,
                rows,
                max_events=s.batch_max_events,
                max_bytes=s.batch_max_bytes,
                since_ms=messages[0].timestamp,
            ):
                pending.append(
                    await self._producer.send(
                        s.topics.batch_topic(source), value=batch, key=key, partition=partition
                    )
                )
                self.metrics.batches.inc()
            self.metrics.consumed.labels(source).inc(len(messages))
            commits[tp] = messages[-1].offset + 1
        # Raises if any send failed: then nothing is committed and the messages are replayed.
        await asyncio.gather(*pending)
        self._batched_to.update(commits)
        try:
            await self._consumer.commit(commits)
        except (CommitFailedError, IllegalStateError, KafkaError) as exc:
            self.metrics.commit_failures.inc()
            log.warning("ingest: offset commit failed, messages will be replayed: %r", exc)

    def _partition_count(self, topic: str) -> int:
        """The topic's partitions as the broker has them (producers partition by those)."""
        assert self._consumer is not None
        known = self._consumer.partitions_for_topic(topic)
        return len(known) if known else self.settings.partitions

    async def _forward(
        self, tp: TopicPartition, msg: Any, entity: bytes, home: int
    ) -> asyncio.Future[Any]:
        """Send a valid event found outside its entity's partition on to that partition,
        keyed by the entity: the original bytes and headers, and where it was found."""
        assert self._producer is not None
        headers = [*(msg.headers or ()), (FORWARDED_HEADER, b"%d/%d" % (tp.partition, msg.offset))]
        future: asyncio.Future[Any] = await self._producer.send(
            tp.topic, value=msg.value, key=entity, partition=home, headers=headers
        )
        return future

    @mode.Service.task
    async def _watch_topics(self) -> None:
        """Exit when the broker answers but our topics are gone: an embedded broker restarted
        on memory storage, or topics deleted. Offsets and state no longer match the broker;
        going on would log errors forever and serve stale numbers. A supervisor (compose's
        restart policy, ``ioc demo``) starts a fresh worker. A broker that does not answer
        at all (paused, restarting) is waited for: that is ridden through."""
        assert self._consumer is not None
        s = self.settings
        expected = {*self._sources, s.topics.deadletter}
        expected |= {s.topics.batch_topic(source) for source in self._sources.values()}
        missing_before: set[str] = set()
        while not self.should_stop:
            await self.sleep(TOPIC_CHECK_SECONDS)
            try:
                present = await asyncio.wait_for(self._consumer.topics(), TOPIC_CHECK_SECONDS)
            except (KafkaError, TimeoutError):
                continue  # no answer: not the same as no topics
            missing = expected - set(present)
            if missing and missing & missing_before:  # twice in a row: not a creation race
                log.critical(
                    "the broker at %s no longer has topic(s) %s (restarted with memory "
                    "storage, or deleted): exiting with %d so that the worker is restarted",
                    s.broker_url, ", ".join(sorted(missing)), EXIT_TOPICS_LOST,
                )  # fmt: skip
                logging.shutdown()
                os._exit(EXIT_TOPICS_LOST)
            missing_before = missing

    @mode.Service.task
    async def _watch_lag(self) -> None:
        """Lag, committed and end offsets of every owned source partition, every few
        seconds: a partition that stops advancing shows (IocPartitionStalled), whether or not
        polls bring it data."""
        assert self._consumer is not None
        shown: set[tuple[str, str]] = set()
        while not self.should_stop:
            await self.sleep(LAG_INTERVAL_SECONDS)
            owned = sorted(self._consumer.assignment())
            try:
                # The high watermark of the latest fetch response: aiokafka's fetcher keeps
                # fetching every owned partition, and Tansu's ListOffsets falls short
                # (streams/offsets.py). ListOffsets only before a partition's first fetch.
                ends = {tp: self._consumer.highwater(tp) for tp in owned}
                unknown = [tp for tp, end in ends.items() if end is None]
                if unknown:
                    ends.update(await self._consumer.end_offsets(unknown))
                rows = []
                for tp in owned:
                    if ends.get(tp) is None:
                        continue
                    position = await self._batched_position(tp) or 0
                    rows.append((tp, position, ends[tp]))
            except (KafkaError, KeyError) as exc:
                log.warning("ingest: lag not measured (%r)", exc)
                continue
            now_shown = set()
            for tp, position, end in rows:
                labels = (self._sources[tp.topic], str(tp.partition))
                self.metrics.lag.labels(*labels).set(max(0, end - position))
                self.metrics.committed.labels(*labels).set(position)
                self.metrics.end.labels(*labels).set(end)
                now_shown.add(labels)
            for labels in shown - now_shown:  # revoked: its new owner reports it
                for gauge in (self.metrics.lag, self.metrics.committed, self.metrics.end):
                    gauge.remove(*labels)
            shown = now_shown


def _was_forwarded(headers: Any) -> bool:
    """Forwarded once already: processed where it is, even if the partitions changed since
    (a forwarding loop is worse than one event in the wrong shard)."""
    return any(name == FORWARDED_HEADER for name, _ in headers or ())


class _AssignmentGauge(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, metrics: IngestMetrics) -> None:
        self.metrics = metrics

    async def on_partitions_revoked(self, revoked: list[TopicPartition]) -> None:
        self.metrics.assigned.set(0)

    async def on_partitions_assigned(self, assigned: list[TopicPartition]) -> None:
        log.info("ingest: %d source partitions assigned", len(assigned))
        self.metrics.assigned.set(len(assigned))
