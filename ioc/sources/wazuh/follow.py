"""Follow a log file that grows, rotates and is truncated: every complete line once.

The position is (device, inode, offset): the next unread byte of one file. A partial last
line stays unread until its newline arrives. When the path names another file (rotation),
the old one is read to its end first: through the handle still open, or, after a restart,
by finding the file with the checkpoint's inode beside the new one (Wazuh and logrotate
rename in place). When the file is shorter than the offset, it was truncated: reading
restarts at 0, and the truncation is counted.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

# A longer run of bytes without a newline is taken as a line of its own (and dead-lettered
# as not JSON): memory stays bounded whatever is written to the file.
MAX_LINE_BYTES = 1 << 20


@dataclass(frozen=True, slots=True)
class Position:
    device: int
    inode: int
    offset: int


@dataclass(frozen=True, slots=True)
class Line:
    data: bytes  # without the newline
    offset: int  # where the line starts in its file
    end: Position  # the position after it: committed once the line is stored


class FileFollower:
    def __init__(self, path: Path, start: Position | None, *, from_beginning: bool) -> None:
        self.path = path
        self.rotations = 0
        self.truncations = 0
        self._file: BinaryIO | None = None
        self._position: Position | None = None
        self._resume(start, from_beginning)

    def _resume(self, start: Position | None, from_beginning: bool) -> None:
        current = self._stat()
        if start is not None and current is not None and _same_file(start, current):
            self._open(self.path, start)
        elif start is not None and (rotated := self._rotated_file(start)) is not None:
            self._open(rotated, start)  # read the rest of it, then move on to the path
        elif current is not None:
            offset = 0 if from_beginning or start is not None else current.st_size
            self._open(self.path, Position(current.st_dev, current.st_ino, offset))

    def _stat(self) -> os.stat_result | None:
        try:
            return self.path.stat()
        except FileNotFoundError:
            return None

    def _rotated_file(self, start: Position) -> Path | None:
        try:
            siblings = list(self.path.parent.iterdir())
        except OSError:
            return None
        for sibling in siblings:
            try:
                st = sibling.stat()
            except OSError:
                continue
            if sibling.is_file() and _same_file(start, st):
                return sibling
        return None

    def _open(self, path: Path, position: Position) -> None:
        self._close()
        try:
            f = path.open("rb")
        except FileNotFoundError:
            return
        st = os.fstat(f.fileno())
        offset = position.offset if st.st_size >= position.offset else 0
        if offset != position.offset:
            self.truncations += 1
        f.seek(offset)
        self._file = f
        self._position = Position(st.st_dev, st.st_ino, offset)

    def _close(self) -> None:
        if self._file is not None:
            self._file.close()
        self._file = None

    def close(self) -> None:
        self._close()

    @property
    def position(self) -> Position | None:
        return self._position

    def backlog_bytes(self) -> int:
        """Bytes written to the path's file and not read yet (0 if it is the same file)."""
        current = self._stat()
        if current is None or self._position is None:
            return 0
        if _same_file(self._position, current):
            return max(current.st_size - self._position.offset, 0)
        return current.st_size

    def read(self, max_lines: int = 5000) -> list[Line]:
        """The complete lines written since the last read, at most ``max_lines``."""
        if self._file is None or self._position is None:
            self._resume(None, from_beginning=True)
            if self._file is None:
                return []
        lines = self._read_complete(max_lines)
        if lines:
            return lines
        # Nothing new in this file: has the path moved on to another, or been truncated?
        current = self._stat()
        assert self._position is not None
        if current is None:
            return []
        if not _same_file(self._position, current):
            # The old file will not grow: a last line without its newline is read as it is.
            tail = self._read_rest()
            self.rotations += 1
            self._open(self.path, Position(current.st_dev, current.st_ino, 0))
            return tail + self._read_complete(max_lines)
        if current.st_size < self._position.offset:
            self._open(self.path, Position(current.st_dev, current.st_ino, 0))
            self.truncations += 1
            return self._read_complete(max_lines)
        return []

    def _read_complete(self, max_lines: int) -> list[Line]:
        assert self._file is not None and self._position is not None
        f, position = self._file, self._position
        f.seek(position.offset)
        lines: list[Line] = []
        offset = position.offset
        while len(lines) < max_lines:
            data = f.readline(MAX_LINE_BYTES)
            if not data.endswith(b"\n") and len(data) < MAX_LINE_BYTES:
                break  # nothing more, or a partial line: read again once it is complete
            end = offset + len(data)
            text = data.rstrip(b"\r\n")
            if text.strip():
                lines.append(Line(text, offset, Position(position.device, position.inode, end)))
            offset = end
        self._position = Position(position.device, position.inode, offset)
        return lines

    def _read_rest(self) -> list[Line]:
        assert self._file is not None and self._position is not None
        position = self._position
        self._file.seek(position.offset)
        rest = self._file.read(MAX_LINE_BYTES)
        if not rest.strip():
            return []
        end = Position(position.device, position.inode, position.offset + len(rest))
        self._position = end
        return [Line(rest.rstrip(b"\r\n"), position.offset, end)]


def _same_file(position: Position, st: os.stat_result) -> bool:
    return (position.device, position.inode) == (st.st_dev, st.st_ino)
