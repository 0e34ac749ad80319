"""The aggregator's cache of parsed state: what it tells about the stored shard count, and
what it reads when."""

from __future__ import annotations

from typing import Any

from ioc.aggregate import PartitionProgress, SeenEvents
from ioc.aggregate.dedup import key_of
from streams.state_cache import PartitionCache


class _Table(dict[bytes, Any]):
    @property
    def data(self) -> dict[bytes, Any]:
        return self


def cache_with(state: dict[bytes, Any]) -> PartitionCache:
    return PartitionCache(_Table(state), _Table(), _Table(), window_seconds=900)


def test_state_written_with_another_shard_count_is_a_conflict() -> None:
    cache = cache_with({b"soc:1": PartitionProgress(end=5, shards=32).to_bytes()})
    assert cache.shards_conflict(b"soc:1", 8) == "was written with 32 state shards"
    assert cache.shards_conflict(b"soc:1", 32) is None


def test_older_state_with_a_shard_beyond_the_count_is_a_conflict() -> None:
    cache = cache_with({b"soc:1": b"[5,0,0.0,0,0.0]", b"soc:1#17": b"{}", b"soc:2#30": b"{}"})
    assert cache.shards_conflict(b"soc:1", 8) == "has a state shard 17, so at least 18 shards"
    assert cache.shards_conflict(b"soc:1", 32) is None


def test_a_partition_without_state_takes_any_shard_count() -> None:
    assert cache_with({}).shards_conflict(b"soc:1", 8) is None


class _CountingTable(_Table):
    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.scans = 0

    @property
    def data(self) -> dict[bytes, Any]:
        self.scans += 1
        return self


def test_a_shards_dedup_index_is_read_only_when_a_batch_needs_it() -> None:
    seen_table = _CountingTable({b"soc:1#3/0": SeenEvents.encode(1000.0, [(key_of("x"), 0)])})
    cache = PartitionCache(_Table(), _Table(), seen_table, window_seconds=900)
    cache.state(b"soc:1#3")  # what a scrape reads
    assert seen_table.scans == 0
    assert cache.shard(b"soc:1#3").seen.is_duplicate(key_of("x"), 7)
    assert seen_table.scans == 1
