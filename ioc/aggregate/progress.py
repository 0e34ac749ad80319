"""How far a source partition's batches have been applied, as one record per partition.

The aggregator writes it after the shard states of a batch, into the same table and so the
same changelog partition: a progress record that survived a crash means every shard write
before it did too. It answers two questions:

- Is a batch missing? Batches of a source partition cover contiguous offset ranges, so a batch
  starting above ``end`` means one before it was never applied. faust can ack a message it
  never delivered (at shutdown, or when a rebalance skips it), and its offset is committed:
  the aggregator must then read the missing batches back from ``batch_offset`` on.
- Which event-time clock judges lateness? ``clock_before`` at ``clock_start`` and
  ``clock_after`` at ``end``, so a replay of the latest batch is judged as its first run was.
"""

from __future__ import annotations

from dataclasses import dataclass

import orjson


@dataclass(frozen=True, slots=True)
class PartitionProgress:
    # Source offset after the latest fully applied batch (0: none yet).
    end: int = 0
    # That batch's offset in the internal batch topic (-1: none yet).
    batch_offset: int = -1
    # The partition's event clock (newest event time seen) before that batch, which started
    # at ``clock_start``, and after it.
    clock_before: float = 0.0
    clock_start: int = 0
    clock_after: float = 0.0
    # The state shards the partition's state is split into (0: written before it was kept).
    shards: int = 0

    def clock_for(self, batch_start: int) -> tuple[float, int]:
        """The clock a batch starting at ``batch_start`` is judged by, and the offset from
        which the batch moves it."""
        if batch_start >= self.end:
            return self.clock_after, self.end
        return self.clock_before, self.clock_start  # a replay of the latest batch's range

    def is_missing_before(self, batch_start: int) -> bool:
        """Whether source offsets between the applied ones and ``batch_start`` were never
        applied. Before the first batch, any start above 0 counts: the batch topic is then
        read from its beginning, which finds nothing if the source topic was trimmed."""
        return batch_start > self.end

    def after_batch(
        self, end: int, batch_offset: int, clock: tuple[float, int], after: float
    ) -> PartitionProgress:
        """The progress once a batch ending at ``end`` is applied, judged by ``clock``
        (``clock_for``) and leaving the clock at ``after``; unchanged by a batch that ends
        within what is applied already (a replay)."""
        if end <= self.end:
            return self
        return PartitionProgress(end, batch_offset, clock[0], clock[1], after, self.shards)

    def to_bytes(self) -> bytes:
        return orjson.dumps(
            [self.end, self.batch_offset, self.clock_before, self.clock_start, self.clock_after,
             self.shards]
        )  # fmt: skip

    @classmethod
    def from_bytes(cls, data: bytes | None) -> PartitionProgress:
        if not data:
            return cls()
        end, batch_offset, before, start, after, *shards = orjson.loads(data)
        return cls(end, batch_offset, before, start, after, shards[0] if shards else 0)
