"""When the ingest polls its sources again.

Each poll becomes one batch per source partition, and the aggregator pays a fixed cost per
batch (the faust stream, the table, the state shards, the alert signal): about 1-2 ms. Polling
again at once, as fast as the loop turns, made 260 batches a second of ~100 events at 17,000
events/s, and that fixed cost, not the events, put the aggregator 1-2 s behind
(docs/benchmarks.md, session 23). Under load a poll therefore waits until ``busy_interval``
after the one before: fewer, larger batches. Light traffic is polled at once, so that a page
does not wait.
"""

from __future__ import annotations

from dataclasses import dataclass

# Above this many messages a second (measured over the last poll), the ingest is busy.
BUSY_RATE = 2_000.0


@dataclass
class PollPacer:
    """``delay()`` before each poll, ``polled()`` after it; times in seconds (monotonic)."""

    busy_interval: float
    busy_rate: float = BUSY_RATE
    _last: float | None = None
    _busy: bool = False

    def delay(self, now: float) -> float:
        """How long to wait before polling at ``now``."""
        if not self._busy or self._last is None:
            return 0.0
        return max(0.0, self._last + self.busy_interval - now)

    def polled(self, started: float, messages: int) -> None:
        """The poll that began at ``started`` brought ``messages``."""
        if self._last is not None:
            # The rate since the previous poll began: the messages arrived in that time.
            self._busy = messages >= self.busy_rate * max(started - self._last, 1e-3)
        self._last = started
