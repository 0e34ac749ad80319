"""A source partition's progress: gap detection and the clock that judges lateness."""

from __future__ import annotations

from ioc.aggregate import PartitionProgress

APPLIED = PartitionProgress(
    end=1000, batch_offset=4, clock_before=50.0, clock_start=600, clock_after=80.0
)


def test_nothing_is_missing_before_the_next_contiguous_batch() -> None:
    assert not APPLIED.is_missing_before(1000)


def test_a_batch_starting_above_the_applied_end_reveals_a_gap() -> None:
    assert APPLIED.is_missing_before(1001)


def test_a_replayed_batch_reveals_no_gap() -> None:
    assert not APPLIED.is_missing_before(600)


def test_before_any_batch_only_a_start_at_zero_is_contiguous() -> None:
    assert not PartitionProgress().is_missing_before(0)
    assert PartitionProgress().is_missing_before(5)


def test_the_next_batch_is_judged_by_the_clock_after_the_latest() -> None:
    assert APPLIED.clock_for(1000) == (80.0, 1000)


def test_a_replay_of_the_latest_batch_is_judged_as_its_first_run_was() -> None:
    assert APPLIED.clock_for(700) == (50.0, 600)


def test_applying_the_next_batch_moves_progress_to_its_end() -> None:
    moved = APPLIED.after_batch(1500, 5, (80.0, 1000), 95.0)
    assert moved == PartitionProgress(1500, 5, 80.0, 1000, 95.0)


def test_a_replay_within_the_applied_range_leaves_progress_unchanged() -> None:
    assert APPLIED.after_batch(1000, 9, (50.0, 600), 80.0) is APPLIED


def test_progress_survives_serialization() -> None:
    assert PartitionProgress.from_bytes(APPLIED.to_bytes()) == APPLIED


def test_no_stored_progress_reads_as_nothing_applied() -> None:
    assert PartitionProgress.from_bytes(None) == PartitionProgress()


def test_the_state_shard_count_survives_serialization_and_later_batches() -> None:
    progress = PartitionProgress(end=10, shards=8)
    assert PartitionProgress.from_bytes(progress.to_bytes()).shards == 8
    assert progress.after_batch(20, 1, (0.0, 10), 5.0).shards == 8


def test_progress_written_before_the_shard_count_was_kept_reads_as_unknown() -> None:
    assert PartitionProgress.from_bytes(b"[1000,4,50.0,600,80.0]") == APPLIED
    assert APPLIED.shards == 0
