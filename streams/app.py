"""Build the faust app from settings: topics, the state table, the agent, ingest and /metrics."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import time
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, cast

import faust
from aiokafka.errors import KafkaError
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from ioc.aggregate import PartitionProgress, PartitionState, SeenEvents, apply_batch
from ioc.aggregate.journal import DELTA_SLOTS, ShardJournal, read_shard
from ioc.aggregate.state import Lookups, add_sizes, late_offsets_of
from ioc.catalog import Catalog, load_catalog
from ioc.config import Settings
from ioc.ingest import Batch, unpack_batch
from ioc.ingest.batch import APPLY_FAILED
from ioc.ingest.deadletter import deadletter_headers
from ioc.metrics.collector import StateCollector
from streams.alerts import Alerting
from streams.ingest import IngestMetrics, IngestService
from streams.repair import read_batches
from streams.tables import key_partitioned_table
from streams.topics import (
    SOURCES,
    delta_key,
    partition_of_key,
    shard_key,
    source_partition_of_key,
)
from streams.transport import App

log = logging.getLogger(__name__)


class PartitionCache:
    """Parsed state, journal and dedup index of each state shard, and the progress of each
    source partition, reused while the tables still hold the records they were read from.

    The tables are the truth: after recovery or a rebalance the stored objects differ, and the
    state is read from its snapshot and deltas (``ioc.aggregate.journal``) and the dedup index
    rebuilt from the ``seen`` table again.

    Batches change the parsed state; ``flush`` writes it. The aggregator flushes once per group
    of batches (before their acks), not per batch: a shard touched by several batches of a
    group is written once, so the records per event fall as batches queue up (in real time a
    batch holds a few events, and a record per touched shard per batch was most of the work of
    the broker and of the worker).
    """

    def __init__(
        self, table: Any, journal_table: Any, seen_table: Any, window_seconds: float
    ) -> None:
        self.table = table
        self.journal_table = journal_table
        self.seen_table = seen_table
        self.window_seconds = window_seconds
        self._items: dict[bytes, _Shard] = {}
        self._progress: dict[bytes, tuple[bytes | None, PartitionProgress]] = {}
        self._clock_walls: dict[bytes, float] = {}
        # Changed since the last flush: shards, and the progress of their source partitions.
        self._dirty: dict[bytes, _Shard] = {}
        self._unwritten_progress: dict[bytes, PartitionProgress] = {}

    def _stored(self, key: bytes, seq: int) -> tuple[Any, Any, Any]:
        """What identifies the stored records a shard was read from or written as: its
        snapshot, its last delta slot and the next (where any other writer would go)."""
        return (
            self.table.get(key),
            self.journal_table.get(delta_key(key, seq % DELTA_SLOTS)),
            self.journal_table.get(delta_key(key, (seq + 1) % DELTA_SLOTS)),
        )

    def state(self, key: bytes) -> PartitionState:
        return self.shard(key).state

    def shard(self, key: bytes) -> _Shard:
        hit = self._items.get(key)
        if hit is not None and _same(hit.stored, self._stored(key, hit.journal.seq)):
            return hit
        deltas = (self.journal_table.get(delta_key(key, slot)) for slot in range(DELTA_SLOTS))
        state, journal = read_shard(self.table.get(key), deltas)
        shard = _Shard(state, journal, self._stored(key, journal.seq), self._seen_loader(key))
        self._items[key] = shard
        return shard

    def _seen_loader(self, key: bytes) -> Callable[[], SeenEvents]:
        def load() -> SeenEvents:
            seen = SeenEvents(self.window_seconds)
            prefix = key + b"/"
            for seen_key, data in list(self.seen_table.data.items()):
                if seen_key.startswith(prefix):
                    seen.add_record(seen_key.decode(), data)
            return seen

        return load

    def changed(self, key: bytes, shard: _Shard, batch_start: int, fresh: list[Any]) -> None:
        """The shard's state changed, by applying ``fresh`` (event id key, offset) pairs of the
        batch starting at ``batch_start``: written at the next ``flush``."""
        self._dirty[key] = shard
        if fresh:
            if shard.seen_start is None:
                shard.seen_start = batch_start
            shard.fresh.extend(fresh)

    def flush(self) -> None:
        """Write every changed shard (its applied event ids, then its state), then the progress
        of its source partition: a progress record that survived a crash means the writes
        before it did too (same table, same changelog partition)."""
        for key, shard in self._dirty.items():
            state, seen = shard.state, shard.seen
            if shard.fresh:
                assert shard.seen_start is not None
                seen_key = key + b"/%d" % shard.seen_start
                record = SeenEvents.encode(state.max_event_ts, shard.fresh)
                self.seen_table[seen_key] = record
                seen.add_record(seen_key.decode(), record)
                shard.fresh, shard.seen_start = [], None
            for old in seen.expire(state.max_event_ts):
                self.seen_table.pop(old.encode(), None)
            self.write(key, shard)
        self._dirty.clear()
        for partition_key, progress in self._unwritten_progress.items():
            stored = progress.to_bytes()
            self.table[partition_key] = stored
            self._progress[partition_key] = (stored, progress)
        self._unwritten_progress.clear()

    def write(self, key: bytes, shard: _Shard) -> None:
        """Store what changed of the shard's state since its last record."""
        slot, record = shard.journal.next_record(shard.state)
        if slot is None:
            self.table[key] = record
            for freed in shard.journal.freed_slots():
                self.journal_table.pop(delta_key(key, freed), None)
        else:
            self.journal_table[delta_key(key, slot)] = record
        shard.stored = self._stored(key, shard.journal.seq)

    def forget(self, partition_key: bytes) -> None:
        """Drop what is parsed of a source partition: a batch that raised may have changed
        its shards' states and dedup indexes in place; the tables still hold the last good
        bytes, parsed again on the next ``get``."""
        prefix = partition_key + b"#"
        for key in [k for k in self._items if k.startswith(prefix)]:
            del self._items[key]
            self._dirty.pop(key, None)
        self._progress.pop(partition_key, None)
        self._unwritten_progress.pop(partition_key, None)

    def shards_conflict(self, partition_key: bytes, shards: int) -> str | None:
        """Why the source partition's stored state is not split into ``shards`` shards, if
        it is not: entities would be looked for in the wrong shard."""
        recorded = self.progress(partition_key).shards
        if recorded and recorded != shards:
            return f"was written with {recorded} state shards"
        prefix = partition_key + b"#"
        highest = max(
            (int(k[len(prefix) :]) for k in list(self.table.data) if k.startswith(prefix)),
            default=-1,
        )
        if highest >= shards:
            return f"has a state shard {highest}, so at least {highest + 1} shards"
        return None

    def progress(self, partition_key: bytes) -> PartitionProgress:
        """How far the source partition's batches are applied (kept under its bare key)."""
        unwritten = self._unwritten_progress.get(partition_key)
        if unwritten is not None:
            return unwritten
        stored = self.table.get(partition_key)
        hit = self._progress.get(partition_key)
        if hit is not None and hit[0] is stored:
            return hit[1]
        progress = PartitionProgress.from_bytes(stored)
        self._progress[partition_key] = (stored, progress)
        return progress

    def set_progress(self, partition_key: bytes, progress: PartitionProgress) -> None:
        """Written by ``flush`` after the shard states."""
        self._unwritten_progress[partition_key] = progress
        self._clock_walls[partition_key] = time.time()

    def clock_now(self, partition_key: bytes, wall: float) -> float | None:
        """The partition's event clock, moved on by the wall clock since its last batch."""
        if partition_key not in self._clock_walls:
            return None
        after = self.progress(partition_key).clock_after
        return after + max(0.0, wall - self._clock_walls[partition_key])


@dataclass(slots=True)
class _Shard:
    state: PartitionState
    journal: ShardJournal
    stored: tuple[Any, Any, Any]
    load_seen: Callable[[], SeenEvents]
    # (event id key, offset) pairs applied since the last flush, from the batch at
    # ``seen_start``.
    fresh: list[Any] = field(default_factory=list)
    seen_start: int | None = None
    loaded_seen: SeenEvents | None = None

    @property
    def seen(self) -> SeenEvents:
        """The dedup index, read from the seen table when a batch first needs it: a scrape
        after a restart reads only the states (900,000 ids took about 1 s to load)."""
        if self.loaded_seen is None:
            self.loaded_seen = self.load_seen()
        return self.loaded_seen


def _same(a: tuple[Any, ...], b: tuple[Any, ...]) -> bool:
    return all(x is y for x, y in zip(a, b, strict=True))


MAX_APPLY_ATTEMPTS = 3
# Batches applied while more are queued, before their state is written and its changelog
# records awaited together (and the batches acked): up to this many, or this many events.
GROUP_MAX_BATCHES = 64
GROUP_MAX_EVENTS = 20_000
# With no batch queued, a group is written once it is this old (a timer sees to it): in real
# time a poll brings a few events per partition, and writing each as its own group cost a
# record per touched shard per poll. The state is applied (and exported) at once; only its
# changelog records and the acks wait. 0.5 s instead of 0.2 s: 435 -> 364 changelog bytes per
# event at 1,000 events/s, the lag to applied unchanged (docs/benchmarks.md, session 23).
GROUP_LINGER_SECONDS = 0.5


@dataclass(frozen=True, slots=True)
class BatchAt:
    """Where a batch message is on the internal batch topic."""

    topic: str
    partition: int
    offset: int

    def __str__(self) -> str:
        return f"{self.topic}[{self.partition}]@{self.offset}"


class _AppliedOffsets(Collector):
    """``ioc_aggregate_applied_offset``: how far each owned source partition is applied to
    the state. Against ``ioc_source_end_offset`` it shows a partition that stopped."""

    def __init__(self, rows: Callable[[], Iterable[tuple[str, str, float]]]) -> None:
        self._rows = rows

    def collect(self) -> Iterator[Metric]:
        family = GaugeMetricFamily(
            "ioc_aggregate_applied_offset",
            "Source offset up to which an owned partition is applied to the aggregates.",
            labels=["source", "partition"],
        )
        for source, partition, offset in self._rows():
            family.add_metric([source, partition], offset)
        yield family


def is_shard_key(key: bytes) -> bool:
    """State-table keys are shards (``soc:3#17``) or a partition's progress (``soc:3``)."""
    return b"#" in key


def _credentials(settings: Settings) -> Any:
    ssl_context = settings.kafka_client_kwargs().get("ssl_context")
    if settings.sasl_mechanism:
        return faust.SASLCredentials(
            username=settings.sasl_username,
            password=settings.sasl_password,
            mechanism=settings.sasl_mechanism,
            ssl_context=ssl_context,  # type: ignore[arg-type]
        )
    if settings.security_protocol == "SSL":
        return faust.SSLCredentials(ssl_context)  # type: ignore[arg-type]
    return None


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


def create_app(settings: Settings, catalog: Catalog | None = None) -> App:
    catalog = catalog or load_catalog(settings.catalog_path)
    client_kwargs = settings.kafka_client_kwargs()
    app = App(
        settings.app_id,
        fetch_max_wait_ms=settings.fetch_max_wait_ms,
        client_kwargs=client_kwargs,
        broker=settings.faust_broker(),
        broker_credentials=_credentials(settings),
        store="memory://",
        datadir=str(settings.data_dir),
        topic_partitions=settings.partitions,
        topic_replication_factor=settings.replication_factor,
        table_standby_replicas=0,
        consumer_auto_offset_reset="earliest",
        # Seconds-fast group joins on a single broker (faust's defaults take ~30 s).
        broker_session_timeout=settings.group_session_timeout_seconds,
        broker_heartbeat_interval=1.0,
        broker_rebalance_timeout=10.0,
        stream_recovery_delay=0.0,
        web_host=settings.web_host,
        web_port=settings.web_port,
        web_bind=settings.web_host,
        producer_acks=-1,
        producer_max_request_size=4 * 1024 * 1024,
        consumer_max_fetch_size=4 * 1024 * 1024,
    )
    registry = CollectorRegistry()
    ProcessCollector(registry=registry)
    ingest_metrics = IngestMetrics(registry)
    aggregate_metrics = AggregateMetrics(registry)

    lookups = Lookups.from_catalog(catalog, settings.late_grace_seconds)
    caches: dict[str, PartitionCache] = {}

    def dossier_states() -> Iterator[tuple[str, PartitionState, float]]:
        """(partition, shard state, partition clock now) of the dossier partitions held here."""
        cache, wall = caches["dossier"], time.time()
        for key, state in owned(cache, "dossier"):
            partition = key.split(b"#", 1)[0]
            now = cache.clock_now(partition, wall)
            if now is not None:
                yield partition.decode(), state, now

    alerting = Alerting(app, settings, catalog, registry, dossier_states)
    for source in SOURCES:
        topic = app.topic(
            settings.topics.batch_topic(source),
            key_type=bytes,
            value_type=bytes,
            key_serializer="raw",
            value_serializer="raw",
            partitions=settings.partitions,
            internal=True,
        )
        table = key_partitioned_table(app, f"{source}-state", settings.partitions)
        journal_table = key_partitioned_table(app, f"{source}-journal", settings.partitions)
        seen_table = key_partitioned_table(app, f"{source}-seen", settings.partitions)
        cache = PartitionCache(table, journal_table, seen_table, settings.dedup_window_seconds)
        caches[source] = cache
        app.agent(topic, name=f"aggregate_{source}")(
            _aggregator(
                app,
                cache,
                lookups,
                aggregate_metrics,
                alerting,
                client_kwargs,
                settings.topics.deadletter,
                settings.state_shards,
            )
        )

    def assigned_partitions(source: str) -> set[int]:
        """The source's batch partitions assigned here."""
        assigned = app.consumer.assignment() if app.consumer is not None else set()
        topic_name = settings.topics.batch_topic(source)
        return {tp.partition for tp in assigned if tp.topic == topic_name}

    def owned_keys(cache: PartitionCache, source: str) -> Iterator[bytes]:
        """Table keys (shards and progress records) of the batch partitions assigned here."""
        mine = assigned_partitions(source)
        for key in list(cache.table.data.keys()):
            if partition_of_key(key, settings.partitions) in mine:
                yield key

    def owned(cache: PartitionCache, source: str) -> Iterator[tuple[bytes, PartitionState]]:
        for key in owned_keys(cache, source):
            if is_shard_key(key):
                yield key, cache.state(key)

    def active_shards() -> Iterator[tuple[str, str, PartitionState]]:
        for source, cache in caches.items():
            for key, state in owned(cache, source):
                yield source, source_partition_of_key(key), state

    registry.register(
        StateCollector(
            active_shards,
            lookups,
            settings.clock().now,
            # Tables are recovered from their changelogs during a rebalance: not exported.
            ready=lambda: not app.rebalancing,
        )
    )

    def applied_offsets() -> Iterator[tuple[str, str, float]]:
        """(source, source partition, offset applied up to) of the partitions owned here."""
        for source, cache in caches.items():
            for key in owned_keys(cache, source):
                if not is_shard_key(key):
                    yield source, source_partition_of_key(key), float(cache.progress(key).end)

    registry.register(_AppliedOffsets(applied_offsets))

    def recovered_partitions() -> int:
        """Batch partitions owned here with their tables recovered (none during a rebalance)."""
        if app.rebalancing:
            return 0
        return sum(len(assigned_partitions(source)) for source in caches)

    Gauge(
        "ioc_aggregate_partitions_assigned",
        "Batch partitions this worker's aggregators own, with their state recovered.",
        registry=registry,
    ).set_function(recovered_partitions)

    @app.page("/metrics")
    async def metrics(web: Any, request: Any) -> Any:
        return web.bytes(generate_latest(registry), content_type=CONTENT_TYPE_LATEST.split(";")[0])

    @app.page("/progress")
    async def progress(web: Any, request: Any) -> Any:
        """How far each owned source partition is applied, as JSON: a cheap view for tools
        that poll often (the real-time benchmark reads it every 100 ms)."""
        applied: dict[str, dict[str, float]] = {}
        for source, partition, offset in applied_offsets():
            applied.setdefault(source, {})[partition] = offset
        return web.json({"applied": applied})

    @app.page("/state")
    async def state_size(web: Any, request: Any) -> Any:
        """What the state held here weighs, for benchmarks and capacity planning: per
        source, the records and serialized bytes of each entity kind and of the series, the
        ids in the dedup index, and the bytes each table's store holds."""
        out: dict[str, Any] = {}
        for source, cache in caches.items():
            parts: dict[str, list[int]] = {}
            seen_ids = 0
            for key, state in owned(cache, source):
                seen_ids += len(cache.shard(key).seen)
                add_sizes(parts, state.sizes())
            tables = {
                table.name: sum(len(k) + len(v) for k, v in list(table.data.items()))
                for table in (cache.table, cache.journal_table, cache.seen_table)
            }
            out[source] = {"parts": parts, "dedup_ids": seen_ids, "table_bytes": tables}
        return web.json(out)

    app.early_services.append(_bind_ingest(settings, catalog, ingest_metrics))
    return app


def _aggregator(
    app: faust.App,
    cache: PartitionCache,
    lookups: Lookups,
    metrics: AggregateMetrics,
    alerting: Alerting,
    client_kwargs: Mapping[str, Any],
    deadletter_topic: str,
    state_shards: int,
) -> Callable[[faust.StreamT[bytes]], AsyncIterator[None]]:
    """The agent of one source: apply each batch to its partition's state.

    Batches change the parsed state; it is written once per group of batches
    (``PartitionCache.flush``). Order of the writes: each changed shard's event ids (``seen``
    table), then its state with its watermark, then the partitions' progress. After a crash
    between them, the group is replayed and its ids are found at the same offsets: a replay,
    not duplicates.

    A batch that starts above the partition's progress means one before it was acked by faust
    without reaching here (``streams.repair``): the missing batches are read back from the
    batch topic and applied first.

    Acks are manual: faust acks an event in a ``finally`` when the agent is cancelled mid-batch
    (on shutdown), and commits that offset while the batch's changelog records may still sit
    in its producer buffer. A batch is acked only once its group is written and the changelog
    records delivered.

    A batch whose application raises (the core is total, tests/property: this is the last
    line against a bug, or a forged batch on the internal topic) is tried
    ``MAX_APPLY_ATTEMPTS`` times, then quarantined: its bytes go to the dead-letter topic with
    the error, its unapplied events are counted as dead letters (``apply_failed``), and the
    partition goes on. One bad batch never freezes a partition.
    """

    async def apply(key: bytes, batch: Batch, batch_offset: int) -> None:
        if batch.end <= batch.start:
            return  # the ingest's heartbeat: it only served to reveal a gap
        progress = cache.progress(key)
        before, start = progress.clock_for(batch.start)
        late, after = late_offsets_of(batch, before, lookups.late_grace_seconds, start)
        accounted = 0
        fresh: set[int] = set()
        for shard, part in batch.by_shard().items():
            accounted += _apply_to_shard(cache, shard_key(key, shard), part, lookups, late, fresh)
        if accounted < batch.end - batch.start:
            metrics.replayed.inc(batch.end - batch.start - accounted)
        advanced = progress.after_batch(batch.end, batch_offset, (before, start), after)
        if advanced.shards != state_shards:
            advanced = replace(advanced, shards=state_shards)
        if advanced is not progress:
            cache.set_progress(key, advanced)
        if fresh:
            await alerting.send_signal(key, (r for r in batch.events if r[0] in fresh))

    async def settle(key: bytes, batch: Batch, where: BatchAt, value: bytes) -> None:
        """``apply``, retried; quarantined if it keeps failing."""
        for attempt in range(1, MAX_APPLY_ATTEMPTS + 1):
            try:
                await apply(key, batch, where.offset)
                return
            except Exception as exc:  # any bug: the partition must go on
                cache.forget(key)
                metrics.apply_failures.labels(batch.source).inc()
                log.error(
                    "aggregate: %s: batch at %s failed (attempt %d of %d): %r",
                    key.decode(), where, attempt, MAX_APPLY_ATTEMPTS, exc, exc_info=True,
                )  # fmt: skip
                # Forgetting also dropped what the group's earlier batches of this partition
                # changed (not yet written): they are read back from the batch topic.
                if cache.progress(key).is_missing_before(batch.start):
                    await repair_patiently(key, batch, where, restoring=True)
                if attempt == MAX_APPLY_ATTEMPTS:
                    await quarantine(key, batch, where, value, exc)
                    return
                await asyncio.sleep(attempt)

    async def quarantine(
        key: bytes, batch: Batch, where: BatchAt, value: bytes, exc: Exception
    ) -> None:
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
                await app.producer.send_and_wait(
                    deadletter_topic, key, value, partition=None, timestamp=None, headers=headers
                )
                break
            except KafkaError as send_error:
                log.warning("aggregate: quarantine of %s waits for the broker: %r",
                            where, send_error)  # fmt: skip
                await asyncio.sleep(1.0)
        metrics.quarantined.labels(batch.source).inc()
        try:
            await apply(key, batch.as_failed(done), where.offset)
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
            "aggregate: %s: batch at %s (source offsets %d-%d) quarantined to %s",
            key.decode(), where, batch.start, batch.end, deadletter_topic,
        )  # fmt: skip

    async def repair(key: bytes, batch: Batch, where: BatchAt, restoring: bool) -> None:
        """Apply the batches between the partition's progress and ``batch`` (at ``where``),
        read back from the batch topic: ones lost on their way here, or, ``restoring``, ones
        applied but not yet written when a failed batch made the cache forget them."""
        progress = cache.progress(key)
        first = progress.batch_offset + 1 if progress.batch_offset >= 0 else None
        missing = await read_batches(
            client_kwargs, where.topic, where.partition, key, first, where.offset
        )
        for offset, data in missing:
            try:
                lost = unpack_batch(data)
            except (ValueError, KeyError, TypeError):
                continue  # counted as undecodable when it was first delivered, if it was
            await settle(key, lost, BatchAt(where.topic, where.partition, offset), data)
        source = key.split(b":", 1)[0].decode()
        closed = not cache.progress(key).is_missing_before(batch.start)
        if restoring and closed:
            return
        if progress.batch_offset < 0 and not missing:
            return  # the first batch seen of a trimmed source partition: nothing was lost
        metrics.gaps.labels(source, "repaired" if closed else "unrepaired").inc()
        log.warning(
            "aggregate: %s: batch at offset %d starts at source offset %d, applied up to %d; "
            "read back %d missing batch(es) from offset %s: %s",
            key.decode(), where.offset, batch.start, progress.end, len(missing), first,
            "gap closed" if closed else "GAP REMAINS (source offsets lost)",
        )  # fmt: skip

    async def repair_patiently(
        key: bytes, batch: Batch, where: BatchAt, restoring: bool = False
    ) -> None:
        """``repair``, retried while the broker does not answer; then the gap is left
        (``ioc_batch_gaps_total{outcome="unrepaired"}`` and its alert say so)."""
        for attempt in range(1, MAX_APPLY_ATTEMPTS + 1):
            try:
                await repair(key, batch, where, restoring)
                return
            except (KafkaError, OSError, TimeoutError) as exc:
                log.warning("aggregate: %s: reading back missing batches failed (%r)",
                            key.decode(), exc)  # fmt: skip
                await asyncio.sleep(attempt)
        metrics.gaps.labels(batch.source, "unrepaired").inc()

    # Applied batches whose state is not yet written: not acked. Their stream events only,
    # not the batches: 64 parsed backlog batches held a third of a million facts.
    pending: list[Any] = []
    acker: list[Any] = []  # the agent's no-ack stream, once it runs
    group_events = [0]  # events in the batches applied since the last write
    group_started = [0.0]  # monotonic time of the group's first batch

    delivering = asyncio.Lock()  # the agent, the timer and a revocation all write groups
    # The written group whose changelog records are on their way: at most one, so that acks
    # stay in order and held events bounded.
    in_flight: list[asyncio.Future[None]] = []

    async def deliver(held: list[Any]) -> None:
        await _deliver_changelog(app)
        for event in held:
            await acker[0].ack(event)

    async def write_group(wait: bool = False) -> None:
        """Write the state the pending batches changed. Their changelog records are awaited,
        and the batches acked, in the background while the next group is applied: waiting
        inline stalled each agent for about 40% of a 20,000 events/s run (180 ms a group).
        With ``wait``, return once every batch applied so far is acked."""
        async with delivering:
            if in_flight:
                await in_flight.pop()
            cache.flush()
            group_events[0] = 0
            if not pending or not acker:
                return
            held = list(pending)
            del pending[:]
            delivery = asyncio.ensure_future(deliver(held))
            if wait:
                await delivery
            else:
                in_flight.append(delivery)

    async def deliver_and_ack() -> None:
        await write_group(wait=True)

    # A revocation clears the agent's queue and waits for every ack: the held ones go first.
    cast(App, app).before_wait_empty.append(deliver_and_ack)

    def group_is_due() -> bool:
        return bool(pending) and time.monotonic() - group_started[0] >= GROUP_LINGER_SECONDS

    async def write_lingering_group() -> None:
        if group_is_due():
            await write_group()

    write_lingering_group.__qualname__ = f"write_lingering_group[{cache.table.name}]"
    app.timer(GROUP_LINGER_SECONDS / 2)(write_lingering_group)

    checked: set[bytes] = set()  # source partitions whose stored shard count was checked

    async def stop_for_shards(key: bytes, conflict: str) -> None:
        message = (
            f"aggregate: the state of source partition {key.decode()} {conflict}, but "
            f"IOC_STATE_SHARDS is {state_shards}: set it to the count the state was written "
            "with (32 before 2026-12-02) or start on new topics. The worker stops rather than "
            "look for entities in the wrong shard."
        )
        log.critical(message)
        # A graceful stop (the other agents write and ack what they hold), then the command
        # reports the setting and exits 2, like any configuration error.
        cast(App, app).fatal_config_error = message
        os.kill(os.getpid(), signal.SIGTERM)

    async def aggregate(stream: faust.StreamT[bytes]) -> AsyncIterator[None]:
        manual = cast(faust.Stream[bytes], stream).noack()
        acker[:] = [manual]
        async for event in manual.events():
            key, value = event.key, event.value
            try:
                batch = unpack_batch(value)
            except (ValueError, KeyError, TypeError) as exc:
                metrics.bad_batches.inc()
                log.error("aggregate: undecodable batch at key %r: %r", key, exc)
            else:
                if cache.progress(key).shards != state_shards and key not in checked:
                    checked.add(key)
                    conflict = cache.shards_conflict(key, state_shards)
                    if conflict is not None:
                        await stop_for_shards(key, conflict)
                        return
                where = BatchAt(event.message.topic, event.message.partition, event.message.offset)
                if cache.progress(key).is_missing_before(batch.start):
                    await repair_patiently(key, batch, where)
                await settle(key, batch, where, value)
                group_events[0] += batch.end - batch.start
                if batch.end > batch.start and batch.since_ms:
                    # Applied is what the wall shows: the lag ends here, not at the ack.
                    lag = time.time() - batch.since_ms / 1000
                    metrics.lag.labels(batch.source).observe(max(0.0, lag))
            if not pending:
                group_started[0] = time.monotonic()
            pending.append(event)
            # faust sends table changes through a buffer whose flush gives up after 0.1 s,
            # and may commit a batch's offset before its changelog records are out: a crash
            # then loses them. So a batch is acked only once they are written and delivered.
            # One write and one wait serve every batch of a group (a broker round trip per
            # batch capped real time at a few hundred batches a second).
            if (
                len(pending) >= GROUP_MAX_BATCHES
                or group_events[0] >= GROUP_MAX_EVENTS
                or (_queue_empty(manual) and group_is_due())
            ):
                await write_group()
            yield None

    return aggregate


def _queue_empty(stream: Any) -> bool:
    """Whether no further batch is already waiting in the agent's queue; True if that cannot
    be told (then every batch waits for its own delivery, as before)."""
    channel = stream.channel
    if not getattr(channel, "is_iterator", False):
        return True
    return bool(channel.empty())


async def _deliver_changelog(app: faust.App) -> None:
    producer = app.producer
    while producer.buffer.size:
        await producer.buffer.flush()
    await asyncio.sleep(0)  # let the buffer hand its last message to aiokafka
    await producer.flush()


def _apply_to_shard(
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


def _bind_ingest(settings: Settings, catalog: Catalog, metrics: IngestMetrics) -> type:
    class BoundIngest(IngestService):
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(settings, catalog, metrics, **kwargs)

    return BoundIngest
