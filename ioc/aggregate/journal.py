"""How a state shard is written: a snapshot now and then, deltas in between.

Rewriting a whole shard per batch made a batch of a few events write tens of kilobytes (in
real time the changelog bytes per event were 15-20 times a backlog's). A delta holds only
what the batch changed. A snapshot is written instead when the deltas since the last one
would add up to more than ``DELTAS_PER_SNAPSHOT`` snapshots, or would fill the slots.

Deltas go to ``DELTA_SLOTS`` rotating slots (table keys) per shard, so the table holds a
bounded number of them. Each record carries a random id and each delta the id
of the record it follows, so reading back folds exactly the chain that starts at the stored
snapshot. A record lost in a crash ends the chain early: an older consistent state, whose
watermark makes the batch replay; deltas left from a lost snapshot's chain, or older than
the snapshot, are not part of the chain and are never applied.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import orjson

from ioc.aggregate.state import PartitionState

DELTA_SLOTS = 64
# Deltas may add up to this many snapshots' bytes before a snapshot replaces them (and they
# are deleted): a snapshot then costs at most half the deltas' bytes, and the table holds at
# most three snapshots' worth of a shard.
DELTAS_PER_SNAPSHOT = 2

_SEQ, _ID, _PREVIOUS = "s", "i", "p"


@dataclass
class ShardJournal:
    """What is stored of one shard: the last record's sequence number and id, and the size
    of the last snapshot and of the deltas written after it."""

    seq: int = 0
    record_id: int = 0
    snapshot_seq: int = 0
    snapshot_bytes: int = 0
    delta_bytes: int = 0
    freed_from: int = field(default=0, compare=False)  # first delta of the last snapshot's chain

    def next_record(self, state: PartitionState) -> tuple[int | None, bytes]:
        """The record that brings the stored state up to ``state``: (delta slot, bytes), or
        (None, bytes) for a snapshot, after which ``freed_slots`` may be deleted."""
        self.seq += 1
        meta = {_SEQ: self.seq, _ID: random.getrandbits(40), _PREVIOUS: self.record_id}
        self.record_id = meta[_ID]
        if self.snapshot_bytes and self.seq - self.snapshot_seq < DELTA_SLOTS:
            delta = state.changes_to_bytes(meta)
            if self.delta_bytes + len(delta) <= DELTAS_PER_SNAPSHOT * self.snapshot_bytes:
                self.delta_bytes += len(delta)
                return self.seq % DELTA_SLOTS, delta
        snapshot = state.to_bytes(meta)
        self.freed_from = self.snapshot_seq + 1  # the deltas the snapshot replaces
        self.snapshot_seq, self.snapshot_bytes, self.delta_bytes = self.seq, len(snapshot), 0
        return None, snapshot

    def freed_slots(self) -> list[int]:
        """The slots of the deltas that the snapshot just written replaced (none after a
        delta): deleting them keeps the table at what a read needs."""
        if self.seq != self.snapshot_seq:
            return []
        return [seq % DELTA_SLOTS for seq in range(self.freed_from, self.seq)]


def read_shard(
    snapshot: bytes | None, deltas: Iterable[bytes | None]
) -> tuple[PartitionState, ShardJournal]:
    """The state that a snapshot and the chain of deltas after it describe, and its journal."""
    if not snapshot:
        return PartitionState(), ShardJournal()
    raw = orjson.loads(snapshot)
    state = PartitionState.from_raw(raw)
    seq, record_id = raw.get(_SEQ, 0), raw.get(_ID, 0)  # 0: written before journals
    journal = ShardJournal(seq, record_id, seq, len(snapshot))
    following: dict[int, tuple[int, Any]] = {}
    for data in deltas:
        if data:
            delta = orjson.loads(data)
            following[delta[_PREVIOUS]] = (len(data), delta)
    while journal.record_id in following:
        size, delta = following.pop(journal.record_id)
        state.apply_changes(delta)
        journal.seq, journal.record_id = delta[_SEQ], delta[_ID]
        journal.delta_bytes += size
    return state, journal
