"""faust's Kafka transport with the fetch wait from settings.

faust builds its worker consumer with ``fetch_max_wait_ms=1500`` and no way to change it. On
Apache Kafka that costs nothing (a fetch returns as soon as data arrives); on Tansu, the
embedded broker, a fetch returns only when the wait ends, and a page crosses two faust hops
(batch topic, signal topic): up to 3 s before it reaches Alertmanager.
"""

from __future__ import annotations

from typing import Any

import faust
from faust.transport.drivers import aiokafka as driver


class _ConsumerThread(driver.AIOKafkaConsumerThread):
    fetch_max_wait_ms = 1500

    def _create_worker_consumer(self, transport: Any) -> Any:
        consumer = super()._create_worker_consumer(transport)
        # aiokafka reads it when it builds its fetcher, in start(): still ahead of us here.
        consumer._fetch_max_wait_ms = self.fetch_max_wait_ms
        return consumer


class _Consumer(driver.Consumer):
    def _new_consumer_thread(self) -> driver.AIOKafkaConsumerThread:
        thread = _ConsumerThread(self, loop=self.loop, beacon=self.beacon)
        thread.fetch_max_wait_ms = self.app.fetch_max_wait_ms  # type: ignore[attr-defined]
        return thread


class _Transport(driver.Transport):
    Consumer = _Consumer


class App(faust.App):
    """A faust app whose consumer fetches with ``fetch_max_wait_ms``."""

    def __init__(self, *args: Any, fetch_max_wait_ms: int = 1500, **kwargs: Any) -> None:
        self.fetch_max_wait_ms = fetch_max_wait_ms
        super().__init__(*args, **kwargs)

    def _new_transport(self) -> Any:
        return _Transport(self.conf.broker_consumer, self)
