"""Put imported portal scores on the portal-scores topic, for every worker to read."""

from __future__ import annotations

from aiokafka import AIOKafkaProducer

from ioc.config import Settings
from ioc.portal.scores import PortalScore, message_key, to_message


async def publish_scores(settings: Settings, scores: list[PortalScore]) -> None:
    producer = AIOKafkaProducer(acks="all", **settings.kafka_client_kwargs())
    await producer.start()
    try:
        now = settings.clock().now()
        for score in scores:
            await producer.send(
                settings.topics.portal_scores, to_message(score, now), key=message_key(score)
            )
        await producer.flush()
    finally:
        await producer.stop()
