"""Following alerts.json on a real file system: growth, partial lines, rotation, truncation,
restart from a checkpoint."""

from __future__ import annotations

import os
from pathlib import Path

from ioc.sources.wazuh.checkpoint import load_checkpoint, save_checkpoint
from ioc.sources.wazuh.follow import FileFollower, Line


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
    assert texts(follower.read()) == [b"2"]
    assert texts(follower.read()) == [b"3"]
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


def test_a_restart_from_the_checkpoint_neither_loses_nor_resends(tmp_path: Path) -> None:
    log, checkpoint = tmp_path / "alerts.json", tmp_path / "wazuh.checkpoint"
    append(log, b"1\n2\n")
    first = FileFollower(log, None, from_beginning=True)
    lines = first.read()
    save_checkpoint(checkpoint, lines[-1].end)
    first.close()
    append(log, b"3\n")
    again = FileFollower(log, load_checkpoint(checkpoint), from_beginning=True)
    assert texts(again.read()) == [b"3"]


def test_a_restart_after_a_rotation_finishes_the_rotated_file_first(tmp_path: Path) -> None:
    log, checkpoint = tmp_path / "alerts.json", tmp_path / "wazuh.checkpoint"
    append(log, b"1\n")
    first = FileFollower(log, None, from_beginning=True)
    save_checkpoint(checkpoint, first.read()[-1].end)
    first.close()
    append(log, b"2\n")  # written while the intake was down, then rotated away
    log.rename(tmp_path / "alerts-2026-11-24.json")
    append(log, b"3\n")
    again = FileFollower(log, load_checkpoint(checkpoint), from_beginning=False)
    assert texts(again.read()) == [b"2"]
    assert texts(again.read()) == [b"3"]


def test_a_line_longer_than_the_limit_is_cut_into_bounded_lines(tmp_path: Path) -> None:
    from ioc.sources.wazuh import follow

    log = tmp_path / "alerts.json"
    append(log, b"x" * (follow.MAX_LINE_BYTES + 10) + b"\nnext\n")
    lines = FileFollower(log, None, from_beginning=True).read()
    assert [len(line.data) for line in lines] == [follow.MAX_LINE_BYTES, 10, 4]
