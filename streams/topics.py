"""Topic layout and creation of the topics the worker does not declare itself."""

from __future__ import annotations

import contextlib
import logging

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from ioc.config import Settings
from ioc.contracts import SOURCES as CONTRACT_SOURCES

log = logging.getLogger(__name__)


SOURCES = CONTRACT_SOURCES


async def ensure_topics(settings: Settings) -> list[str]:
    """Create the source, dead-letter, batch, alert and portal-score topics if missing;
    return those created. The signals topic has one partition: one detector sees every
    source partition."""
    names = {
        **{topic: settings.partitions for topic in settings.topics.source_topics()},
        settings.topics.deadletter: settings.partitions,
        **{settings.topics.batch_topic(source): settings.partitions for source in SOURCES},
        settings.topics.alerts: 1,
        settings.topics.signals: 1,
        settings.topics.portal_scores: 1,
        settings.topics.acks: 1,
        settings.topics.escalations: 1,
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
                    if name
                    in (
                        settings.topics.alerts,
                        settings.topics.portal_scores,
                        settings.topics.escalations,
                    )
                    # An audit trail: who acknowledged what is kept, not aged out.
                    else {"retention.ms": "-1"}
                    if name == settings.topics.acks
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
