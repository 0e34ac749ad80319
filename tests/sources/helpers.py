"""What tests of the real sources share: a small catalog of their own, a topic reader."""

from __future__ import annotations

import asyncio
import time
import urllib.request
from pathlib import Path
from typing import Any

import yaml
from aiokafka import AIOKafkaConsumer

from ioc.catalog.loader import DEFAULT_CATALOG_PATH
from ioc.config import Settings


def catalog_with_services(directory: Path, services: list[dict[str, Any]]) -> Path:
    """The bundled catalog with these services (and no maintenance), written to a file."""
    doc = yaml.safe_load(DEFAULT_CATALOG_PATH.read_text())
    doc["services"] = services
    doc["maintenance"] = []
    path = directory / "catalog.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True))
    return path


def read_topic(
    settings: Settings,
    topic: str,
    until: int,
    timeout: float = 30.0,
) -> list[Any]:
    """Records of ``topic`` from the beginning, until ``until`` of them or the timeout."""

    async def read() -> list[Any]:
        consumer = AIOKafkaConsumer(
            topic,
            bootstrap_servers=settings.bootstrap_servers(),
            auto_offset_reset="earliest",
            enable_auto_commit=False,
        )
        await consumer.start()
        records: list[Any] = []
        deadline = time.monotonic() + timeout
        try:
            while len(records) < until and time.monotonic() < deadline:
                batches = await consumer.getmany(timeout_ms=500)
                for batch in batches.values():
                    records.extend(batch)
        finally:
            await consumer.stop()
        return records

    return asyncio.run(read())


def scrape(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as resp:
        text: str = resp.read().decode()
    return text


def sample(text: str, name: str, **labels: str) -> float | None:
    from prometheus_client.parser import text_string_to_metric_families

    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
                return float(s.value)
    return None
