"""Real-stream disturbances for a simulation: disorder, duplicates and late arrivals.

A pure generator over the simulator's time-ordered events, so tests can send the same events
in order, shuffled within the grace, with redeliveries, or with stragglers beyond the grace,
and compare against one ground truth.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace

from ioc.contracts.events import DossierEvent, SocAlertStatus
from ioc.simulate.generator import Emitted


@dataclass(frozen=True)
class Disturbance:
    # Shuffle events within consecutive windows of this many event-time seconds.
    disorder_seconds: float = 0.0
    # Send this fraction of events a second time, a little later (same event_id).
    duplicate_ratio: float = 0.0
    # Hold back this fraction of events until the stream is ``late_by_seconds`` ahead of them.
    late_ratio: float = 0.0
    late_by_seconds: float = 0.0
    # Send this fraction of dossier steps (received, resolved, returned, cancelled) and SOC
    # status changes again under a new event id, a little later: a portal's retry. Each
    # counts as a duplicate step, not a new one.
    repeat_step_ratio: float = 0.0
    seed: int = 0

    @property
    def active(self) -> bool:
        return bool(
            self.disorder_seconds
            or self.duplicate_ratio
            or self.late_ratio
            or self.repeat_step_ratio
        )


def disturb(events: Iterable[Emitted], d: Disturbance) -> Iterator[tuple[Emitted, bool]]:
    """Yield ``(event, is_duplicate)``: every input event once, plus the duplicates."""
    rng = random.Random(d.seed)
    return _duplicate(_disorder(_delay(events, d, rng), d, rng), d, rng)


def _ts(e: Emitted) -> float:
    return e.event.event_time.timestamp()


def _delay(events: Iterable[Emitted], d: Disturbance, rng: random.Random) -> Iterator[Emitted]:
    held: list[Emitted] = []
    for e in events:
        if d.late_ratio and rng.random() < d.late_ratio:
            held.append(e)
        else:
            yield e
            # Release the stragglers once the stream is late_by ahead of them.
            now = _ts(e)
            due = [h for h in held if now - _ts(h) >= d.late_by_seconds]
            if due:
                held = [h for h in held if now - _ts(h) < d.late_by_seconds]
                yield from due
    yield from held


def _disorder(events: Iterable[Emitted], d: Disturbance, rng: random.Random) -> Iterator[Emitted]:
    if not d.disorder_seconds:
        yield from events
        return
    window: list[Emitted] = []
    start = 0.0
    for e in events:
        if window and _ts(e) - start >= d.disorder_seconds:
            rng.shuffle(window)
            yield from window
            window = []
        if not window:
            start = _ts(e)
        window.append(e)
    rng.shuffle(window)
    yield from window


def _duplicate(
    events: Iterable[Emitted], d: Disturbance, rng: random.Random
) -> Iterator[tuple[Emitted, bool]]:
    # (when, the copy, whether it keeps the event id: a redelivery, not a step sent again)
    pending: list[tuple[int, Emitted, bool]] = []
    for n, e in enumerate(events, start=1):
        yield e, False
        if d.duplicate_ratio and rng.random() < d.duplicate_ratio:
            pending.append((n + rng.randint(1, 200), e, True))
        if d.repeat_step_ratio and _a_step(e) and rng.random() < d.repeat_step_ratio:
            retry = e.event.model_copy(update={"event_id": f"{e.event.event_id}-retry"})
            pending.append((n + rng.randint(1, 200), replace(e, event=retry), False))
        if pending:
            ready = [p for p in pending if p[0] <= n]
            pending = [p for p in pending if p[0] > n]
            for _, copy, same_id in ready:
                yield copy, same_id
    for _, copy, same_id in pending:
        yield copy, same_id


def _a_step(e: Emitted) -> bool:
    """A step an entity takes once: a dossier's receipt or closing, an alert's status."""
    event = e.event
    if isinstance(event, DossierEvent):
        return event.lifecycle in ("received", "resolved", "returned", "cancelled")
    return isinstance(event, SocAlertStatus)
