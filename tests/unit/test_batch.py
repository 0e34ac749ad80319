from __future__ import annotations

import itertools

import pytest

from ioc.config import ConfigError, load_settings
from ioc.ingest import Fact, empty_batch, pack_partition, unpack_batch
from ioc.ingest.batch import FORWARDED, shard_of


def rows(n: int, dead_every: int = 0) -> list[tuple[int, int, Fact | None, str | None]]:
    out: list[tuple[int, int, Fact | None, str | None]] = []
    for offset in range(100, 100 + n):
        if dead_every and offset % dead_every == 0:
            out.append((offset, 0, None, "invalid_json"))
        else:
            out.append((offset, offset % 3, ("s", f"e-{offset}", "resolved"), None))
    return out


def test_batch_round_trips_events_and_dead_letters() -> None:
    (packed,) = pack_partition("soc", 3, rows(10, dead_every=4), max_events=100, max_bytes=1 << 20)
    batch = unpack_batch(packed)
    assert (batch.source, batch.partition, batch.start, batch.end) == ("soc", 3, 100, 110)
    assert [o for o, _ in batch.dead_letters] == [100, 104, 108]
    assert batch.events[0] == [101, "s", "e-101", "resolved"]


def test_every_offset_of_the_range_is_an_event_or_a_dead_letter() -> None:
    (packed,) = pack_partition("soc", 0, rows(50, dead_every=3), max_events=100, max_bytes=1 << 20)
    batch = unpack_batch(packed)
    offsets = sorted([row[0] for row in batch.events] + [row[0] for row in batch.dead_letters])
    assert offsets == list(range(batch.start, batch.end))


def test_split_batches_cover_contiguous_ranges() -> None:
    batches = [
        unpack_batch(b)
        for b in pack_partition("dossier", 1, rows(25), max_events=10, max_bytes=1 << 20)
    ]
    assert [(b.start, b.end) for b in batches] == [(100, 110), (110, 120), (120, 125)]


def test_byte_limit_splits_a_batch() -> None:
    batches = list(pack_partition("uptime", 0, rows(100), max_events=1000, max_bytes=640))
    assert len(batches) > 1
    assert sum(len(unpack_batch(b).events) for b in batches) == 100


def test_no_records_give_no_batch() -> None:
    assert list(pack_partition("soc", 0, [], max_events=10, max_bytes=1000)) == []


def test_split_by_shard_keeps_the_range_and_sends_dead_letters_to_shard_zero() -> None:
    (packed,) = pack_partition("soc", 0, rows(12, dead_every=5), max_events=100, max_bytes=1 << 20)
    parts = unpack_batch(packed).by_shard()
    assert {(b.start, b.end) for b in parts.values()} == {(100, 112)}
    assert [r[0] for r in parts[1].events] == [103, 106, 109]
    assert [d[0] for d in parts[0].dead_letters] == [100, 105, 110]
    assert all(not b.dead_letters for shard, b in parts.items() if shard != 0)


def test_shard_of_a_key_is_stable() -> None:
    assert shard_of(b"so-tc-d0001", 32) == shard_of(b"so-tc-d0001", 32) < 32
    assert shard_of(None, 32) == 0


def test_an_empty_batch_covers_no_offsets_at_its_position() -> None:
    batch = unpack_batch(empty_batch("soc", 3, 1500))
    assert (batch.start, batch.end, batch.events, batch.dead_letters) == (1500, 1500, [], [])


def _large_alerts(n: int, groups_bytes: int) -> list[tuple[int, int, Fact | None, str | None]]:
    """SOC alert facts with long rule groups, as a valid 60 KB alert makes them."""
    group = "g" * 100
    groups = [group] * (groups_bytes // (len(group) + 3))
    fact: Fact = ("a", "e", 1.7e9, "medium", "desktop", "so-tc", "a1", "ag", [], groups, 7, "1")
    return [(offset, offset % 32, fact, None) for offset in range(n)]


def test_large_events_are_split_under_apache_kafkas_default_message_limit() -> None:
    kafka_default = 1_048_588  # message.max.bytes of Apache Kafka
    packed = list(
        pack_partition("soc", 0, _large_alerts(84, 60_000), max_events=5000, max_bytes=900 * 1024)
    )
    assert max(len(b) for b in packed) <= 900 * 1024 < kafka_default
    assert sum(len(unpack_batch(b).events) for b in packed) == 84


def test_every_split_batch_is_within_the_byte_limit_and_ranges_stay_contiguous() -> None:
    limit = 200_000
    packed = list(pack_partition("soc", 0, _large_alerts(40, 30_000), max_events=5000,
                                 max_bytes=limit))  # fmt: skip
    batches = [unpack_batch(b) for b in packed]
    assert all(len(b) <= limit for b in packed)
    assert len(batches) > 1
    assert batches[0].start == 0 and batches[-1].end == 40
    assert all(prev.end == nxt.start for prev, nxt in itertools.pairwise(batches))


def test_a_record_that_alone_exceeds_the_limit_is_refused() -> None:
    with pytest.raises(ValueError, match="exceeds 10000"):
        list(pack_partition("soc", 0, _large_alerts(1, 20_000), max_events=10, max_bytes=10_000))


def test_settings_keep_every_valid_message_packable() -> None:
    with pytest.raises(ConfigError, match="IOC_BATCH_MAX_BYTES"):
        load_settings(max_message_bytes=600_000, batch_max_bytes=900 * 1024)


def test_forwarded_offsets_round_trip_and_complete_the_range() -> None:
    records = rows(6)
    records[2] = (102, 0, None, FORWARDED)
    (packed,) = pack_partition("soc", 0, records, max_events=100, max_bytes=1 << 20)
    batch = unpack_batch(packed)
    assert batch.forwarded == [102]
    offsets = sorted([row[0] for row in batch.events] + batch.forwarded)
    assert offsets == list(range(batch.start, batch.end))


def test_split_by_shard_sends_forwarded_offsets_to_shard_zero() -> None:
    records = rows(6)
    records[1] = (101, 0, None, FORWARDED)
    (packed,) = pack_partition("soc", 0, records, max_events=100, max_bytes=1 << 20)
    parts = unpack_batch(packed).by_shard()
    assert parts[0].forwarded == [101]
    assert all(not b.forwarded for shard, b in parts.items() if shard != 0)


def test_a_batch_without_forwarded_offsets_reads_as_before() -> None:
    old = b'{"s":"soc","p":0,"o":[5,6],"e":[],"k":[],"d":[[5,"invalid_json"]]}'
    assert unpack_batch(old).forwarded == []


def test_a_failed_batch_turns_its_unapplied_shards_events_into_dead_letters() -> None:
    # Shards are offset % 3 (shard 1, applied: 103, 106); 100, 104, 108 are dead letters.
    records = rows(9, dead_every=4)
    records[2] = (102, 0, None, FORWARDED)
    (packed,) = pack_partition("soc", 0, records, max_events=100, max_bytes=1 << 20)
    failed = unpack_batch(packed).as_failed(done={1})
    assert failed.events == []
    assert failed.forwarded == [102]
    assert failed.dead_letters == [
        [100, "invalid_json"], [101, "apply_failed"], [104, "invalid_json"],
        [105, "apply_failed"], [107, "apply_failed"],
        [108, "invalid_json"],
    ]  # fmt: skip
    assert (failed.start, failed.end) == (100, 109)


def test_every_split_batch_carries_the_polls_first_timestamp() -> None:
    packed = pack_partition("soc", 0, rows(30), max_events=10, max_bytes=1 << 20, since_ms=1234)
    assert [unpack_batch(b).since_ms for b in packed] == [1234, 1234, 1234]
