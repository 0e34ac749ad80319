"""Batches: the validated events of one source partition's contiguous offset range.

Wire format (JSON)::

    {"s": "soc", "p": 3, "o": [start, end],
     "e": [[offset, <event>], ...], "d": [[offset, reason], ...]}

Every offset in ``[start, end)`` is either an event or a dead letter, so the consumer of a
batch can account for each source message exactly once by its offset.
The valid events' original bytes are spliced in as they are: no re-serialization.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import orjson


@dataclass(frozen=True, slots=True)
class Batch:
    source: str
    partition: int
    start: int
    end: int
    events: list[tuple[int, dict[str, Any]]]
    dead_letters: list[tuple[int, str]]


def pack_partition(
    source: str,
    partition: int,
    records: Sequence[tuple[int, bytes | None, str | None]],
    *,
    max_events: int,
    max_bytes: int,
) -> Iterator[bytes]:
    """Pack one partition's records ``(offset, value, dead_letter_reason)`` in offset order.

    A record with a reason is counted as a dead letter; the others must be valid JSON events.
    Yields one or more batches, each at most ``max_events`` records and about ``max_bytes``.
    """
    head = b'{"s":"%s","p":%d,"o":[' % (source.encode(), partition)
    events: list[bytes] = []
    dead: list[bytes] = []
    start: int | None = None
    size = 0
    for offset, value, reason in records:
        if start is None:
            start = offset
        if reason is not None:
            dead.append(b'[%d,"%s"]' % (offset, reason.encode()))
            size += 24
        else:
            assert value is not None
            events.append(b"[%d,%s]" % (offset, value))
            size += len(value) + 16
        if len(events) + len(dead) >= max_events or size >= max_bytes:
            yield _finish(head, start, offset + 1, events, dead)
            events, dead, start, size = [], [], None, 0
    if start is not None:
        yield _finish(head, start, records[-1][0] + 1, events, dead)


def _finish(head: bytes, start: int, end: int, events: list[bytes], dead: list[bytes]) -> bytes:
    return b"".join(
        (
            head,
            b"%d,%d]," % (start, end),
            b'"e":[',
            b",".join(events),
            b'],"d":[',
            b",".join(dead),
            b"]}",
        )
    )


def unpack_batch(data: bytes) -> Batch:
    raw = orjson.loads(data)
    start, end = raw["o"]
    return Batch(
        source=raw["s"],
        partition=raw["p"],
        start=start,
        end=end,
        events=[(o, e) for o, e in raw["e"]],
        dead_letters=[(o, r) for o, r in raw["d"]],
    )
