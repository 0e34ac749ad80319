"""EventPublisher.send: one answer per record, and no wait repeated for a broker that is gone."""

from __future__ import annotations

import asyncio
from typing import Any

from aiokafka.errors import KafkaTimeoutError, MessageSizeTooLargeError
from prometheus_client import CollectorRegistry

from ioc.config import load_settings
from ioc.sources.publisher import EventPublisher, Outgoing


class FakeProducer:
    """Raises ``errors[i]`` for the i-th send; acknowledges the rest at once."""

    def __init__(self, errors: dict[int, Exception]) -> None:
        self.errors = errors
        self.calls = 0

    async def send(self, topic: str, value: bytes, **kwargs: Any) -> asyncio.Future[None]:
        i, self.calls = self.calls, self.calls + 1
        if i in self.errors:
            raise self.errors[i]
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        done.set_result(None)
        return done


def send(producer: FakeProducer, n: int) -> list[BaseException | None]:
    publisher = EventPublisher(load_settings(), CollectorRegistry(), "test")
    publisher._producer = producer  # type: ignore[assignment]
    records = [Outgoing("t", b"x") for _ in range(n)]
    return asyncio.run(publisher.send(records))


def test_a_broker_that_times_out_is_asked_once_not_once_per_record() -> None:
    producer = FakeProducer({1: KafkaTimeoutError()})
    outcomes = send(producer, 100)
    assert producer.calls == 2
    assert outcomes[0] is None and all(isinstance(o, KafkaTimeoutError) for o in outcomes[1:])


def test_a_record_refused_for_its_size_does_not_hold_back_the_others() -> None:
    producer = FakeProducer({1: MessageSizeTooLargeError()})
    outcomes = send(producer, 3)
    assert producer.calls == 3
    assert [type(o) for o in outcomes] == [type(None), MessageSizeTooLargeError, type(None)]
