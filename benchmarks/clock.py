"""What every benchmark runs on: a fixed province time (figures must not depend on the hour
they run), and topics and a consumer group of its own."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from ioc.clock import Clock
from ioc.config import Settings, TopicNames, load_settings
from streams.topics import ensure_topics

# A Tuesday, 10:00 province time: full office-hours traffic, as the published figures assume.
BENCH_CLOCK_START = datetime(2026, 11, 24, 10, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))


def bench_settings(broker_url: str, workdir: Path, prefix: str, **overrides: Any) -> Settings:
    """Settings on the benchmark's province time, with a run id of their own for the app and
    its topics, the topics created."""
    run = prefix + uuid.uuid4().hex[:6]
    settings = load_settings(
        broker_url=broker_url,
        app_id=run,
        topics=TopicNames.prefixed(run),
        data_dir=workdir / "data",
        clock_offset_seconds=Clock.starting_at(BENCH_CLOCK_START).offset_seconds,
        **overrides,
    )
    asyncio.run(ensure_topics(settings))
    return settings
