"""When probes run: on a fixed grid per service, so that the interval never drifts.

Slot ``k`` of a service runs at ``phase + k * interval`` (POSIX seconds). The phase is a
hash of the service id: services start spread over their interval instead of all at once,
and a restarted prober lands on the same slots, so a slot probed twice has one event id.
A probe that overruns its next slot skips it (counted) rather than piling up.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Schedule:
    phase: float
    interval: float

    @classmethod
    def for_service(cls, service_id: str, interval: float) -> Schedule:
        fraction = zlib.crc32(service_id.encode()) / 2**32
        return cls(phase=fraction * interval, interval=interval)

    def time_of(self, slot: int) -> float:
        return self.phase + slot * self.interval

    def first_slot_after(self, now: float) -> int:
        """The first slot at or after ``now``."""
        return math.ceil((now - self.phase) / self.interval)

    def next_slot(self, done: int, now: float) -> int:
        """The slot to run after slot ``done`` finished at ``now``: the next one, or the
        first still ahead when the probe overran."""
        return max(done + 1, self.first_slot_after(now))


def event_id(service_id: str, schedule: Schedule, slot: int) -> str:
    """One id per service and slot: a resend, or a restarted prober's same slot, is a
    duplicate to the worker."""
    return f"probe-{service_id}-{round(schedule.time_of(slot) * 1000)}"
