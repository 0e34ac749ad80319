"""KPIs that depend on time passing, on the real broker and a real worker."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta

import pytest
from aiokafka import AIOKafkaProducer

from ioc.config import Settings
from ioc.contracts import DossierEvent
from ioc.runtime import WorkerProcess

pytestmark = pytest.mark.integration

OVERDUE = ("ioc_dossiers_overdue", (("agency", "so-tnmt"), ("level", "province")))
IN_PROGRESS = ("ioc_dossiers_in_progress", (("agency", "so-tnmt"), ("level", "province")))


def received(n: int, now: datetime, due: datetime) -> DossierEvent:
    return DossierEvent(
        schema_version=1,
        event_id=f"e-{n}",
        event_time=now,
        event_type="dossier",
        dossier_id=f"P{n:09d}",
        agency="so-tnmt",
        level="province",
        procedure_code="2.001",
        procedure_field="Đất đai",
        lifecycle="received",
        channel="direct",
        due_time=due,
    )


async def send(settings: Settings, events: list[DossierEvent]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=settings.bootstrap_servers())
    await producer.start()
    try:
        for e in events:
            await producer.send(
                settings.topics.dossier, e.model_dump_json().encode(), key=e.dossier_id.encode()
            )
        await producer.flush()
    finally:
        await producer.stop()


def wait_for(
    worker: WorkerProcess,
    key: tuple[str, tuple[tuple[str, str], ...]],
    value: float,
    timeout: float = 60,
) -> float | None:
    deadline = time.monotonic() + timeout
    got = None
    while time.monotonic() < deadline:
        got = worker.samples().get(key)
        if got == value:
            return got
        time.sleep(0.25)
    return got


def test_dossiers_without_further_events_become_overdue_when_their_due_time_passes(
    settings: Settings, worker: WorkerProcess
) -> None:
    now = settings.clock().now_datetime()
    due = now + timedelta(seconds=15)
    asyncio.run(send(settings, [received(n, now, due) for n in range(5)]))
    assert wait_for(worker, IN_PROGRESS, 5) == 5
    assert worker.samples().get(OVERDUE) == 0  # not yet due (the series exists from the start)
    # No event arrives any more: only the clock moves.
    assert wait_for(worker, OVERDUE, 5, timeout=60) == 5
