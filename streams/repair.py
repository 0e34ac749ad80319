"""Read batches back from the internal batch topic, for the aggregator to fill a gap.

faust can ack, and then commit, a batch-topic message its agent never received: at shutdown,
a message taken from the queue after the flow stopped is skipped and acked; after a restart,
a partition with no committed offset is committed past messages the fetcher dropped. Measured
on the embedded broker before this existed: 5 of 18 restarts lost one or more batches. The
aggregator sees the gap (``PartitionProgress.is_missing_before``) and reads the batches here.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition


async def read_batches(
    client_kwargs: Mapping[str, Any],
    topic: str,
    partition: int,
    key: bytes,
    start: int | None,
    stop: int,
    timeout: float = 30.0,
) -> list[tuple[int, bytes]]:
    """``(offset, value)`` of the messages with ``key`` at offsets ``[start, stop)`` of one
    batch-topic partition, in offset order; ``start=None`` reads from the beginning.

    Raises ``TimeoutError`` if the range cannot be read in ``timeout`` seconds: the caller
    must not ack what it could not repair.
    """
    tp = TopicPartition(topic, partition)
    consumer = AIOKafkaConsumer(
        enable_auto_commit=False,
        group_id=None,
        fetch_max_wait_ms=100,
        max_partition_fetch_bytes=4 * 1024 * 1024,
        **client_kwargs,
    )
    await consumer.start()
    found: list[tuple[int, bytes]] = []
    try:
        consumer.assign([tp])
        if start is None:
            await consumer.seek_to_beginning(tp)
        else:
            consumer.seek(tp, start)
        deadline = time.monotonic() + timeout
        while await consumer.position(tp) < stop:
            if time.monotonic() > deadline:
                raise TimeoutError(f"reading {topic}[{partition}] up to offset {stop}")
            records = await consumer.getmany(tp, timeout_ms=200)
            for message in records.get(tp, []):
                if message.offset >= stop:
                    break
                if message.key == key and message.value is not None:
                    found.append((message.offset, message.value))
    finally:
        await consumer.stop()
    return found
