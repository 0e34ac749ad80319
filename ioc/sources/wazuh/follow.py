"""Follow a log file that grows, rotates and is truncated: every complete line once.

Every poll looks at the path and its rotated siblings (names matching ``rotated_glob`` in the
same folder) and at the files it still holds open, and ``files.decide`` tells which is
which by inode, device and a fingerprint of the first bytes, so that two rotations, or a
truncation and a refill, between two polls lose nothing. Rotated files are read to their end
(through the handle still open when they were moved elsewhere) before the path's file. A
partial last line stays unread until its newline arrives, except in a rotated file that
stopped growing.

Reading and storing are apart: ``read`` returns lines, the caller stores them and calls
``commit``; ``checkpoint`` and ``backlog_bytes`` count from what was committed, so a stuck
caller shows as backlog whatever was read.
"""

from __future__ import annotations

import fnmatch
import os
import stat
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import BinaryIO

from ioc.sources.wazuh.files import (
    HEAD_BYTES,
    Continue,
    Copy,
    FileState,
    New,
    Restart,
    Seen,
    decide,
)
from ioc.sources.wazuh.lines import KEEP_BYTES, MAX_LINE_BYTES, Line, LineSplitter

CHUNK_BYTES = 256 * 1024


@dataclass(eq=False)
class _Followed:
    key: int
    path: Path
    handle: BinaryIO
    state: FileState  # offset: bytes fed to the splitter
    splitter: LineSplitter
    committed: int
    size: int
    mtime_ns: int
    is_path: bool
    shadow_of: int | None = None  # a copy not read while its original still holds the lines
    stable: bool = False  # its size did not change since the poll before
    seen_in_folder: bool = field(default=True)


class FileFollower:
    def __init__(
        self,
        path: Path,
        start: list[FileState] | None,
        *,
        from_beginning: bool,
        checkpoint_ns: int | None = None,
        rotated_glob: str | None = None,
        exclude: tuple[Path, ...] = (),
        max_line_bytes: int = MAX_LINE_BYTES,
        keep_bytes: int = KEEP_BYTES,
    ) -> None:
        self.path = path
        self.rotated_glob = rotated_glob or f"{path.stem}*"
        self._exclude = {p.absolute() for p in exclude}
        self.rotations = 0
        self.truncations = 0
        self._max_line = max_line_bytes
        self._keep = min(keep_bytes, max_line_bytes)
        self._files: dict[int, _Followed] = {}
        self._next_key = 0
        self._path_key: int | None = None
        self._path_identity: tuple[int, int] | None = None
        # Why the path could not be read at the last poll (permissions, not a file), if so.
        self.problem: str | None = None
        self._from_beginning = from_beginning
        self._checkpoint_ns = checkpoint_ns
        self._first_poll = True
        self._start = list(start or [])
        self._poll()

    # -- what the caller reads --------------------------------------------------------------

    def read(self, max_lines: int = 5000) -> list[Line]:
        """The complete lines written since the last read, about ``max_lines`` at most."""
        self._poll()
        lines: list[Line] = []
        rotated = sorted(
            (f for f in self._files.values() if not f.is_path and f.shadow_of is None),
            key=lambda f: f.mtime_ns,
        )
        current = [f for f in self._files.values() if f.is_path and f.shadow_of is None]
        for followed in rotated + current:
            if len(lines) >= max_lines:
                break
            lines.extend(self._read_file(followed, max_lines - len(lines)))
        return lines

    def commit(self, lines: list[Line]) -> None:
        """The lines are stored: a restart resumes after them."""
        for line in lines:
            followed = self._files.get(line.file)
            if followed is not None and line.end > followed.committed:
                followed.committed = line.end

    def checkpoint(self) -> list[FileState]:
        """What a restart needs: each followed file with the offset after its stored lines."""
        states = []
        for f in self._files.values():
            if f.shadow_of is not None:
                continue
            states.append(replace(f.state, offset=f.committed))
        return states

    @property
    def position(self) -> FileState | None:
        """The path's file, at its committed offset."""
        if self._path_key is None or self._path_key not in self._files:
            return None
        f = self._files[self._path_key]
        return replace(f.state, offset=f.committed)

    def backlog_bytes(self) -> int:
        """Bytes written to the files followed and not stored yet, measured from their sizes."""
        total = 0
        for f in self._files.values():
            if f.shadow_of is not None:
                continue
            try:
                size = os.fstat(f.handle.fileno()).st_size
            except OSError:
                continue
            total += max(size - f.committed, 0)
        return total

    def close(self) -> None:
        for f in self._files.values():
            f.handle.close()
        self._files.clear()

    # -- one poll: which file is which ------------------------------------------------------

    def _observe(self) -> tuple[list[Seen], dict[tuple[int, int], Path]]:
        seen: list[Seen] = []
        names: dict[tuple[int, int], Path] = {}
        self.problem = None
        try:
            entries = sorted(self.path.parent.iterdir())
        except OSError:
            entries = []
        for entry in entries:
            if entry != self.path and not fnmatch.fnmatch(entry.name, self.rotated_glob):
                continue
            if entry.absolute() in self._exclude or entry.name.endswith(".tmp"):
                continue
            try:
                with entry.open("rb") as opened:
                    st = os.fstat(opened.fileno())
                    if not _regular(st):
                        continue
                    head = opened.read(HEAD_BYTES)
            except OSError as exc:
                if entry == self.path and not isinstance(exc, FileNotFoundError):
                    self.problem = f"cannot read {entry}: {exc.strerror or exc}"
                continue
            identity = (st.st_dev, st.st_ino)
            names[identity] = entry
            seen.append(
                Seen(st.st_dev, st.st_ino, st.st_size, head, entry == self.path, st.st_mtime_ns)
            )
        # Followed files no longer in the folder (moved elsewhere, deleted): their handles.
        for f in self._files.values():
            identity = (f.state.device, f.state.inode)
            f.seen_in_folder = identity in names
            if f.seen_in_folder:
                continue
            try:
                st = os.fstat(f.handle.fileno())
                head = os.pread(f.handle.fileno(), HEAD_BYTES, 0)
            except OSError:
                continue
            seen.append(Seen(st.st_dev, st.st_ino, st.st_size, head, False, st.st_mtime_ns))
        return seen, names

    def _poll(self) -> None:
        seen, names = self._observe()
        if self._first_poll:
            followed = {-1 - i: s for i, s in enumerate(self._start)}
        else:
            followed = {key: f.state for key, f in self._files.items()}
        decisions = decide(
            followed,
            seen,
            first_poll=self._first_poll,
            from_start=self._from_beginning,
            checkpoint_ns=self._checkpoint_ns,
        )
        fed_before = {key: state.offset for key, state in followed.items()}
        committed_before = {key: f.committed for key, f in self._files.items()}
        restarted = {d.key for d in decisions if isinstance(d, Restart)}
        now: dict[int, int] = {}  # a decision's key -> the key followed from now on
        copies: list[tuple[_Followed, int]] = []
        for d in decisions:
            where = names.get((d.seen.device, d.seen.inode))
            f: _Followed | None
            if isinstance(d, Continue):
                f = self._adopt(d.key, d.seen, where, fed_before[d.key])
            elif isinstance(d, Restart):
                if d.key in self._files:
                    self._files.pop(d.key).handle.close()
                f = self._track(d.seen, where, 0)
                self.truncations += 1
            elif isinstance(d, Copy):
                f = self._track(d.seen, where, d.offset)
                if f is not None and d.of not in restarted:
                    copies.append((f, d.of))
            else:
                assert isinstance(d, New)
                f = self._track(d.seen, where, d.offset)
            if f is not None and isinstance(d, Continue | Restart):
                now[d.key] = f.key
        for copy, of in copies:
            if of in now:
                copy.shadow_of = now[of]  # the original still holds these lines
        self._release_shadows(committed_before)
        self._forget_finished()
        path = next((f for f in self._files.values() if f.is_path), None)
        if path is not None:
            identity = (path.state.device, path.state.inode)
            if self._path_identity is not None and identity != self._path_identity:
                self.rotations += 1
            self._path_identity = identity
            self._path_key = path.key
        self._first_poll = False

    def _adopt(self, key: int, seen: Seen, where: Path | None, offset: int) -> _Followed | None:
        """A followed file seen again (or, at the first poll, a checkpoint's file found)."""
        f = self._files.get(key)
        if f is None:  # first poll: open the checkpoint's file at its stored offset
            return self._track(seen, where, offset)
        f.stable = seen.size == f.size
        f.size, f.mtime_ns, f.is_path = seen.size, seen.mtime_ns, seen.is_path
        if where is not None:
            f.path = where
        if f.state.head_len < HEAD_BYTES and len(seen.head) > f.state.head_len:
            fresh = seen.state(f.state.offset)
            f.state = replace(f.state, head_len=fresh.head_len, head=fresh.head)
        return f

    def _track(self, seen: Seen, where: Path | None, offset: int) -> _Followed | None:
        if where is None:
            return None  # only a followed file is seen outside the folder
        try:
            handle = where.open("rb")
            st = os.fstat(handle.fileno())
        except OSError:
            return None
        if (st.st_dev, st.st_ino) != (seen.device, seen.inode):
            handle.close()  # replaced between the look and the open: next poll
            return None
        key, self._next_key = self._next_key, self._next_key + 1
        f = _Followed(
            key=key,
            path=where,
            handle=handle,
            state=seen.state(offset),
            splitter=self._splitter(offset, key),
            committed=offset,
            size=seen.size,
            mtime_ns=seen.mtime_ns,
            is_path=seen.is_path,
        )
        self._files[key] = f
        return f

    def _splitter(self, offset: int, key: int) -> LineSplitter:
        return LineSplitter(offset, file=key, max_line_bytes=self._max_line, keep_bytes=self._keep)

    def _release_shadows(self, committed_before: dict[int, int]) -> None:
        """A copy whose original was truncated or is gone holds the only remaining lines: it
        is read on from where the original's stored lines ended. While the original lives,
        the copy keeps pace with it unread."""
        for f in list(self._files.values()):
            if f.shadow_of is None:
                continue
            original = self._files.get(f.shadow_of)
            if original is None:
                offset = min(committed_before.get(f.shadow_of, f.committed), f.size)
                f.shadow_of = None
            else:
                offset = min(original.committed, f.size)
            f.state = replace(f.state, offset=offset)
            f.splitter = self._splitter(offset, f.key)
            f.committed = offset

    def _forget_finished(self) -> None:
        """A file gone from the folder and stored to its end is done with."""
        for key, f in list(self._files.items()):
            if f.seen_in_folder or f.is_path or f.committed < f.size:
                continue
            f.handle.close()
            del self._files[key]

    # -- reading one file -------------------------------------------------------------------

    def _read_file(self, f: _Followed, max_lines: int) -> list[Line]:
        lines: list[Line] = []
        fd = f.handle.fileno()
        while len(lines) < max_lines:
            try:
                chunk = os.pread(fd, CHUNK_BYTES, f.splitter.fed)
            except OSError:
                break
            if not chunk:
                break
            lines.extend(f.splitter.feed(chunk))
        if not f.is_path and f.stable and f.splitter.pending_bytes and f.splitter.fed >= f.size:
            # A rotated file that stopped growing: its last line will get no newline.
            last = f.splitter.flush()
            if last is not None:
                lines.append(last)
        f.state = replace(f.state, offset=f.splitter.fed)
        return lines


def _regular(st: os.stat_result) -> bool:
    return stat.S_ISREG(st.st_mode)
