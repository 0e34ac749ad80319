"""Every name of faust, mode and aiokafka that is not their public API, used here and in
``streams.transport`` only. The versions are pinned exactly in pyproject.toml, and
``tests/unit/test_internals.py`` checks that each name below exists with the signature used,
so an upgrade that moves one fails in CI, not in a worker.

- ``Table.data``: a table's store, read whole (the keys of the partitions owned here).
- ``Stream.channel`` and ``Channel.empty()``: whether another batch already waits in an
  agent's queue (a group of batches is written at once while more are queued).
- ``Producer.buffer``: faust's buffer of table changes, flushed before the changelog records
  are awaited (its own flush gives up after 0.1 s).
- ``AIOKafkaConsumer._coordinator`` and the coordinator's ``_group_instance_id`` and
  ``_send_req``: a LeaveGroup from generation 0 (``leave_first_generation``).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiokafka import AIOKafkaConsumer
from aiokafka.errors import KafkaError
from aiokafka.protocol.group import LeaveGroupRequest

log = logging.getLogger(__name__)


def table_items(table: Any) -> list[tuple[bytes, bytes]]:
    """A snapshot of the table's store (the store changes while an agent runs)."""
    return list(table.data.items())


def table_keys(table: Any) -> list[bytes]:
    return list(table.data.keys())


def queue_empty(stream: Any) -> bool:
    """Whether no further event already waits in the agent's queue; True if that cannot be
    told (then every batch waits for its own delivery)."""
    channel = stream.channel
    if not getattr(channel, "is_iterator", False):
        return True
    return bool(channel.empty())


async def deliver_changelog(app: Any) -> None:
    """Return once every table change written so far is delivered to the broker."""
    producer = app.producer
    while producer.buffer.size:
        await producer.buffer.flush()
    await asyncio.sleep(0)  # let the buffer hand its last message to aiokafka
    await producer.flush()


class ManualAcks:
    """An agent's stream with acks left to the agent (faust's ``noack``), as the aggregator
    reads it: its events, their acks, and whether more are queued."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream.noack()

    def events(self) -> Any:
        return self._stream.events()

    async def ack(self, event: Any) -> None:
        await self._stream.ack(event)

    def queue_empty(self) -> bool:
        return queue_empty(self._stream)


async def leave_first_generation(consumer: AIOKafkaConsumer) -> None:
    """Before ``consumer.stop()``: leave the group if aiokafka will not.

    aiokafka sends LeaveGroup only from generation 1 on (Apache Kafka's first generation is
    1). Tansu, the embedded broker, numbers a group's first generation 0: a worker stopped in
    it never left, and its successor's group join waited out the old member's session
    instead of the broker's 3 s initial delay (a restart of the benchmark's first worker took
    12-14 s, the same restart of a later one 7 s). faust's consumer (the aggregators' group)
    is no different (``streams.transport``): the benchmark's restart took 12.8 s until it left
    too."""
    coordinator: Any = getattr(consumer, "_coordinator", None)
    if coordinator is None or getattr(coordinator, "generation", None) != 0:
        return
    if not coordinator.member_id or coordinator._group_instance_id is not None:
        return  # not joined; or a static member, which must not leave
    try:
        await coordinator._send_req(LeaveGroupRequest(coordinator.group_id, coordinator.member_id))
    except KafkaError as exc:
        log.warning("leaving group %s failed (%r): its next member waits out the session",
                    coordinator.group_id, exc)  # fmt: skip
