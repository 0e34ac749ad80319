"""The province clock: what the pipeline calls "now" when it compares event time with the present.

In production it is the wall clock. Tests, benchmarks and the demo replay a fixed, named
province time (a weekday morning, a night, a Sunday) so that their results never depend on
the hour they run at: they shift every component by the same offset
(``IOC_CLOCK_OFFSET_SECONDS``), and the shifted clock moves at real speed.

What talks to other programs' clocks stays on the wall clock: Alertmanager's ``endsAt``,
timeouts, backoff and Prometheus' scrape times.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime


@dataclass(frozen=True, slots=True)
class Clock:
    """Wall time plus a fixed offset, in POSIX seconds."""

    offset_seconds: float = 0.0

    def now(self) -> float:
        return time.time() + self.offset_seconds

    def now_datetime(self) -> datetime:
        return datetime.fromtimestamp(self.now(), UTC)

    @classmethod
    def starting_at(cls, when: datetime) -> Clock:
        """A clock that reads ``when`` now and moves on at real speed."""
        if when.tzinfo is None:
            raise ValueError(f"{when.isoformat()}: a clock start needs a time zone offset")
        return cls(when.timestamp() - time.time())
