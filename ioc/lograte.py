"""Say a repeated failure once per interval, with how many times it happened."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable


class LogOncePer:
    """``ready(now)`` is True at the first occurrence and then at most once per
    ``interval`` seconds; ``take()`` gives how many occurrences that message stands for."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._last: float | None = None
        self._count = 0

    def ready(self, now: float) -> bool:
        self._count += 1
        if self._last is None or now - self._last >= self.interval:
            self._last = now
            return True
        return False

    def take(self) -> int:
        count, self._count = self._count, 0
        return count


class QuietRepeats(logging.Filter):
    """A handler filter: the same warning or error (same logger, level and message
    template) passes once per ``interval`` seconds, the next one saying how many were held
    back. A broker that is down makes aiokafka log the same connection error dozens of
    times a second; the log keeps saying so, once in a while, with a count."""

    def __init__(self, interval: float = 10.0, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.interval = interval
        self._clock = clock
        self._seen: dict[tuple[str, int, object], LogOncePer] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING:
            return True
        decided = getattr(record, "_ioc_quiet_passed", None)
        if decided is not None:  # one record, several handlers: one decision
            return bool(decided)
        passed = self._decide(record)
        record._ioc_quiet_passed = passed
        return passed

    def _decide(self, record: logging.LogRecord) -> bool:
        key = (record.name, record.levelno, record.msg)
        limiter = self._seen.get(key)
        if limiter is None:
            if len(self._seen) > 10_000:
                self._seen.clear()  # bounded whatever the messages
            limiter = self._seen[key] = LogOncePer(self.interval)
        if not limiter.ready(self._clock()):
            return False
        held = limiter.take() - 1
        if held:
            record.msg = (
                f"{record.getMessage()} ({held} more like this in the last {self.interval:g} s)"
            )
            record.args = ()  # mode formats None as one argument
        return True
