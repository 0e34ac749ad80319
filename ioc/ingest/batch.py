"""Batches: the facts of one source partition's contiguous offset range.

Wire format (JSON)::

    {"s": "soc", "p": 3, "o": [start, end],
     "e": [[offset, *fact], ...], "k": [shard, ...], "d": [[offset, reason], ...],
     "f": [offset, ...], "t": since_ms}

Every offset in ``[start, end)`` is an event's fact, a dead letter, or an event forwarded to
the partition of its entity (``f``, see ``ioc.contracts.keys``), so the consumer of a batch
can account for each source message exactly once by its offset. ``k`` gives each event's
state shard, derived from its entity's key: all events of one entity share a shard. ``t`` is
the Kafka timestamp (ms) of the first source message of the poll the batch came from: the
aggregator's end-to-end lag starts there.
"""

from __future__ import annotations

import zlib
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, cast

import orjson

from ioc.ingest.facts import Fact
from ioc.rows import batch_rows
from ioc.rows.batch_rows import OFFSET, PACK_RECORD

Packed = tuple[int, int, Fact | None, str | None]  # PACK_RECORD


def _offset_of(record: Packed) -> int:
    return cast(int, record[PACK_RECORD.OFFSET])


# The "reason" of a record whose event was forwarded to its entity's partition.
FORWARDED: Final = "forwarded"
# The dead-letter reason of an event whose batch kept failing in the aggregator.
APPLY_FAILED: Final = "apply_failed"


@dataclass(frozen=True, slots=True)
class Batch:
    source: str
    partition: int
    start: int
    end: int
    events: list[list[Any]]  # [offset, *fact]
    dead_letters: list[list[Any]]  # [offset, reason]
    shards: list[int] = field(default_factory=list)  # the state shard of each event
    forwarded: list[int] = field(default_factory=list)  # offsets forwarded elsewhere
    since_ms: int | None = None  # Kafka timestamp of the poll's first source message

    def by_shard(self) -> dict[int, Batch]:
        """One batch per state shard, each over the same offset range; dead letters and
        forwarded offsets go to shard 0."""
        rows: dict[int, list[list[Any]]] = {}
        for shard, row in zip(self.shards, self.events, strict=True):
            rows.setdefault(shard, []).append(row)
        out = {
            shard: Batch(self.source, self.partition, self.start, self.end, events, [])
            for shard, events in rows.items()
        }
        if self.dead_letters or self.forwarded or not out:
            zero = out.get(0) or Batch(
                self.source, self.partition, self.start, self.end, [], [], []
            )
            out[0] = Batch(
                self.source,
                self.partition,
                self.start,
                self.end,
                zero.events,
                self.dead_letters,
                [],
                self.forwarded,
            )
        return out

    def as_failed(self, done: Collection[int]) -> Batch:
        """The batch once it is given up on: the events of the shards not in ``done`` become
        dead letters (``apply_failed``); dead letters and forwarded offsets stay as they are.
        It accounts for every offset of the range and applies no event."""
        dead = [
            [row[OFFSET], APPLY_FAILED]
            for shard, row in zip(self.shards, self.events, strict=True)
            if shard not in done
        ]
        dead = sorted([*self.dead_letters, *dead])
        return Batch(self.source, self.partition, self.start, self.end, [], dead, [],
                     self.forwarded)  # fmt: skip


def pack_partition(
    source: str,
    partition: int,
    records: Sequence[tuple[int, int, Fact | None, str | None]],
    *,
    max_events: int,
    max_bytes: int,
    since_ms: int | None = None,
) -> Iterator[bytes]:
    """Pack one partition's records ``(offset, shard, fact, dead_letter_reason)`` in offset
    order.

    A record with a reason is counted as a dead letter, or as forwarded if the reason is
    ``FORWARDED``; the others carry the event's fact.
    Yields one or more batches over contiguous offset ranges, each of at most ``max_events``
    records and at most ``max_bytes`` bytes, measured: a batch over the broker's message
    limit is never accepted, and its partition would stall. A batch that comes out too large
    is split in halves until each fits (one serialization in the usual case, where it fits).
    A record that alone does not fit raises ``ValueError``; the settings keep
    ``max_message_bytes`` well under ``max_bytes``, so that a valid event always fits.
    """
    for first in range(0, len(records), max_events):
        chunk = records[first : first + max_events]
        end = _offset_of(records[first + max_events]) if first + max_events < len(records) else None
        yield from _fitted(source, partition, chunk, end, max_bytes, since_ms)


def _fitted(
    source: str,
    partition: int,
    records: Sequence[tuple[int, int, Fact | None, str | None]],
    end: int | None,
    max_bytes: int,
    since_ms: int | None,
) -> Iterator[bytes]:
    """``records`` as one batch ending at ``end`` (or after the last record), or halved."""
    stop = end if end is not None else _offset_of(records[-1]) + 1
    data = _pack(source, partition, records, stop, since_ms)
    if len(data) <= max_bytes:
        yield data
        return
    if len(records) == 1:
        raise ValueError(
            f"offset {_offset_of(records[0])}: a {len(data)}-byte batch exceeds {max_bytes}"
        )
    mid = len(records) // 2
    yield from _fitted(
        source, partition, records[:mid], _offset_of(records[mid]), max_bytes, since_ms
    )
    yield from _fitted(source, partition, records[mid:], end, max_bytes, since_ms)


def _pack(
    source: str,
    partition: int,
    records: Sequence[tuple[int, int, Fact | None, str | None]],
    end: int,
    since_ms: int | None,
) -> bytes:
    events: list[list[Any]] = []
    shards: list[int] = []
    dead: list[list[Any]] = []
    forwarded: list[int] = []
    for offset, shard, fact, reason in records:
        if reason == FORWARDED:
            forwarded.append(offset)
        elif reason is not None:
            dead.append([offset, reason])
        else:
            assert fact is not None
            events.append([offset, *fact])
            shards.append(shard)
    return _dumps(
        source, partition, _offset_of(records[0]), end, events, shards, dead, forwarded, since_ms
    )


def empty_batch(source: str, partition: int, offset: int) -> bytes:
    """A batch of no offsets at ``offset``: "everything before it is batched". The aggregator
    takes it as a heartbeat and reads back any batch it finds missing before it."""
    return _dumps(source, partition, offset, offset, [], [], [], [])


def _dumps(
    source: str,
    partition: int,
    start: int,
    end: int,
    events: list[list[Any]],
    shards: list[int],
    dead: list[list[Any]],
    forwarded: list[int],
    since_ms: int | None = None,
) -> bytes:
    raw: dict[str, Any] = {
        "s": source, "p": partition, "o": [start, end], "e": events, "k": shards, "d": dead
    }  # fmt: skip
    if forwarded:
        raw["f"] = forwarded
    if since_ms is not None:
        raw["t"] = since_ms
    return orjson.dumps(raw)


def unpack_batch(data: bytes) -> Batch:
    raw = orjson.loads(data)
    start, end = raw["o"]
    events = raw["e"]
    batch_rows.upgrade(events)
    return Batch(raw["s"], raw["p"], start, end, events, raw["d"], raw["k"], raw.get("f", []),
                 raw.get("t"))  # fmt: skip


def shard_of(key: bytes | None, shards: int) -> int:
    """The state shard of an entity's key (stable across processes and restarts)."""
    return zlib.crc32(key) % shards if key else 0
