"""The aggregator's group writer: the batches applied but not yet written, and the written
group whose changelog records are on their way.

Shaped like Quix Streams' ``Checkpoint``: batches join the open group as they are applied,
and a group is committed in named steps, always in this order:

1. ``write_state``: the shard store writes what the group changed (into faust's producer);
2. ``deliver``: every changelog record written so far is delivered to the broker;
3. ``ack``: the group's events are acked, so faust may commit their offsets.

An ack before its changelog records are delivered could commit a batch whose state a crash
then loses: faust's table buffer gives up after 0.1 s, and it acks events in a ``finally``
when an agent is cancelled. Steps 2 and 3 run in the background while the next group is
applied (waiting inline stalled each agent for about 40% of a 20,000 events/s run), with at
most one group in flight, so acks stay in order and the held events stay bounded.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

# Batches applied while more are queued, before their state is written and its changelog
# records awaited together (and the batches acked): up to this many, or this many events.
GROUP_MAX_BATCHES = 64
GROUP_MAX_EVENTS = 20_000
# With no batch queued, a group is written once it is this old (a timer sees to it): in real
# time a poll brings a few events per partition, and writing each as its own group cost a
# record per touched shard per poll. The state is applied (and exported) at once; only its
# changelog records and the acks wait. 0.5 s instead of 0.2 s: 435 -> 364 changelog bytes per
# event at 1,000 events/s, the lag to applied unchanged (docs/benchmarks.md, session 23).
GROUP_LINGER_SECONDS = 0.5


class GroupWriter:
    def __init__(
        self,
        write_state: Callable[[], None],
        deliver: Callable[[], Awaitable[None]],
        *,
        max_batches: int = GROUP_MAX_BATCHES,
        max_events: int = GROUP_MAX_EVENTS,
        linger_seconds: float = GROUP_LINGER_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._write_state = write_state
        self._deliver = deliver
        self._ack: Callable[[Any], Awaitable[None]] | None = None
        self.max_batches = max_batches
        self.max_events = max_events
        self.linger_seconds = linger_seconds
        self._clock = clock
        # The open group: its stream events only, not the batches (64 parsed backlog batches
        # held a third of a million facts).
        self._pending: list[Any] = []
        self._events = 0  # events in the batches applied since the last write
        self._started = 0.0  # clock time of the open group's first batch
        # The agent, the timer and a revocation all commit groups.
        self._committing = asyncio.Lock()
        self._in_flight: asyncio.Future[None] | None = None

    def bind(self, ack: Callable[[Any], Awaitable[None]]) -> None:
        """The agent's ack, once its stream runs: until then nothing is acked."""
        self._ack = ack

    def hold(self, event: Any, events: int) -> None:
        """``event``'s batch, of ``events`` events, is applied: it joins the open group."""
        self._events += events
        if not self._pending:
            self._started = self._clock()
        self._pending.append(event)

    def is_due(self) -> bool:
        """The open group has lingered long enough."""
        return bool(self._pending) and self._clock() - self._started >= self.linger_seconds

    def should_commit(self, queue_empty: bool) -> bool:
        """After a batch: commit when the group is full, or when no batch waits and it is due."""
        return (
            len(self._pending) >= self.max_batches
            or self._events >= self.max_events
            or (queue_empty and self.is_due())
        )

    async def commit(self, wait: bool = False) -> None:
        """Write the open group; its delivery and acks follow in the background, after the
        group before it. With ``wait``, return once every event held so far is acked."""
        async with self._committing:
            if self._in_flight is not None:
                in_flight, self._in_flight = self._in_flight, None
                await in_flight
            self._write_state()
            self._events = 0
            if not self._pending or self._ack is None:
                return
            group, self._pending = self._pending, []
            delivery = asyncio.ensure_future(self._deliver_and_ack(group, self._ack))
            if wait:
                await delivery
            else:
                self._in_flight = delivery

    async def commit_if_due(self) -> None:
        if self.is_due():
            await self.commit()

    async def release(self) -> None:
        """At a revocation: faust clears the agent's queue and waits for every ack, so the
        held events must be acked without a next event to trigger it."""
        await self.commit(wait=True)

    async def _deliver_and_ack(
        self, group: list[Any], ack: Callable[[Any], Awaitable[None]]
    ) -> None:
        await self._deliver()
        for event in group:
            await ack(event)
