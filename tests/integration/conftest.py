"""Fixtures for tests on real components: the embedded Tansu broker, worker processes and
Prometheus. Each test gets its own topics and consumer groups, so tests don't interfere."""

from __future__ import annotations

import asyncio
import json
import os
import time
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer

from ioc.catalog import Catalog
from ioc.clock import Clock
from ioc.config import Settings, TopicNames, load_settings
from ioc.runtime import EmbeddedBroker, WorkerProcess, free_port
from ioc.simulate import GroundTruth, ScenarioFile, Simulator
from ioc.simulate.disturb import Disturbance
from ioc.simulate.publish import publish
from ioc.simulate.truth import differences
from streams.topics import ensure_topics
from tests.conftest import WEEKDAY_MORNING

pytestmark = pytest.mark.integration


@pytest.fixture(scope="session")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedBroker]:
    log = tmp_path_factory.mktemp("broker") / "tansu.log"
    with EmbeddedBroker(log_file=log) as b:
        yield b


@pytest.fixture
def province_now() -> datetime:
    """The province time a test's pipeline starts at; override it in a test module to run
    the same test at another named time."""
    return WEEKDAY_MORNING


@pytest.fixture
def settings(broker: EmbeddedBroker, tmp_path: Path, province_now: datetime) -> Settings:
    return make_settings(broker, tmp_path, province_now)


def make_settings(
    broker: EmbeddedBroker, tmp_path: Path, province_now: datetime = WEEKDAY_MORNING
) -> Settings:
    """Settings with topics and consumer groups of their own, the topics created, on a clock
    that reads ``province_now`` now and moves at real speed."""
    run = "t" + uuid.uuid4().hex[:10]
    s = load_settings(
        broker_url=broker.url,
        app_id=run,
        topics=TopicNames.prefixed(run),
        data_dir=tmp_path / "worker-data",
        partitions=4,
        # Short, so that a 100-second test stream can have events beyond it.
        late_grace_seconds=10.0,
        clock_offset_seconds=Clock.starting_at(province_now).offset_seconds,
    )
    asyncio.run(ensure_topics(s))
    return s


@pytest.fixture
def worker(settings: Settings, tmp_path: Path) -> Iterator[WorkerProcess]:
    with WorkerProcess(settings, free_port(), tmp_path / "worker.log") as w:
        w.wait_ready()
        yield w


def simulate(
    settings: Settings,
    catalog: Catalog,
    count: int,
    *,
    seed: int = 1,
    rate: float = 200.0,
    bad_ratio: float = 0.0,
    scenarios: ScenarioFile | None = None,
    truth: GroundTruth | None = None,
    disturbance: Disturbance | None = None,
    pace: float | None = None,
) -> GroundTruth:
    """Send ``count`` simulated events (history ending now); return the ground truth."""
    start = settings.clock().now_datetime() - timedelta(seconds=count / rate + 5)
    sim = Simulator(catalog, seed=seed, start=start, rate=rate, scenarios=scenarios)
    truth = truth or GroundTruth(catalog, late_grace_seconds=settings.late_grace_seconds)
    asyncio.run(
        publish(
            settings,
            sim,
            truth,
            count=count,
            bad_ratio=bad_ratio,
            disturbance=disturbance,
            pace=pace,
        )
    )
    return truth


def wait_for_truth(worker: WorkerProcess, truth: GroundTruth, timeout: float = 90.0) -> list[str]:
    """Poll /metrics until it equals the ground truth; return the remaining differences."""
    deadline = time.monotonic() + timeout
    diffs = ["not scraped yet"]
    while time.monotonic() < deadline:
        diffs = differences(worker.samples(), truth)
        if not diffs:
            return []
        time.sleep(0.5)
    return diffs


async def send_soc(settings: Settings, docs: list[tuple[bytes, dict[str, Any]]]) -> list[int]:
    """Send each (key, document) to the SOC topic with aiokafka (murmur2, the contract);
    return the partition each landed in."""
    producer = AIOKafkaProducer(bootstrap_servers=settings.bootstrap_servers())
    await producer.start()
    try:
        sent = [
            await producer.send_and_wait(settings.topics.soc, json.dumps(doc).encode(), key=key)
            for key, doc in docs
        ]
    finally:
        await producer.stop()
    return [meta.partition for meta in sent]


def real_clock_env() -> dict[str, str]:
    """This environment without faketime: librdkafka's calls never return under it, so a
    librdkafka helper process runs on the real clock (scripts/test-at.sh)."""
    return {
        k: v for k, v in os.environ.items() if k != "LD_PRELOAD" and not k.startswith("FAKETIME")
    }
