"""One producer for every real source: the same contracts, keys and acknowledgement rules.

An event is sent to its source's topic, keyed by ``partition_key`` (murmur2, as the worker
expects) with ``acks=all`` and idempotence, and only counts as published once the broker
acknowledged it. A source that cannot drop what it read (a file, an HTTP client) waits for
``publish``; the prober, whose results keep coming, keeps what failed in a bounded queue.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError, MessageSizeTooLargeError, RecordTooLargeError
from prometheus_client import CollectorRegistry, Counter

from ioc.config import Settings
from ioc.contracts.events import Event
from ioc.contracts.keys import partition_key
from ioc.ingest.deadletter import deadletter_headers, fit_dead_letter
from ioc.ingest.validate import DEAD_LETTER_REASONS


class PublishError(Exception):
    """The broker did not acknowledge: nothing of the call may be taken as stored."""


# Dead letters are cut to fit this, headers counted: under aiokafka's max_request_size and
# Kafka's message.max.bytes (both 1 MiB by default), whatever the original's length.
DEAD_LETTER_MAX_BYTES = 1_000_000


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One record to store: an event (``source`` set) or a dead letter (``reason`` set)."""

    topic: str
    value: bytes
    key: bytes | None = None
    headers: list[tuple[str, bytes]] = field(default_factory=list)
    source: str | None = None
    reason: str | None = None


def too_large(error: BaseException) -> bool:
    """The broker or the client refuses the record for its size: sending it again is futile."""
    return isinstance(error, MessageSizeTooLargeError | RecordTooLargeError)


class PublisherMetrics:
    def __init__(
        self, registry: CollectorRegistry, program: str, sources: tuple[str, ...] = ()
    ) -> None:
        self.program = program
        self.published = Counter(
            "ioc_source_events_published",
            "Events this program published and the broker acknowledged.",
            ["program", "source"],
            registry=registry,
        )
        self.dead_letters = Counter(
            "ioc_source_dead_letters",
            "Inputs this program could not map to an event, dead-lettered with their bytes.",
            ["program", "reason"],
            registry=registry,
        )
        self.failures = Counter(
            "ioc_source_publish_failures",
            "Publish calls the broker did not acknowledge (retried or reported to the sender).",
            ["program"],
            registry=registry,
        )
        self.dropped = Counter(
            "ioc_source_events_dropped",
            "Events dropped because the broker stayed unreachable and the queue was full.",
            ["program"],
            registry=registry,
        )
        # Every series exists from the start at 0: a rate panel or alert sees "none yet",
        # not "no data".
        for source in sources:
            self.published.labels(program, source)
        for reason in DEAD_LETTER_REASONS:
            self.dead_letters.labels(program, reason)
        self.failures.labels(program)
        self.dropped.labels(program)


class EventPublisher:
    def __init__(
        self,
        settings: Settings,
        registry: CollectorRegistry,
        program: str,
        *,
        sources: tuple[str, ...] = (),
        request_timeout_seconds: float = 10.0,
    ) -> None:
        self.settings = settings
        self.metrics = PublisherMetrics(registry, program, sources)
        self._topics = settings.topics.of_source()
        self._timeout = request_timeout_seconds
        self._producer: AIOKafkaProducer | None = None
        # Whether the broker answered the last call or check: what readiness reports.
        self.reachable = False

    async def start(self) -> None:
        """Connect; raises KafkaError when the broker does not answer (call again later)."""
        timeout_ms = int(self._timeout * 1000)
        # No idempotent producer: Tansu does not grant producer ids. A resend is a duplicate
        # by event id, which the worker drops.
        producer = AIOKafkaProducer(
            acks="all",
            linger_ms=5,
            # Also bounds a send's wait for metadata: a broker that is down fails the call.
            request_timeout_ms=timeout_ms,
            **self.settings.kafka_client_kwargs(),
        )
        try:
            await producer.start()
        except BaseException:
            await producer.stop()
            raise
        self._producer = producer
        self.reachable = True

    async def check(self) -> bool:
        """Ask the broker for its cluster metadata; True (and ``reachable``) when it answers
        in time. The producer alone reconnects lazily and would not notice a dead broker
        until the next send."""
        producer = self._producer
        if producer is None:
            self.reachable = False
            return False
        try:
            await asyncio.wait_for(producer.client.fetch_all_metadata(), self._timeout)
        except (KafkaError, TimeoutError, OSError):
            self.reachable = False
        else:
            self.reachable = True
        return self.reachable

    async def stop(self) -> None:
        if self._producer is not None:
            producer, self._producer = self._producer, None
            await producer.stop()

    @property
    def connected(self) -> bool:
        return self._producer is not None

    async def __aenter__(self) -> EventPublisher:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def publish(self, events: Sequence[Event]) -> None:
        """Send ``events`` and wait until the broker acknowledged every one; raises
        PublishError otherwise (some may be stored: a resend is a duplicate by event id)."""
        outcomes = await self.send([self.event_record(event) for event in events])
        failed = next((outcome for outcome in outcomes if outcome is not None), None)
        if failed is not None:
            raise PublishError(f"broker did not acknowledge: {failed!r}")

    def event_record(self, event: Event) -> Outgoing:
        return Outgoing(
            self._topics[event.source],
            event.model_dump_json().encode(),
            key=partition_key(event).encode(),
            source=event.source,
        )

    def dead_letter_record(
        self,
        value: bytes,
        reason: str,
        detail: str,
        origin: str,
        offset: int,
        *,
        original_length: int | None = None,
        original_sha256: str | None = None,
        limit: int = DEAD_LETTER_MAX_BYTES,
    ) -> Outgoing:
        """A dead letter of an input that is not an event, with its bytes (or their head,
        length and hash when they cannot fit): ``origin`` names where it came from (a file's
        path, an HTTP endpoint) and ``offset`` where in it."""
        headers = deadletter_headers(reason, detail, origin, -1, offset)
        value, headers = fit_dead_letter(
            value,
            headers,
            limit,
            original_length=original_length,
            original_sha256=original_sha256,
        )
        return Outgoing(self.settings.topics.deadletter, value, headers=headers, reason=reason)

    async def send(self, records: Sequence[Outgoing]) -> list[BaseException | None]:
        """Send every record at once and wait for each acknowledgement: per record, None
        once stored, or the error (then it may still have been stored)."""
        if not records:
            return []
        producer = self._producer
        if producer is None:
            self.reachable = False
            error = PublishError("not connected to the broker")
            self.metrics.failures.labels(self.metrics.program).inc()
            return [error] * len(records)
        outcomes: list[BaseException | None] = [None] * len(records)
        futures: dict[int, asyncio.Future[object]] = {}
        for i, record in enumerate(records):
            try:
                futures[i] = await producer.send(
                    record.topic, record.value, key=record.key, headers=record.headers or None
                )
            except (KafkaError, TimeoutError) as exc:
                if too_large(exc):
                    outcomes[i] = exc  # this record only: the others may go
                    continue
                # The broker is not there (a send waits up to the request timeout for its
                # metadata): the rest would each wait as long for the same answer.
                outcomes[i:] = [exc] * (len(records) - i)
                break
        if futures:
            await asyncio.wait(futures.values(), timeout=self._timeout * 2)
            for i, future in futures.items():
                outcomes[i] = _failure(future)
        program = self.metrics.program
        for record, outcome in zip(records, outcomes, strict=True):
            if outcome is not None:
                continue
            if record.source is not None:
                self.metrics.published.labels(program, record.source).inc()
            if record.reason is not None:
                self.metrics.dead_letters.labels(program, record.reason).inc()
        if any(outcome is not None for outcome in outcomes):
            self.metrics.failures.labels(program).inc()
        if any(outcome is None for outcome in outcomes):
            self.reachable = True
        elif any(not too_large(outcome) for outcome in outcomes if outcome is not None):
            self.reachable = False
        return outcomes


def _failure(future: asyncio.Future[object]) -> BaseException | None:
    if not future.done():
        return TimeoutError("no acknowledgement in time")
    if future.cancelled():
        return PublishError("cancelled")
    return future.exception()


class PendingQueue:
    """Events waiting for the broker, oldest dropped (and counted) beyond ``capacity``."""

    def __init__(self, publisher: EventPublisher, capacity: int = 10_000) -> None:
        self._publisher = publisher
        self._queue: deque[Event] = deque()
        self._capacity = capacity

    def __len__(self) -> int:
        return len(self._queue)

    def add(self, event: Event) -> None:
        self._queue.append(event)
        self._trim()

    def _trim(self) -> None:
        while len(self._queue) > self._capacity:
            self._queue.popleft()
            metrics = self._publisher.metrics
            metrics.dropped.labels(metrics.program).inc()

    async def flush(self) -> bool:
        """Publish what is queued; False (all kept) when the broker did not acknowledge."""
        batch = list(self._queue)
        self._queue.clear()
        try:
            await self._publisher.publish(batch)
        except PublishError:
            # Back in front of what arrived meanwhile, then trimmed to capacity.
            self._queue.extendleft(reversed(batch))
            self._trim()
            return False
        return True
