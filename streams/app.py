"""Build the faust app from settings: topics, the state table, the agent, ingest and /metrics."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any, cast

import faust
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    ProcessCollector,
    generate_latest,
)

from ioc.aggregate import PartitionState, SeenEvents, apply_batch
from ioc.aggregate.state import Lookups, late_offsets_of
from ioc.catalog import Catalog, load_catalog
from ioc.config import Settings
from ioc.ingest import Batch, unpack_batch
from ioc.metrics.collector import StateCollector
from streams.alerts import Alerting
from streams.ingest import IngestMetrics, IngestService
from streams.topics import SOURCES, partition_of_key, shard_key
from streams.transport import App

log = logging.getLogger(__name__)


class PartitionCache:
    """Parsed state and dedup index of each source partition, reused while the table still
    holds the same bytes object.

    The tables are the truth: after recovery or a rebalance the stored object differs, and the
    state is parsed and the dedup index rebuilt from the ``seen`` table again.
    """

    def __init__(self, table: Any, seen_table: Any, window_seconds: float) -> None:
        self.table = table
        self.seen_table = seen_table
        self.window_seconds = window_seconds
        self._items: dict[bytes, tuple[bytes | None, PartitionState, SeenEvents]] = {}
        self._clocks: dict[bytes, tuple[float, int, float, int]] = {}
        self._clock_walls: dict[bytes, float] = {}

    def get(self, key: bytes) -> tuple[PartitionState, SeenEvents]:
        stored = self.table.get(key)
        hit = self._items.get(key)
        if hit is not None and hit[0] is stored:
            return hit[1], hit[2]
        state = PartitionState.from_bytes(stored)
        # Recovered or moved: the partition clock is recomputed from the stored shards.
        self._clocks.pop(key.split(b"#", 1)[0], None)
        seen = SeenEvents(self.window_seconds)
        prefix = key + b"/"
        for seen_key, data in list(self.seen_table.data.items()):
            if seen_key.startswith(prefix):
                seen.load(seen_key.decode(), data)
        self._items[key] = (stored, state, seen)
        return state, seen

    def put(self, key: bytes, stored: bytes, state: PartitionState, seen: SeenEvents) -> None:
        self._items[key] = (stored, state, seen)

    def stream_clock(self, partition_key: bytes, batch_start: int) -> tuple[float, int]:
        """The source partition's event-time clock for a batch starting at ``batch_start``,
        and the offset from which the batch must move it."""
        clock = self._clocks.get(partition_key)
        if clock is None:
            # After recovery: the latest batch's clocks, as its shards stored them.
            prefix = partition_key + b"#"
            states = [self.get(k)[0] for k in list(self.table.data.keys()) if k.startswith(prefix)]
            latest = max(states, key=lambda st: st.clock_offset, default=None)
            if latest is None:
                clock = (0.0, 0, 0.0, 0)
            else:
                clock = (latest.stream_ts, latest.clock_offset, latest.stream_ts_after,
                         latest.clock_end)  # fmt: skip
            self._clocks[partition_key] = clock
        before, start, after, end = clock
        if batch_start >= end:
            return after, end
        return before, start  # a replay of the latest batch's range

    def set_stream_clock(
        self, partition_key: bytes, before: float, start: int, after: float, end: int
    ) -> None:
        self._clocks[partition_key] = (before, start, after, end)
        self._clock_walls[partition_key] = time.time()

    def clock_now(self, partition_key: bytes, wall: float) -> float | None:
        """The partition's event clock, moved on by the wall clock since its last batch."""
        clock = self._clocks.get(partition_key)
        if clock is None:
            return None
        return clock[2] + max(0.0, wall - self._clock_walls.get(partition_key, wall))


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


def create_app(settings: Settings, catalog: Catalog | None = None) -> faust.App:
    catalog = catalog or load_catalog(settings.catalog_path)
    app = App(
        settings.app_id,
        fetch_max_wait_ms=settings.fetch_max_wait_ms,
        client_kwargs={
            "bootstrap_servers": settings.bootstrap_servers(),
            **settings.kafka_client_kwargs(),
        },
        broker=settings.faust_broker(),
        broker_credentials=_credentials(settings),
        store="memory://",
        datadir=str(settings.data_dir),
        topic_partitions=settings.partitions,
        topic_replication_factor=settings.replication_factor,
        table_standby_replicas=0,
        consumer_auto_offset_reset="earliest",
        # Seconds-fast group joins on a single broker (faust's defaults take ~30 s).
        broker_session_timeout=10.0,
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
    replayed = Counter(
        "ioc_batch_offsets_replayed",
        "Source offsets seen again in replayed batches and ignored by the watermark.",
        registry=registry,
    )
    bad_batches = Counter(
        "ioc_batches_undecodable",
        "Messages on the internal batch topic that could not be decoded (skipped).",
        registry=registry,
    )

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
        # bytes key and value types make faust use the raw codec for the changelog too.
        table = app.Table(
            f"{source}-state", key_type=bytes, value_type=bytes, partitions=settings.partitions
        )
        seen_table = app.Table(
            f"{source}-seen", key_type=bytes, value_type=bytes, partitions=settings.partitions
        )
        cache = PartitionCache(table, seen_table, settings.dedup_window_seconds)
        caches[source] = cache
        app.agent(topic, name=f"aggregate_{source}")(
            _aggregator(app, cache, lookups, replayed, bad_batches, alerting)
        )

    def owned(cache: PartitionCache, source: str) -> Iterator[tuple[bytes, PartitionState]]:
        assigned = app.consumer.assignment() if app.consumer is not None else set()
        topic_name = settings.topics.batch_topic(source)
        mine = {tp.partition for tp in assigned if tp.topic == topic_name}
        for key in list(cache.table.data.keys()):
            if partition_of_key(key, settings.partitions) in mine:
                yield key, cache.get(key)[0]

    def active_states() -> Iterator[PartitionState]:
        for source, cache in caches.items():
            for _, state in owned(cache, source):
                yield state

    registry.register(StateCollector(active_states, lookups))

    @app.page("/metrics")
    async def metrics(web: Any, request: Any) -> Any:
        return web.bytes(generate_latest(registry), content_type=CONTENT_TYPE_LATEST.split(";")[0])

    app.service(_bind_ingest(settings, catalog, ingest_metrics))
    return app


def _aggregator(
    app: faust.App,
    cache: PartitionCache,
    lookups: Lookups,
    replayed: Counter,
    bad_batches: Counter,
    alerting: Alerting,
) -> Callable[[faust.StreamT[bytes]], AsyncIterator[None]]:
    """The agent of one source: apply each batch to its partition's state.

    Order of the writes: the batch's event ids (``seen`` table) first, then the state with its
    watermark. After a crash between the two, the batch is replayed and its ids are found at
    the same offsets: a replay, not duplicates.

    Acks are manual: faust acks an event in a ``finally`` when the agent is cancelled mid-batch
    (on shutdown), and commits that offset while the batch's changelog records may still sit
    in its producer buffer. A batch is acked only once its changelog records are delivered.
    """

    async def aggregate(stream: faust.StreamT[bytes]) -> AsyncIterator[None]:
        manual = cast(faust.Stream[bytes], stream).noack()
        async for event in manual.events():
            key, value = event.key, event.value
            try:
                batch = unpack_batch(value)
            except (ValueError, KeyError, TypeError) as exc:
                bad_batches.inc()
                log.error("aggregate: undecodable batch at key %r: %r", key, exc)
                await manual.ack(event)
                continue
            before, start = cache.stream_clock(key, batch.start)
            late, after = late_offsets_of(batch, before, lookups.late_grace_seconds, start)
            clocks = (before, start, after, batch.end)
            accounted = 0
            fresh: set[int] = set()
            for shard, part in batch.by_shard().items():
                accounted += _apply_to_shard(
                    cache, shard_key(key, shard), part, lookups, late, clocks, fresh
                )
            if accounted < batch.end - batch.start:
                replayed.inc(batch.end - batch.start - accounted)
            cache.set_stream_clock(key, *clocks)
            if fresh:
                await alerting.send_signal(key, (r for r in batch.events if r[0] in fresh))
            # faust sends table changes through a buffer whose flush gives up after 0.1 s,
            # and may commit this batch's offset before its changelog records are out: a
            # crash then loses them. Wait until they are delivered before taking the next.
            await _deliver_changelog(app)
            await manual.ack(event)
            yield None

    return aggregate


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
    clocks: tuple[float, int, float, int],
    fresh: set[int],
) -> int:
    """Apply one shard's part of a batch; return the offsets it newly accounted for, and add
    the offsets of the events it applied to ``fresh``."""
    state, seen = cache.get(key)
    result = apply_batch(state, batch, lookups, seen, late)
    fresh.update(offset for _, offset in result.fresh)
    state.stream_ts, state.clock_offset, state.stream_ts_after, state.clock_end = clocks
    if result.fresh:
        seen_key = key + b"/%d" % batch.start
        cache.seen_table[seen_key] = SeenEvents.encode(state.max_event_ts, result.fresh)
        seen.add(seen_key.decode(), state.max_event_ts, result.fresh)
    for old in seen.expire(state.max_event_ts):
        cache.seen_table.pop(old.encode(), None)
    if result.offsets or result.fresh:
        stored = state.to_bytes()
        cache.table[key] = stored
        cache.put(key, stored, state, seen)
    return result.offsets


def _bind_ingest(settings: Settings, catalog: Catalog, metrics: IngestMetrics) -> type:
    class BoundIngest(IngestService):
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(settings, catalog, metrics, **kwargs)

    return BoundIngest
