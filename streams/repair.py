"""Read messages back from a topic: batches for the aggregator to fill a gap, signals and
alerts for a detector taking over.

faust can ack, and then commit, a batch-topic message its agent never received: at shutdown,
a message taken from the queue after the flow stopped is skipped and acked; after a restart,
a partition with no committed offset is committed past messages the fetcher dropped. Measured
on the embedded broker before this existed: 5 of 18 restarts lost one or more batches. The
aggregator sees the gap (``PartitionProgress.is_missing_before``) and reads the batches here.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.errors import KafkaError

from streams.offsets import log_end_offsets

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class BatchAt:
    """Where a batch message is on the internal batch topic."""

    topic: str
    partition: int
    offset: int

    def __str__(self) -> str:
        return f"{self.topic}[{self.partition}]@{self.offset}"


# Reading back by time without the broker's help starts this many messages before the end.
MAX_MESSAGES_BY_TIME = 500_000


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
    messages = await read_messages(client_kwargs, topic, partition, start, stop, timeout=timeout)
    return [(m.offset, m.value) for m in messages if m.key == key and m.value is not None]


async def read_messages(
    client_kwargs: Mapping[str, Any],
    topic: str,
    partition: int,
    start: int | None,
    stop: int | None,
    since_ms: int | None = None,
    timeout: float = 30.0,
) -> list[ConsumerRecord[Any, Any]]:
    """The messages at offsets ``[start, stop)`` of one partition, in offset order.
    ``start=None`` reads from the first message at or after ``since_ms`` (Kafka timestamp),
    or from the beginning; ``stop=None`` up to the end as it is when reading starts."""
    tp = TopicPartition(topic, partition)
    consumer = AIOKafkaConsumer(
        enable_auto_commit=False,
        group_id=None,
        fetch_max_wait_ms=100,
        max_partition_fetch_bytes=4 * 1024 * 1024,
        **client_kwargs,
    )
    await consumer.start()
    found: list[ConsumerRecord[Any, Any]] = []
    try:
        consumer.assign([tp])
        if stop is None:
            stop = (await log_end_offsets(await consumer.end_offsets([tp]), client_kwargs))[tp]
        if start is None and since_ms is not None:
            try:
                at = (await consumer.offsets_for_times({tp: since_ms}))[tp]
                start = at.offset if at is not None else stop
            except (KafkaError, ValueError) as exc:  # not every broker looks up by time
                log.info("read back %s[%d]: no offset by time (%r)", topic, partition, exc)
                start = max(0, stop - MAX_MESSAGES_BY_TIME)
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
                if since_ms is None or message.timestamp >= since_ms:
                    found.append(message)
    finally:
        await consumer.stop()
    return found
