"""Which file is which between two polls: identity by device, inode and a fingerprint of the
first bytes, as Filebeat and Fluent Bit do. Pure: the follower observes, this decides.

Whatever happened between two polls (a truncation then a refill past the old offset, two
rotations, a copytruncate while the intake was stopped), each observed file is one of:

- ``Continue``: a file being followed, same inode, same first bytes, not shorter than read;
- ``Restart``: same inode but shorter than read or other first bytes: truncated (and maybe
  refilled), so read again from 0;
- ``Copy``: a file not followed yet whose first bytes are those of a followed file, at least
  as long as what was read of it: copytruncate's copy. The follower reads it on from where
  that file was once the original is truncated, and not before (both hold the same lines);
- ``New``: any other file. After the first poll it appeared since (a rotation's new file,
  or one rotated away before a poll saw it) and is read from 0. At the first poll, a
  sibling written before the checkpoint was saved is old history (taken as read), one
  written after it is read from 0, and the followed path starts where asked.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

HEAD_BYTES = 1024


def head_digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True, slots=True)
class FileState:
    """What the checkpoint keeps of one file: where the stored lines end, and the file's
    fingerprint (the SHA-256 of its first ``head_len`` bytes) when it was last read."""

    device: int
    inode: int
    offset: int
    head_len: int = 0
    head: str = ""

    def same_start(self, head: bytes) -> bool:
        """Whether a file beginning with ``head`` (its first HEAD_BYTES) is this one."""
        if self.head_len == 0:
            return True  # nothing known of its content (an empty file, an old checkpoint)
        return len(head) >= self.head_len and head_digest(head[: self.head_len]) == self.head

    def resembles(self, head: bytes) -> bool:
        """Whether a file with another inode holds this one's content (a copy)."""
        return self.head_len > 0 and self.same_start(head)


@dataclass(frozen=True, slots=True)
class Seen:
    """One file as a poll found it."""

    device: int
    inode: int
    size: int
    head: bytes  # its first HEAD_BYTES
    is_path: bool  # the path being followed, not a rotated sibling
    mtime_ns: int = 0

    def state(self, offset: int) -> FileState:
        head = self.head[:HEAD_BYTES]
        return FileState(self.device, self.inode, offset, len(head), head_digest(head))


@dataclass(frozen=True, slots=True)
class Continue:
    key: int
    seen: Seen


@dataclass(frozen=True, slots=True)
class Restart:
    key: int
    seen: Seen


@dataclass(frozen=True, slots=True)
class Copy:
    of: int
    seen: Seen
    offset: int


@dataclass(frozen=True, slots=True)
class New:
    seen: Seen
    offset: int


Decision = Continue | Restart | Copy | New


def decide(
    followed: dict[int, FileState],
    seen: list[Seen],
    *,
    first_poll: bool,
    from_start: bool = False,
    checkpoint_ns: int | None = None,
) -> list[Decision]:
    """One decision per seen file. ``followed`` maps the follower's keys to what it read of
    each file (offset = bytes read). At the first poll, ``from_start`` reads a path that no
    checkpoint knows from 0, and ``checkpoint_ns`` is when the checkpoint was saved."""
    by_inode = {(s.device, s.inode): key for key, s in followed.items()}
    decisions: list[Decision] = []
    unknown: list[Seen] = []
    for file in seen:
        key = by_inode.get((file.device, file.inode))
        if key is None:
            unknown.append(file)
            continue
        state = followed[key]
        if file.size < state.offset or not state.same_start(file.head):
            decisions.append(Restart(key, file))
        else:
            decisions.append(Continue(key, file))
    copied: set[int] = set()
    for file in unknown:
        original = next(
            (
                key
                for key, state in followed.items()
                if key not in copied and file.size >= state.offset and state.resembles(file.head)
            ),
            None,
        )
        if original is not None:
            copied.add(original)
            decisions.append(Copy(original, file, followed[original].offset))
        elif not first_poll:
            decisions.append(New(file, 0))
        elif file.is_path and (followed or from_start):
            decisions.append(New(file, 0))  # after a checkpoint: created since it was saved
        elif checkpoint_ns is not None and file.mtime_ns > checkpoint_ns:
            decisions.append(New(file, 0))  # rotated away while the intake was stopped
        else:
            decisions.append(New(file, file.size))
    return decisions
