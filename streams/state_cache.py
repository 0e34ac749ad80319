"""The aggregator's shard store: the parsed state, journal and dedup index of each state
shard, and the progress of each source partition, over the three state tables of a source.
The tables are the truth; this is what is parsed of them, reused while they still hold the
records it was read from."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ioc.aggregate import PartitionProgress, PartitionState, SeenEvents
from ioc.aggregate.journal import DELTA_SLOTS, ShardJournal, read_shard
from streams.internals import table_items, table_keys
from streams.keys import delta_key, seen_key, seen_prefix, shard_number, shards_prefix


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
        self._items: dict[bytes, Shard] = {}
        self._progress: dict[bytes, tuple[bytes | None, PartitionProgress]] = {}
        self._clock_walls: dict[bytes, float] = {}
        # Changed since the last flush: shards, and the progress of their source partitions.
        self._dirty: dict[bytes, Shard] = {}
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

    def shard(self, key: bytes) -> Shard:
        hit = self._items.get(key)
        if hit is not None and _same(hit.stored, self._stored(key, hit.journal.seq)):
            return hit
        deltas = (self.journal_table.get(delta_key(key, slot)) for slot in range(DELTA_SLOTS))
        state, journal = read_shard(self.table.get(key), deltas)
        shard = Shard(state, journal, self._stored(key, journal.seq), self._seen_loader(key))
        self._items[key] = shard
        return shard

    def _seen_loader(self, key: bytes) -> Callable[[], SeenEvents]:
        def load() -> SeenEvents:
            seen = SeenEvents(self.window_seconds)
            prefix = seen_prefix(key)
            for stored_key, data in table_items(self.seen_table):
                if stored_key.startswith(prefix):
                    seen.add_record(stored_key.decode(), data)
            return seen

        return load

    def changed(self, key: bytes, shard: Shard, batch_start: int, fresh: list[Any]) -> None:
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
                written = seen_key(key, shard.seen_start)
                record = SeenEvents.encode(state.max_event_ts, shard.fresh)
                self.seen_table[written] = record
                seen.add_record(written.decode(), record)
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

    def write(self, key: bytes, shard: Shard) -> None:
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
        prefix = shards_prefix(partition_key)
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
        numbers = (shard_number(partition_key, k) for k in table_keys(self.table))
        highest = max((n for n in numbers if n is not None), default=-1)
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
class Shard:
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
