"""What this worker holds of the state: the shards and progress records of the batch
partitions assigned here, for the collectors, the detector's overdue timer and the pages."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from ioc.aggregate import PartitionState
from ioc.aggregate.state import add_sizes
from streams.internals import table_items, table_keys
from streams.keys import batch_key_of, is_shard_key, partition_of_key, source_partition_of_key
from streams.state_cache import PartitionCache


class OwnedState:
    def __init__(
        self,
        caches: Mapping[str, PartitionCache],
        assigned: Callable[[str], set[int]],
        partitions: int,
    ) -> None:
        self.caches = caches
        self._assigned = assigned  # source -> its batch partitions assigned here
        self._partitions = partitions

    def keys(self, source: str) -> Iterator[bytes]:
        """Table keys (shards and progress records) of the batch partitions assigned here."""
        mine = self._assigned(source)
        for key in table_keys(self.caches[source].table):
            if partition_of_key(key, self._partitions) in mine:
                yield key

    def shards(self, source: str) -> Iterator[tuple[bytes, PartitionState]]:
        cache = self.caches[source]
        for key in self.keys(source):
            if is_shard_key(key):
                yield key, cache.state(key)

    def active_shards(self) -> Iterator[tuple[str, str, PartitionState]]:
        """(source, source partition, shard state) of every shard held here."""
        for source in self.caches:
            for key, state in self.shards(source):
                yield source, source_partition_of_key(key), state

    def dossier_states(self) -> Iterator[tuple[str, PartitionState, float]]:
        """(partition, shard state, partition clock now) of the dossier partitions held here."""
        cache, wall = self.caches["dossier"], time.time()
        for key, state in self.shards("dossier"):
            partition = batch_key_of(key)
            now = cache.clock_now(partition, wall)
            if now is not None:
                yield partition.decode(), state, now

    def applied_offsets(self) -> Iterator[tuple[str, str, float]]:
        """(source, source partition, offset applied up to) of the partitions owned here."""
        for source, cache in self.caches.items():
            for key in self.keys(source):
                if not is_shard_key(key):
                    yield source, source_partition_of_key(key), float(cache.progress(key).end)

    def partitions_assigned(self) -> int:
        return sum(len(self._assigned(source)) for source in self.caches)

    def sizes(self) -> dict[str, Any]:
        """What the state held here weighs: per source, the records and serialized bytes of
        each entity kind and of the series, the ids in the dedup index, and the bytes each
        table's store holds."""
        out: dict[str, Any] = {}
        for source, cache in self.caches.items():
            parts: dict[str, list[int]] = {}
            seen_ids = 0
            for key, state in self.shards(source):
                seen_ids += len(cache.shard(key).seen)
                add_sizes(parts, state.sizes())
            tables = {
                table.name: sum(len(k) + len(v) for k, v in table_items(table))
                for table in (cache.table, cache.journal_table, cache.seen_table)
            }
            out[source] = {"parts": parts, "dedup_ids": seen_ids, "table_bytes": tables}
        return out
