"""Gap repair: the batches between a source partition's progress and a batch that starts
beyond it, read back from the batch topic and applied first.

faust can ack, and commit, a batch-topic message its agent never received (``streams.repair``
says when). The aggregator sees the gap (``PartitionProgress.is_missing_before``) before it
applies the later batch. The same read-back restores the batches of an unwritten group that a
failed batch made the shard store forget.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiokafka.errors import KafkaError

from ioc.ingest import Batch, unpack_batch
from streams.keys import SourcePartition
from streams.repair import BatchAt
from streams.state_cache import PartitionCache

log = logging.getLogger(__name__)

# (where the later batch is, its key, the first batch offset to read or None) -> (offset,
# value) of the partition's batches from there up to the later batch.
ReadBatches = Callable[[BatchAt, bytes, int | None], Awaitable[list[tuple[int, bytes]]]]
# Apply one batch read back, retried and quarantined as any other (the aggregator's settle).
Settle = Callable[[bytes, Batch, BatchAt, bytes], Awaitable[None]]

REPAIR_ATTEMPTS = 3


class GapRepair:
    def __init__(
        self,
        cache: PartitionCache,
        gaps: Any,
        read_batches: ReadBatches,
        settle: Settle,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.cache = cache
        self.gaps = gaps  # ioc_batch_gaps_total{source, outcome}
        self._read_batches = read_batches
        self._settle = settle
        self._sleep = sleep

    def is_needed(self, key: bytes, batch: Batch) -> bool:
        return self.cache.progress(key).is_missing_before(batch.start)

    async def repair(self, key: bytes, batch: Batch, where: BatchAt, restoring: bool) -> None:
        """Apply the batches between the partition's progress and ``batch`` (at ``where``),
        read back from the batch topic: ones lost on their way here, or, ``restoring``, ones
        applied but not yet written when a failed batch made the cache forget them."""
        progress = self.cache.progress(key)
        first = progress.batch_offset + 1 if progress.batch_offset >= 0 else None
        missing = await self._read_batches(where, key, first)
        for offset, data in missing:
            try:
                lost = unpack_batch(data)
            except (ValueError, KeyError, TypeError):
                continue  # counted as undecodable when it was first delivered, if it was
            await self._settle(key, lost, BatchAt(where.topic, where.partition, offset), data)
        closed = not self.is_needed(key, batch)
        if restoring and closed:
            return
        if progress.batch_offset < 0 and not missing:
            return  # the first batch seen of a trimmed source partition: nothing was lost
        source = SourcePartition.of(key).source
        self.gaps.labels(source, "repaired" if closed else "unrepaired").inc()
        log.warning(
            "aggregate: %s: batch at offset %d starts at source offset %d, applied up to %d; "
            "read back %d missing batch(es) from offset %s: %s",
            key.decode(), where.offset, batch.start, progress.end, len(missing), first,
            "gap closed" if closed else "GAP REMAINS (source offsets lost)",
        )  # fmt: skip

    async def repair_patiently(
        self, key: bytes, batch: Batch, where: BatchAt, restoring: bool = False
    ) -> None:
        """``repair``, retried while the broker does not answer; then the gap is left
        (``ioc_batch_gaps_total{outcome="unrepaired"}`` and its alert say so)."""
        for attempt in range(1, REPAIR_ATTEMPTS + 1):
            try:
                await self.repair(key, batch, where, restoring)
                return
            except (KafkaError, OSError, TimeoutError) as exc:
                log.warning("aggregate: %s: reading back missing batches failed (%r)",
                            key.decode(), exc)  # fmt: skip
                await self._sleep(attempt)
        self.gaps.labels(batch.source, "unrepaired").inc()
