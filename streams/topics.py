"""Topic layout and creation of the topics the worker does not declare itself."""

from __future__ import annotations

import contextlib
import logging

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from ioc.config import Settings

log = logging.getLogger(__name__)


SOURCES = ("soc", "uptime", "dossier")


def batch_key(source: str, partition: int) -> bytes:
    """Message key of one source partition's batches."""
    return b"%s:%d" % (source.encode(), partition)


def shard_key(batch_key: bytes, shard: int) -> bytes:
    """Table key of one state shard of a source partition: ``soc:3#17``."""
    return b"%s#%d" % (batch_key, shard)


def delta_key(shard_key: bytes, slot: int) -> bytes:
    """Journal-table key of one delta slot of a state shard: ``soc:3#17~5``."""
    return b"%s~%d" % (shard_key, slot)


def batch_partition(source_partition: int, partitions: int) -> int:
    """Batches of a source partition always go to the same internal partition."""
    return source_partition % partitions


def source_partition_of_key(key: bytes) -> str:
    """The source partition of a batch, shard or seen key (``soc:3``, ``soc:3#17``...): ``3``."""
    return key.split(b"#", 1)[0].rsplit(b":", 1)[1].decode()


def partition_of_key(key: bytes, partitions: int) -> int:
    """The internal partition of a batch, shard or seen key (``soc:3``, ``soc:3#17``...)."""
    return batch_partition(int(source_partition_of_key(key)), partitions)


async def ensure_topics(settings: Settings) -> list[str]:
    """Create the source, dead-letter, batch and alert topics if missing; return those
    created. The signals topic has one partition: one detector sees every source partition."""
    names = {
        settings.topics.soc: settings.partitions,
        settings.topics.uptime: settings.partitions,
        settings.topics.dossier: settings.partitions,
        settings.topics.deadletter: settings.partitions,
        **{settings.topics.batch_topic(source): settings.partitions for source in SOURCES},
        settings.topics.alerts: 1,
        settings.topics.signals: 1,
    }
    admin = AIOKafkaAdminClient(**settings.kafka_client_kwargs())
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        new = [
            NewTopic(
                name,
                partitions,
                settings.replication_factor,
                topic_configs=(
                    # The last change of each alert (keyed by fingerprint) is what a detector
                    # taking over reads: kept however old, the rest compacted away.
                    {"cleanup.policy": "compact"}
                    if name == settings.topics.alerts
                    else {"retention.ms": str(settings.retention_ms)}
                ),
            )
            for name, partitions in names.items()
            if name not in existing
        ]
        if new:
            # Another worker may create them at the same moment.
            with contextlib.suppress(TopicAlreadyExistsError):
                await admin.create_topics(new)
        return [t.name for t in new]
    finally:
        await admin.close()
