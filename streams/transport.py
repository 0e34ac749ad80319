"""faust's Kafka transport, adjusted for settings and for the embedded broker.

- Fetch wait from settings: faust builds its worker consumer with ``fetch_max_wait_ms=1500``
  and no way to change it. On Apache Kafka that costs nothing (a fetch returns as soon as data
  arrives); on Tansu, the embedded broker, a fetch returns only when the wait ends, and a page
  crosses two faust hops (batch topic, signal topic): up to 3 s before it reaches Alertmanager.
- Changelog end offsets that count every record (``streams.offsets``): table recovery reads up
  to them, and Tansu's ListOffsets stops short of a partition's last batch.
- Held acks released before a revocation waits for them (``before_wait_empty``): an agent that
  acks a group of events only after their changelog records are delivered may hold acks while
  it waits for its next event; at a revocation faust clears the agents' queues, so that event
  never comes, and then waits for every ack: the rebalance hung, for every worker of the group.
- No 1 s wait before the table manager registers the changelogs (``TableManager``): faust
  waits for tables defined after start; ours are all defined when the app is built, and the
  second was part of every start and restart.
- Services that need no table (``early_services``) start with the app, not after table
  recovery as ``app.service`` ones do: the ingest's group join (3 s on an empty group, the
  broker's initial rebalance delay) then overlaps the tables' join and recovery instead of
  following them, which is most of a restart.
- A LeaveGroup from generation 0 on stop (``streams.internals``), which aiokafka sends only from
  generation 1: Tansu's first generation is 0, and a restart waited out the old member.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

import faust
from faust.tables import TableManager as FaustTableManager
from faust.transport.drivers import aiokafka as driver

from streams.internals import leave_first_generation
from streams.offsets import log_end_offsets


class _ConsumerThread(driver.AIOKafkaConsumerThread):
    fetch_max_wait_ms = 1500
    client_kwargs: Mapping[str, Any] = {}

    def _create_worker_consumer(self, transport: Any) -> Any:
        consumer = super()._create_worker_consumer(transport)
        # aiokafka reads it when it builds its fetcher, in start(): still ahead of us here.
        consumer._fetch_max_wait_ms = self.fetch_max_wait_ms
        return consumer

    async def on_thread_stop(self) -> None:
        # faust's own, with a LeaveGroup from generation 0 too (streams.internals): a restart
        # otherwise waited out the old member's session (12.8 s to ready instead of 7).
        await super(driver.AIOKafkaConsumerThread, self).on_thread_stop()
        if self._consumer is not None:
            await leave_first_generation(self._consumer)
            await self._consumer.stop()

    async def _highwaters(self, partitions: list[Any]) -> Mapping[Any, int]:
        reported = await super()._highwaters(partitions)
        if self.consumer.in_transaction:
            return reported
        return await log_end_offsets(reported, self.client_kwargs)


class _Consumer(driver.Consumer):
    def _new_consumer_thread(self) -> driver.AIOKafkaConsumerThread:
        thread = _ConsumerThread(self, loop=self.loop, beacon=self.beacon)
        thread.fetch_max_wait_ms = self.app.fetch_max_wait_ms  # type: ignore[attr-defined]
        thread.client_kwargs = self.app.client_kwargs  # type: ignore[attr-defined]
        return thread


class _Transport(driver.Transport):
    Consumer = _Consumer


class TableManager(FaustTableManager):  # type: ignore[misc]
    async def on_start(self) -> None:
        if not self.should_stop:
            await self._update_channels()
            await self.recovery.start()


class App(faust.App):
    """A faust app whose consumer fetches with ``fetch_max_wait_ms`` and recovers tables up to
    the true end of their changelogs. ``client_kwargs`` (bootstrap servers and security) are
    for the consumer that finds those ends."""

    def __init__(
        self,
        *args: Any,
        fetch_max_wait_ms: int = 1500,
        client_kwargs: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        self.fetch_max_wait_ms = fetch_max_wait_ms
        self.client_kwargs = dict(client_kwargs or {})
        # Called (in order) when partitions are revoked, before faust waits for every event
        # that started processing to be acked.
        self.before_wait_empty: list[Callable[[], Awaitable[None]]] = []
        # Set when the worker stops because of a setting: ``ioc worker`` reports it and exits 2.
        self.fatal_config_error: str | None = None
        # Service classes or instances started with the app, ahead of the table manager
        # (which waits for the group join before it recovers).
        self.early_services: list[Any] = []
        super().__init__(*args, TableManager=TableManager, **kwargs)

    def stop_for_config(self, message: str) -> None:
        """A graceful stop for a setting that does not fit the stored state: the other agents
        write and ack what they hold, then ``ioc worker`` reports it and exits 2."""
        self.fatal_config_error = message
        os.kill(os.getpid(), signal.SIGTERM)

    def on_init_dependencies(self) -> Iterable[Any]:
        faust_services = list(super().on_init_dependencies())
        return [*(self._prepare_subservice(s) for s in self.early_services), *faust_services]

    async def _consumer_wait_empty(self, consumer: Any, logger: Any) -> None:
        for release in self.before_wait_empty:
            await release()
        await super()._consumer_wait_empty(consumer, logger)

    def _new_transport(self) -> Any:
        return _Transport(self.conf.broker_consumer, self)
