"""Cut a file's bytes into lines, fed in chunks, with memory bounded whatever the file holds.

Pure: no I/O. A line of any length comes out whole once its newline arrives, except that a
line longer than ``max_line_bytes`` keeps only its first ``keep_bytes`` and carries its real
length and SHA-256 instead (``Line.cut``), so that a 10 GB run without a newline costs a
hasher, not 10 GB. The splitter remembers a line that is still being written, and the
caller feeds it the next bytes from where the last chunk ended.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

MAX_LINE_BYTES = 1 << 20
KEEP_BYTES = 16 * 1024


@dataclass(frozen=True, slots=True)
class Line:
    """One line of a file: ``data`` without its newline, cut to its head when ``digest``
    is set. ``end`` is the offset after the newline: where reading resumes once it is
    stored."""

    data: bytes
    offset: int
    length: int
    end: int
    digest: str | None = None  # SHA-256 (hex) of the whole line, when ``data`` is cut
    file: int = 0  # which file, for a reader of several

    @property
    def cut(self) -> bool:
        return self.digest is not None


class LineSplitter:
    def __init__(
        self,
        offset: int,
        *,
        file: int = 0,
        max_line_bytes: int = MAX_LINE_BYTES,
        keep_bytes: int = KEEP_BYTES,
    ) -> None:
        if keep_bytes > max_line_bytes:
            raise ValueError("keep_bytes must not exceed max_line_bytes")
        self._file = file
        self._max = max_line_bytes
        self._keep = keep_bytes
        self._start = offset  # where the line being assembled starts
        self._fed = offset  # the offset of the next byte expected
        self._buffer = bytearray()  # the line so far, while it is within the limit
        self._hasher: hashlib._Hash | None = None  # set once the line is over the limit
        self._head = b""
        self._length = 0

    @property
    def fed(self) -> int:
        """The offset of the next byte to feed."""
        return self._fed

    @property
    def pending_bytes(self) -> int:
        """Bytes of a line whose newline has not arrived yet."""
        return self._fed - self._start

    def feed(self, chunk: bytes) -> list[Line]:
        """The lines that ``chunk`` completes (blank lines skipped)."""
        lines: list[Line] = []
        view = memoryview(chunk)
        at = 0
        while at < len(chunk):
            newline = chunk.find(b"\n", at)
            piece = view[at:] if newline < 0 else view[at:newline]
            self._take(piece)
            self._fed += len(piece)
            if newline < 0:
                break
            self._fed += 1
            line = self._finish(self._fed)
            if line is not None:
                lines.append(line)
            at = newline + 1
        return lines

    def flush(self) -> Line | None:
        """The last line of a file that will not grow any more, without its newline."""
        return self._finish(self._fed)

    def _take(self, piece: memoryview) -> None:
        if self._hasher is None and len(self._buffer) + len(piece) <= self._max:
            self._buffer += piece
            return
        if self._hasher is None:
            self._hasher = hashlib.sha256(self._buffer)
            self._head = bytes(self._buffer[: self._keep])
            self._length = len(self._buffer)
            self._buffer = bytearray()
        self._hasher.update(piece)
        if len(self._head) < self._keep:
            self._head += bytes(piece[: self._keep - len(self._head)])
        self._length += len(piece)

    def _finish(self, end: int) -> Line | None:
        start, self._start = self._start, end
        if self._hasher is not None:
            digest = self._hasher.hexdigest()
            line = Line(self._head, start, self._length, end, digest, self._file)
            self._hasher, self._head, self._length = None, b"", 0
            return line
        data = bytes(self._buffer).rstrip(b"\r")
        self._buffer.clear()
        if not data.strip():
            return None
        return Line(data, start, len(data), end, None, self._file)
