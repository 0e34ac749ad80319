"""The hot path's pure-Python stages, timed offline: what a worker spends per event before
any Kafka I/O, stage by stage.

The same simulated backlog as ``ioc bench`` (seed, province time, partitions by the key
contract) goes through the functions the worker calls, in the worker's order and batch
sizes, without a broker: validate and project (``EventValidator.fact``), route (entity key,
home partition, state shard), pack and unpack the batch, apply it to the sharded state with
the dedup index, file the applied ids (what a group write does), and serialize what changed.

The sum is a ceiling: one process cannot go faster than this on a core, whatever Kafka
costs on top (``ioc bench`` measures that with the broker). Compare stages with each other
and across commits, on the same machine and run.
"""

from __future__ import annotations

import gc
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from benchmarks.clock import BENCH_CLOCK_START
from ioc.aggregate.dedup import SeenEvents
from ioc.aggregate.state import Lookups, PartitionState, apply_batch, late_offsets_of
from ioc.catalog import load_catalog
from ioc.config import load_settings
from ioc.contracts import SOURCES, Source
from ioc.contracts.keys import partition_for
from ioc.ingest import unpack_batch
from ioc.ingest.batch import Batch, pack_partition, shard_of
from ioc.ingest.validate import EventValidator, Rejected
from ioc.metrics import spec
from ioc.simulate import Simulator
from streams.keys import batch_key, seen_key, shard_key
from streams.worker import GC_THRESHOLDS

# Messages per source partition and poll: what a backlog poll brings (streams/ingest.py asks
# for up to 50,000 over all partitions).
POLL_MESSAGES = 5000
STAGES = ("validate", "route", "pack", "unpack", "apply", "file ids", "serialize changes")


def stage_costs(events: int, partitions: int = 4) -> tuple[dict[str, float], int]:
    """Seconds spent in each stage over ``events`` simulated events, and the events applied."""
    catalog = load_catalog()
    settings = load_settings(partitions=partitions)
    start = BENCH_CLOCK_START - timedelta(seconds=events / 1000.0 + 5)
    by_partition: dict[tuple[str, int], list[bytes]] = defaultdict(list)
    for n, emitted in enumerate(Simulator(catalog, seed=42, start=start, rate=1000.0).events()):
        if n >= events:
            break
        home = partition_for(emitted.key.encode(), partitions)
        by_partition[(emitted.source, home)].append(emitted.event.model_dump_json().encode())
    # The worker meets these keys for the first time (the producers hashed them elsewhere).
    partition_for.cache_clear()
    now = BENCH_CLOCK_START.timestamp()
    sources: tuple[Source, ...] = SOURCES
    validators: dict[str, EventValidator] = {
        s: EventValidator.for_settings(s, catalog, settings) for s in sources
    }
    lookups = Lookups.from_catalog(catalog, late_grace_seconds=settings.late_grace_seconds)
    shards = settings.state_shards
    spent = dict.fromkeys(STAGES, 0.0)

    @contextmanager
    def timing(stage: str) -> Iterator[None]:
        began = time.perf_counter()
        yield
        spent[stage] += time.perf_counter() - began

    # The worker's collector settings, and the set-up's objects out of its sight.
    gc.collect()
    gc.freeze()
    old_thresholds = gc.get_threshold()
    gc.set_threshold(*GC_THRESHOLDS)
    try:
        applied = 0.0
        for (source, partition), messages in by_partition.items():
            validator = validators[source]
            states = [PartitionState() for _ in range(shards)]
            seens = [SeenEvents(settings.dedup_window_seconds) for _ in range(shards)]
            clock = 0.0
            for first in range(0, len(messages), POLL_MESSAGES):
                with timing("validate"):
                    verdicts = [validator.fact(m, now) for m in messages[first:][:POLL_MESSAGES]]
                with timing("route"):
                    rows = _route(verdicts, first, partitions, shards)
                with timing("pack"):
                    packed = list(
                        pack_partition(
                            source, partition, rows,
                            max_events=settings.batch_max_events,
                            max_bytes=settings.batch_max_bytes,
                        )
                    )  # fmt: skip
                for data in packed:
                    with timing("unpack"):
                        batch = unpack_batch(data)
                    with timing("apply"):
                        fresh, clock = _apply(batch, clock, states, seens, lookups)
                    with timing("file ids"):
                        _file(batch, fresh, states, seens)
                    with timing("serialize changes"):
                        for state in states:
                            state.changes_to_bytes()
            applied += sum(
                s.counters.get(spec.EVENTS_PROCESSED.name, {}).get(source, 0) for s in states
            )
    finally:
        gc.set_threshold(*old_thresholds)
        gc.unfreeze()
    return spent, int(applied)


def _route(
    verdicts: list[Any], first: int, partitions: int, shards: int
) -> list[tuple[int, int, Any, str | None]]:
    """The ingest's rows: (offset, shard, fact, dead-letter reason)."""
    rows: list[tuple[int, int, Any, str | None]] = []
    for offset, verdict in enumerate(verdicts, first):
        if isinstance(verdict, Rejected):
            rows.append((offset, 0, None, verdict.reason))
            continue
        entity = verdict[0].encode()
        partition_for(entity, partitions)  # every event is checked against its home
        rows.append((offset, shard_of(entity, shards), verdict[1], None))
    return rows


def _apply(
    batch: Batch,
    clock: float,
    states: list[PartitionState],
    seens: list[SeenEvents],
    lookups: Lookups,
) -> tuple[dict[int, list[tuple[int, int]]], float]:
    late, clock = late_offsets_of(batch, clock, lookups.late_grace_seconds)
    fresh = {}
    for shard, part in batch.by_shard().items():
        fresh[shard] = apply_batch(states[shard], part, lookups, seens[shard], late).fresh
    return fresh, clock


def _file(
    batch: Batch,
    fresh: dict[int, list[tuple[int, int]]],
    states: list[PartitionState],
    seens: list[SeenEvents],
) -> None:
    """File the applied ids as a group write does (``PartitionCache.flush``: the packed
    record, then the index), without the table."""
    for shard, pairs in fresh.items():
        if pairs:
            key = seen_key(shard_key(batch_key(batch.source, batch.partition), shard), batch.start)
            seens[shard].add(key.decode(), states[shard].max_event_ts, pairs)


def main(events: int = 200_000, partitions: int = 4) -> int:
    spent, applied = stage_costs(events, partitions)
    total = sum(spent.values())
    print(f"core stages, offline, {events:,} simulated events ({applied:,} applied):")
    for stage in STAGES:
        print(f"  {stage:<18} {spent[stage] / events * 1e6:6.2f} µs/event "
              f"{spent[stage] / total:6.1%}")  # fmt: skip
    print(f"  {'all':<18} {total / events * 1e6:6.2f} µs/event: at most "
          f"{events / total:,.0f} events/s per process before any Kafka I/O")  # fmt: skip
    return 0
