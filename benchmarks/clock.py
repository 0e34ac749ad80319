"""The province time benchmarks run at: their figures must not depend on the hour they run."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

# A Tuesday, 10:00 province time: full office-hours traffic, as the published figures assume.
BENCH_CLOCK_START = datetime(2026, 11, 24, 10, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
