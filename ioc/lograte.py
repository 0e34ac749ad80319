"""Say a repeated failure once per interval, with how many times it happened (pure)."""

from __future__ import annotations


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
