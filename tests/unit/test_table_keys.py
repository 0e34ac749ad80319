"""The key grammar: every table and topic key starts with its batch key, so each names the
source partition (and so the changelog partition) that owns it."""

from __future__ import annotations

import pytest

from streams.keys import (
    SourcePartition,
    batch_key,
    batch_key_of,
    delta_key,
    is_shard_key,
    partition_of_key,
    seen_key,
    seen_prefix,
    shard_key,
    shard_number,
    source_partition_of_key,
)

BATCH = batch_key("dossier", 13)
SHARD = shard_key(BATCH, 7)


def test_the_keys_read_as_documented() -> None:
    assert (BATCH, SHARD) == (b"dossier:13", b"dossier:13#7")
    assert delta_key(SHARD, 5) == b"dossier:13#7~5"
    assert seen_key(SHARD, 812) == b"dossier:13#7/812"


@pytest.mark.parametrize("key", [BATCH, SHARD, delta_key(SHARD, 5), seen_key(SHARD, 812)])
def test_every_key_names_its_source_partition(key: bytes) -> None:
    assert SourcePartition.of(key) == SourcePartition("dossier", 13)
    assert batch_key_of(key) == BATCH
    assert source_partition_of_key(key) == "13"
    assert partition_of_key(key, 4) == 13 % 4


def test_only_shard_keys_are_shard_keys_of_the_state_table() -> None:
    assert is_shard_key(SHARD)
    assert not is_shard_key(BATCH)


def test_a_shard_number_is_read_back_only_under_its_own_partition() -> None:
    assert shard_number(BATCH, SHARD) == 7
    assert shard_number(batch_key("dossier", 1), shard_key(batch_key("dossier", 13), 7)) is None
    assert shard_number(batch_key("dossier", 1), shard_key(batch_key("dossier", 1), 30)) == 30


def test_a_seen_key_is_under_its_shards_prefix_and_no_other() -> None:
    assert seen_key(SHARD, 0).startswith(seen_prefix(SHARD))
    assert not seen_key(shard_key(BATCH, 70), 0).startswith(seen_prefix(SHARD))
