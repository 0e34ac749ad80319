"""The portal's published scores in every worker: a reader of the whole portal-scores topic
(no consumer group: each worker holds all of it, as a global table would) and the series it
exports. Prometheus takes ``max`` over the workers."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

import mode
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError
from prometheus_client import CollectorRegistry, Counter
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from ioc.config import Settings
from ioc.portal.board import PortalBoard

log = logging.getLogger(__name__)


class PortalMetrics:
    def __init__(
        self,
        registry: CollectorRegistry,
        board: PortalBoard | None = None,
        month: Callable[[], str] = lambda: "",
    ) -> None:
        self.invalid = Counter(
            "ioc_portal_scores_invalid",
            "Messages on the portal-scores topic that are not a portal score (skipped, logged).",
            registry=registry,
        )
        registry.register(_PortalCollector(board or PortalBoard(frozenset()), month))


class _PortalCollector(Collector):
    def __init__(self, board: PortalBoard, month: Callable[[], str]) -> None:
        self._board = board
        self._month = month

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily(
            "ioc_portal_766_points",
            "Decision 766 points the national portal published for the current month (province "
            "time), by agency and sub-indicator (or total), as last imported (ioc portal import).",
            labels=["agency", "level", "indicator"],
        )
        for agency, level, indicator, points in self._board.series(self._month()):
            family.add_metric([agency, level, indicator], points)
        yield family


class PortalReader(mode.Service):
    """Reads the portal-scores topic from its beginning, then follows it."""

    def __init__(
        self, settings: Settings, board: PortalBoard, metrics: PortalMetrics, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self._settings = settings
        self._board = board
        self._metrics = metrics
        self._consumer: AIOKafkaConsumer | None = None

    async def on_start(self) -> None:
        self._consumer = AIOKafkaConsumer(
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            **self._settings.kafka_client_kwargs(),
        )
        await self._consumer.start()
        topic = self._settings.topics.portal_scores
        partitions = self._consumer.partitions_for_topic(topic) or {0}
        self._consumer.assign([TopicPartition(topic, p) for p in sorted(partitions)])

    async def on_stop(self) -> None:
        if self._consumer is not None:
            await self._consumer.stop()

    @mode.Service.task
    async def _follow(self) -> None:
        assert self._consumer is not None
        while not self.should_stop:
            try:
                records = await self._consumer.getmany(timeout_ms=1000)
            except KafkaError as exc:
                log.warning("portal scores: reading failed (%r); retrying", exc)
                await self.sleep(1.0)
                continue
            for messages in records.values():
                for message in messages:
                    reason = self._board.apply(message.value)
                    if reason is not None:
                        self._metrics.invalid.inc()
                        log.warning("portal scores: offset %d skipped: %s", message.offset, reason)
