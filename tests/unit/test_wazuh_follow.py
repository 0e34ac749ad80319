"""Following alerts.json on a real file system: growth, partial lines, rotation, truncation,
restart from a checkpoint."""

from __future__ import annotations

import hashlib
import os
import shutil
import time
from pathlib import Path

from ioc.sources.wazuh.checkpoint import load_checkpoint, save_checkpoint
from ioc.sources.wazuh.follow import FileFollower
from ioc.sources.wazuh.lines import Line


def append(path: Path, data: bytes) -> None:
    with path.open("ab") as f:
        f.write(data)


def texts(lines: list[Line]) -> list[bytes]:
    return [line.data for line in lines]


def test_new_complete_lines_are_read_once(tmp_path: Path) -> None:
    log = tmp_path / "alerts.json"
    append(log, b"a\nb\n")
    follower = FileFollower(log, None, from_beginning=True)
    assert texts(follower.read()) == [b"a", b"b"]
    assert follower.read() == []
    append(log, b"c\n")
    assert texts(follower.read()) == [b"c"]


def test_without_a_checkpoint_reading_starts_at_the_end_unless_asked(tmp_path: Path) -> None:
    log = tmp_path / "alerts.json"
    append(log, b"old\n")
    follower = FileFollower(log, None, from_beginning=False)
    append(log, b"new\n")
    assert texts(follower.read()) == [b"new"]


def test_a_partial_last_line_is_read_only_once_its_newline_arrives(tmp_path: Path) -> None:
    log = tmp_path / "alerts.json"
    append(log, b'{"id": "1"}\n{"id": "2", "ru')
    follower = FileFollower(log, None, from_beginning=True)
    assert texts(follower.read()) == [b'{"id": "1"}']
    assert follower.read() == []
    append(log, b'le": 5}\n')
    assert texts(follower.read()) == [b'{"id": "2", "rule": 5}']


def test_after_a_rotation_the_old_file_is_finished_then_the_new_one_read(tmp_path: Path) -> None:
    log = tmp_path / "alerts.json"
    append(log, b"1\n")
    follower = FileFollower(log, None, from_beginning=True)
    assert texts(follower.read()) == [b"1"]
    append(log, b"2\n")
    log.rename(tmp_path / "alerts-2026-11-24.json")
    append(log, b"3\n")
    assert texts(follower.read()) == [b"2", b"3"]
    assert follower.rotations == 1


def test_a_partial_line_left_in_a_rotated_file_is_not_lost(tmp_path: Path) -> None:
    log = tmp_path / "alerts.json"
    append(log, b"1\n2-cut")
    follower = FileFollower(log, None, from_beginning=True)
    assert texts(follower.read()) == [b"1"]
    log.rename(tmp_path / "alerts.old")
    append(log, b"3\n")
    assert texts(follower.read()) == [b"2-cut", b"3"]


def test_a_truncated_file_is_read_again_from_its_start(tmp_path: Path) -> None:
    log = tmp_path / "alerts.json"
    append(log, b"first line\nsecond line\n")
    follower = FileFollower(log, None, from_beginning=True)
    follower.read()
    os.truncate(log, 0)
    append(log, b"after\n")
    assert texts(follower.read()) == [b"after"]
    assert follower.truncations == 1


def consumed(follower: FileFollower) -> list[bytes]:
    lines = follower.read()
    follower.commit(lines)
    return texts(lines)


def stored(follower: FileFollower, checkpoint: Path) -> list[bytes]:
    """Read, commit and checkpoint, as the intake does once the broker acknowledged."""
    lines = follower.read()
    follower.commit(lines)
    save_checkpoint(checkpoint, follower.checkpoint(), time.time_ns())
    return texts(lines)


def restarted(log: Path, checkpoint: Path) -> FileFollower:
    start = load_checkpoint(checkpoint)
    assert start is not None
    return FileFollower(
        log,
        start.files,
        from_beginning=False,
        checkpoint_ns=start.saved_ns,
        exclude=(checkpoint,),
    )


def test_a_restart_from_the_checkpoint_neither_loses_nor_resends(tmp_path: Path) -> None:
    log, checkpoint = tmp_path / "alerts.json", tmp_path / "wazuh.checkpoint"
    append(log, b"1\n2\n")
    first = FileFollower(log, None, from_beginning=True)
    assert stored(first, checkpoint) == [b"1", b"2"]
    first.close()
    append(log, b"3\n")
    assert texts(restarted(log, checkpoint).read()) == [b"3"]


def test_lines_read_but_not_committed_are_read_again_after_a_restart(tmp_path: Path) -> None:
    log, checkpoint = tmp_path / "alerts.json", tmp_path / "wazuh.checkpoint"
    append(log, b"1\n")
    first = FileFollower(log, None, from_beginning=True)
    assert stored(first, checkpoint) == [b"1"]
    append(log, b"2\n")
    assert texts(first.read()) == [b"2"]  # the broker never acknowledged it
    first.close()
    assert texts(restarted(log, checkpoint).read()) == [b"2"]


def test_the_backlog_counts_what_is_not_stored_even_when_read(tmp_path: Path) -> None:
    log = tmp_path / "alerts.json"
    append(log, b"1\n22\n")
    follower = FileFollower(log, None, from_beginning=True)
    lines = follower.read()
    assert follower.backlog_bytes() == 5
    follower.commit(lines[:1])
    assert follower.backlog_bytes() == 3


def test_a_restart_after_a_rotation_finishes_the_rotated_file_first(tmp_path: Path) -> None:
    log, checkpoint = tmp_path / "alerts.json", tmp_path / "wazuh.checkpoint"
    append(log, b"1\n")
    first = FileFollower(log, None, from_beginning=True)
    stored(first, checkpoint)
    first.close()
    append(log, b"2\n")  # written while the intake was down, then rotated away
    log.rename(tmp_path / "alerts-2026-11-24.json")
    append(log, b"3\n")
    assert texts(restarted(log, checkpoint).read()) == [b"2", b"3"]


def test_a_10_mb_line_is_one_cut_line_with_its_length_and_hash(tmp_path: Path) -> None:
    log = tmp_path / "alerts.json"
    long = b"x" * (10 * 1024 * 1024)
    append(log, b"before\n" + long + b"\nafter\n")
    lines = FileFollower(log, None, from_beginning=True, keep_bytes=100).read()
    assert texts(lines) == [b"before", b"x" * 100, b"after"]
    assert (lines[1].length, lines[1].digest) == (len(long), hashlib.sha256(long).hexdigest())
    assert lines[1].end == 7 + len(long) + 1


def test_a_long_line_still_being_written_is_not_cut_before_its_newline(tmp_path: Path) -> None:
    log = tmp_path / "alerts.json"
    append(log, b"y" * 5000)
    follower = FileFollower(log, None, from_beginning=True, max_line_bytes=1000, keep_bytes=10)
    assert follower.read() == []
    append(log, b"y" * 5000 + b"\nz\n")
    lines = follower.read()
    assert [(line.length, line.cut) for line in lines] == [(10_000, True), (1, False)]


def test_a_truncation_then_a_refill_past_the_old_offset_within_one_poll(tmp_path: Path) -> None:
    log = tmp_path / "alerts.json"
    append(log, b"".join(b"old %d\n" % i for i in range(20)))
    follower = FileFollower(log, None, from_beginning=True)
    assert len(follower.read()) == 20
    os.truncate(log, 0)
    append(log, b"".join(b"new line %d\n" % i for i in range(40)))
    assert texts(follower.read()) == [b"new line %d" % i for i in range(40)]
    assert follower.truncations == 1


def test_two_rotations_within_one_poll_lose_no_file(tmp_path: Path) -> None:
    log = tmp_path / "alerts.json"
    append(log, b"a1\n")
    follower = FileFollower(log, None, from_beginning=True)
    assert texts(follower.read()) == [b"a1"]
    append(log, b"a2\n")
    log.rename(tmp_path / "alerts.json.1")
    append(log, b"b1\nb2\n")
    os.utime(log, ns=(time.time_ns() + 10**9,) * 2)  # written after the first one
    (tmp_path / "alerts.json.1").rename(tmp_path / "alerts.json.2")
    log.rename(tmp_path / "alerts.json.1")
    append(log, b"c1\n")
    assert texts(follower.read()) == [b"a2", b"b1", b"b2", b"c1"]
    assert follower.read() == []


def test_copytruncate_while_stopped_finishes_the_copy_then_reads_the_new_lines(
    tmp_path: Path,
) -> None:
    log, checkpoint = tmp_path / "alerts.json", tmp_path / "wazuh.checkpoint"
    append(log, b"".join(b"first %d\n" % i for i in range(5)))
    first = FileFollower(log, None, from_beginning=True)
    stored(first, checkpoint)
    first.close()
    append(log, b"written while stopped\n")
    shutil.copyfile(log, tmp_path / "alerts.json.1")  # logrotate's copytruncate
    os.truncate(log, 0)
    append(log, b"".join(b"after the rotation, line %d\n" % i for i in range(10)))
    again = restarted(log, checkpoint)
    assert texts(again.read()) == [b"written while stopped"] + [
        b"after the rotation, line %d" % i for i in range(10)
    ]


def test_copytruncate_while_running_reads_each_line_once(tmp_path: Path) -> None:
    log = tmp_path / "alerts.json"
    append(log, b"1\n")
    follower = FileFollower(log, None, from_beginning=True)
    assert consumed(follower) == [b"1"]
    append(log, b"2\n")
    shutil.copyfile(log, tmp_path / "alerts.json.1")
    assert consumed(follower) == [b"2"]  # the copy holds it too: not read twice
    os.truncate(log, 0)
    append(log, b"3\n")
    assert consumed(follower) == [b"3"]
    assert consumed(follower) == []


def test_old_rotated_files_are_history_at_the_first_start(tmp_path: Path) -> None:
    log = tmp_path / "alerts.json"
    append(tmp_path / "alerts.json.1", b"yesterday\n")
    append(log, b"today\n")
    assert texts(FileFollower(log, None, from_beginning=True).read()) == [b"today"]


def test_the_checkpoint_file_beside_the_log_is_never_read_as_a_log(tmp_path: Path) -> None:
    log, checkpoint = tmp_path / "alerts.json", tmp_path / "alerts.checkpoint"
    append(log, b"1\n")
    follower = FileFollower(log, None, from_beginning=True, exclude=(checkpoint,))
    assert stored(follower, checkpoint) == [b"1"]
    append(log, b"2\n")
    assert stored(follower, checkpoint) == [b"2"]


def test_a_path_that_cannot_be_read_is_reported_not_skipped_silently(tmp_path: Path) -> None:
    log = tmp_path / "alerts.json"
    log.mkdir()  # not a file: as unreadable as a file without permission
    follower = FileFollower(log, None, from_beginning=True)
    assert follower.read() == []
    assert follower.problem is not None and "cannot read" in follower.problem
