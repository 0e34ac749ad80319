"""What the worker's tables wrote to their changelog topics: the write amplification."""

from __future__ import annotations

from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, TopicPartition

from ioc.config import Settings


@dataclass(frozen=True)
class ChangelogVolume:
    records: int
    bytes: int  # keys and values
    by_table: dict[str, int]  # bytes per table (soc-state, soc-seen, ...)
    largest: int = 0  # the largest record's bytes: a broker refuses one over its limit

    def tables(self) -> str:
        return ", ".join(
            f"{name} {size / 2**20:,.1f}" for name, size in sorted(self.by_table.items())
        )


async def changelog_volume(settings: Settings) -> ChangelogVolume:
    """Every record on the app's changelog topics, read back to the end."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=settings.bootstrap_servers(),
        enable_auto_commit=False,
        max_partition_fetch_bytes=8 * 1024 * 1024,
        fetch_max_bytes=32 * 1024 * 1024,
    )
    await consumer.start()
    try:
        topics = [
            t for t in await consumer.topics()
            if t.startswith(f"{settings.app_id}-") and t.endswith("-changelog")
        ]  # fmt: skip
        tps = [TopicPartition(t, p) for t in topics for p in consumer.partitions_for_topic(t) or ()]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)
        records = size = largest = 0
        by_table: dict[str, int] = {}
        remaining = {tp for tp in tps if ends[tp] > 0}
        while remaining:
            batch = await consumer.getmany(*remaining, timeout_ms=2000)
            if not batch:
                break  # Tansu's ListOffsets can fall short (streams/offsets.py): all read
            for tp, messages in batch.items():
                table = tp.topic[len(settings.app_id) + 1 : -len("-changelog")]
                for m in messages:
                    records += 1
                    n = len(m.key or b"") + len(m.value or b"")
                    size += n
                    largest = max(largest, n)
                    by_table[table] = by_table.get(table, 0) + n
                if messages and messages[-1].offset + 1 >= ends[tp]:
                    remaining.discard(tp)
        return ChangelogVolume(records, size, by_table, largest)
    finally:
        await consumer.stop()
