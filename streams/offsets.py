"""Log end offsets that count every record, on brokers whose ListOffsets falls short.

Tansu 0.6 (the embedded broker) answers ListOffsets(latest) with the base offset of the
partition's last record batch plus one, not its last offset plus one: after a batch of ten
records at offsets 0-9 it says 1. Its fetch responses carry the right high watermark (10).

faust recovers a table by reading its changelog up to ListOffsets(latest). With the short
answer it stopped inside the last batch, the table lost the keys written there, and the agent
then applied the next batch to an empty shard: a restarted worker lost counts (session-4 note,
docs/architecture.md). Apache Kafka answers both the same way, so there this costs one fetch
per changelog partition per rebalance and changes nothing.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition

log = logging.getLogger(__name__)


async def log_end_offsets(
    reported: Mapping[Any, int],
    client_kwargs: Mapping[str, Any],
    timeout: float = 10.0,
) -> dict[Any, int]:
    """``reported`` (ListOffsets(latest) per partition) corrected by the high watermark of a
    fetch at the last batch. A partition whose fetch gives nothing keeps its reported value.

    Keys may be faust ``TP`` or aiokafka ``TopicPartition``; the result uses the same keys.
    """
    out = dict(reported)
    pending = {TopicPartition(tp[0], tp[1]): tp for tp, end in reported.items() if end and end > 0}
    if not pending:
        return out
    probe = AIOKafkaConsumer(
        enable_auto_commit=False,
        group_id=None,
        fetch_max_wait_ms=100,
        max_partition_fetch_bytes=64 * 1024,  # the broker still returns a larger last batch
        **client_kwargs,
    )
    await probe.start()
    try:
        probe.assign(list(pending))
        for tp in pending:
            probe.seek(tp, reported[pending[tp]] - 1)
        deadline = time.monotonic() + timeout
        while pending and time.monotonic() < deadline:
            await probe.getmany(*pending, timeout_ms=200)
            for tp in list(pending):
                high = probe.highwater(tp)
                if high is not None:
                    key = pending.pop(tp)
                    out[key] = max(out[key], high)
        short = {f"{k[0]}[{k[1]}]": (reported[k], out[k]) for k in out if out[k] != reported[k]}
        if short:
            log.info("log end offsets: ListOffsets fell short (reported, true): %s", short)
        if pending:
            log.warning(
                "log end offsets: no fetch answer for %s in %.0f s; using ListOffsets",
                sorted(f"{tp.topic}[{tp.partition}]" for tp in pending),
                timeout,
            )
    finally:
        await probe.stop()
    return out
