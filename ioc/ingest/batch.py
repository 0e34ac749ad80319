"""Batches: the facts of one source partition's contiguous offset range.

Wire format (JSON)::

    {"s": "soc", "p": 3, "o": [start, end],
     "e": [[offset, *fact], ...], "k": [shard, ...], "d": [[offset, reason], ...]}

Every offset in ``[start, end)`` is either an event's fact or a dead letter, so the consumer of
a batch can account for each source message exactly once by its offset. ``k`` gives each
event's state shard, derived from its Kafka key: all events of one entity share a shard.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson

from ioc.ingest.facts import Fact


@dataclass(frozen=True, slots=True)
class Batch:
    source: str
    partition: int
    start: int
    end: int
    events: list[list[Any]]  # [offset, *fact]
    dead_letters: list[list[Any]]  # [offset, reason]
    shards: list[int] = field(default_factory=list)  # the state shard of each event

    def by_shard(self) -> dict[int, Batch]:
        """One batch per state shard, each over the same offset range; dead letters go to
        shard 0."""
        rows: dict[int, list[list[Any]]] = {}
        for shard, row in zip(self.shards, self.events, strict=True):
            rows.setdefault(shard, []).append(row)
        out = {
            shard: Batch(self.source, self.partition, self.start, self.end, events, [])
            for shard, events in rows.items()
        }
        if self.dead_letters or not out:
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
            )
        return out


# Rough wire size of one fact, to keep batches under ``max_bytes``.
_FACT_BYTES = 200


def pack_partition(
    source: str,
    partition: int,
    records: Sequence[tuple[int, int, Fact | None, str | None]],
    *,
    max_events: int,
    max_bytes: int,
) -> Iterator[bytes]:
    """Pack one partition's records ``(offset, shard, fact, dead_letter_reason)`` in offset
    order.

    A record with a reason is counted as a dead letter; the others carry the event's fact.
    Yields one or more batches, each at most ``max_events`` records and about ``max_bytes``.
    """
    events: list[list[Any]] = []
    shards: list[int] = []
    dead: list[list[Any]] = []
    start: int | None = None
    for offset, shard, fact, reason in records:
        if start is None:
            start = offset
        if reason is not None:
            dead.append([offset, reason])
        else:
            assert fact is not None
            events.append([offset, *fact])
            shards.append(shard)
        count = len(events) + len(dead)
        if count >= max_events or count * _FACT_BYTES >= max_bytes:
            yield _dumps(source, partition, start, offset + 1, events, shards, dead)
            events, shards, dead, start = [], [], [], None
    if start is not None:
        yield _dumps(source, partition, start, records[-1][0] + 1, events, shards, dead)


def empty_batch(source: str, partition: int, offset: int) -> bytes:
    """A batch of no offsets at ``offset``: "everything before it is batched". The aggregator
    takes it as a heartbeat and reads back any batch it finds missing before it."""
    return _dumps(source, partition, offset, offset, [], [], [])


def _dumps(
    source: str,
    partition: int,
    start: int,
    end: int,
    events: list[list[Any]],
    shards: list[int],
    dead: list[list[Any]],
) -> bytes:
    return orjson.dumps(
        {"s": source, "p": partition, "o": [start, end], "e": events, "k": shards, "d": dead}
    )


def unpack_batch(data: bytes) -> Batch:
    raw = orjson.loads(data)
    start, end = raw["o"]
    return Batch(raw["s"], raw["p"], start, end, raw["e"], raw["d"], raw["k"])


def shard_of(key: bytes | None, shards: int) -> int:
    """The state shard of a Kafka message key (stable across processes and restarts)."""
    return zlib.crc32(key) % shards if key else 0
