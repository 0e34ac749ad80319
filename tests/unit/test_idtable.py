"""Removals from the dedup index's table keep every other key reachable, also in clusters that
wrap around the end of the table (64 slots while small: home slot = low 6 bits)."""

from __future__ import annotations

from ioc.aggregate.idtable import IdTable

TAG = 7


def test_a_key_at_the_start_stays_put_when_the_tables_last_slot_is_freed() -> None:
    table = IdTable()
    table.put(63, TAG)  # home 63
    table.put(64, TAG)  # home 0
    table.remove(63, TAG)
    assert table.get(64) == TAG and table.get(63) is None


def test_a_cluster_wrapped_past_the_end_moves_back_when_its_head_is_freed() -> None:
    table = IdTable()
    for key in (63, 127, 191):  # all home 63: slots 63, 0, 1
        table.put(key, TAG)
    table.remove(63, TAG)
    assert [table.get(k) for k in (63, 127, 191)] == [None, TAG, TAG]
    assert len(table) == 2


def test_a_key_refiled_under_a_newer_tag_is_not_forgotten_with_the_old_one() -> None:
    table, newer = IdTable(), 8
    table.put(5, TAG)
    table.put(5, newer)
    table.remove(5, TAG)
    assert table.get(5) == newer


def test_keys_equal_in_their_low_64_bits_are_told_apart() -> None:
    table, other = IdTable(), 9
    table.put(7, TAG)
    table.put((1 << 64) | 7, other)
    assert table.get(7) == TAG and table.get((1 << 64) | 7) == other


def test_the_table_grows_and_shrinks_and_keeps_its_keys() -> None:
    table = IdTable()
    for key in range(1000):
        table.put(key * 0x9E3779B97F4A7C15, TAG)
    for key in range(990):
        table.remove(key * 0x9E3779B97F4A7C15, TAG)
    table.shrink_to_fit()
    assert len(table) == 10
    assert all(table.get(k * 0x9E3779B97F4A7C15) == TAG for k in range(990, 1000))


def test_keys_filed_together_are_kept_when_the_table_grows_halfway() -> None:
    table = IdTable()
    keys = [key * 0x9E3779B97F4A7C15 for key in range(1000)]  # 64 slots to start: grows 5 times
    table.put_all(keys, TAG)
    table.remove_all(keys[:990], TAG)
    assert len(table) == 10
    assert [table.get(k) for k in keys[985:]] == [None] * 5 + [TAG] * 10
