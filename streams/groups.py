"""Leaving a consumer group on stop, also from the group's first generation.

aiokafka sends LeaveGroup only from generation 1 on (Apache Kafka's first generation is 1).
Tansu, the embedded broker, numbers a group's first generation 0: a worker stopped in it never
left, and its successor's group join waited out the old member's session instead of the
broker's 3 s initial delay (a restart of the benchmark's first worker took 12-14 s, the same
restart of a later one 7 s). faust's consumer (the aggregators' group) is no different
(``streams.transport``): the benchmark's restart took 12.8 s until it left too.
"""

from __future__ import annotations

import logging
from typing import Any

from aiokafka import AIOKafkaConsumer
from aiokafka.errors import KafkaError
from aiokafka.protocol.group import LeaveGroupRequest

log = logging.getLogger(__name__)


async def leave_first_generation(consumer: AIOKafkaConsumer) -> None:
    """Before ``consumer.stop()``: leave the group if aiokafka will not (generation 0)."""
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
