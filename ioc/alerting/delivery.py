"""Delivery bookkeeping for Alertmanager's API v2: what to send now, resends, backoff.

Alertmanager forgets an alert whose ``endsAt`` passes, so a firing alert is re-sent every
``resend_interval`` with ``endsAt`` four intervals ahead (as Prometheus does). A resolved alert
is sent once with ``endsAt`` at its resolution. Only the latest state of an alert waits to be
sent: a resolution replaces its firing, duplicates merge. The queue is bounded; past the bound
the oldest waiting alert is dropped and counted, never silently.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

from ioc.alerting.model import Alert, AlertChange, iso


@dataclass(slots=True)
class _Waiting:
    alert: Alert
    resolved_at: float | None  # wall clock of the resolution; None while firing


PEER_CLOCK_TOLERANCE = 2.0


class DeliveryQueue:
    def __init__(
        self,
        buffer_size: int,
        resend_interval: float,
        max_backoff: float,
        generator_url: str = "",
    ) -> None:
        self.buffer_size = buffer_size
        self.resend_interval = resend_interval
        self.max_backoff = max_backoff
        self.generator_url = generator_url
        self._waiting: OrderedDict[str, _Waiting] = OrderedDict()
        self._firing: dict[str, Alert] = {}
        self._last_sent: dict[str, float] = {}
        self._in_flight: dict[str, _Waiting] = {}
        self.dropped = 0
        self.failures_in_a_row = 0
        self.retry_at = 0.0
        # Alertmanager's clock minus ours, as its answers' Date header shows it.
        self.peer_clock_offset = 0.0

    def __len__(self) -> int:
        return len(self._waiting)

    def submit(self, change: AlertChange, wall: float) -> None:
        fp = change.alert.fingerprint
        if change.status == "firing":
            self._firing[fp] = change.alert
            waiting = _Waiting(change.alert, None)
        else:
            self._firing.pop(fp, None)
            self._last_sent.pop(fp, None)
            waiting = _Waiting(change.alert, wall)
        self._waiting.pop(fp, None)
        self._waiting[fp] = waiting
        while len(self._waiting) > self.buffer_size:
            self._waiting.popitem(last=False)
            self.dropped += 1

    def due(self, wall: float) -> list[dict[str, object]]:
        """The Alertmanager payload to post now: waiting alerts and firing alerts due for a
        resend. Empty while backing off after a failure."""
        if wall < self.retry_at:
            return []
        for fp, alert in self._firing.items():
            if fp not in self._waiting and wall - self._last_sent.get(fp, 0.0) >= (
                self.resend_interval
            ):
                self._waiting[fp] = _Waiting(alert, None)
        self._in_flight = dict(self._waiting)
        return [self._payload(w, wall) for w in self._waiting.values()]

    def delivered(self, payload: list[dict[str, object]], wall: float) -> None:
        for item in payload:
            fp = str(item["fingerprint"])
            # A newer state submitted while the post was in flight still waits.
            if self._waiting.get(fp) is self._in_flight.get(fp):
                self._waiting.pop(fp, None)
            if fp in self._firing:
                self._last_sent[fp] = wall
        self._in_flight = {}
        self.failures_in_a_row = 0
        self.retry_at = 0.0

    def observe_peer_clock(self, peer_now: float, wall: float) -> None:
        """Alertmanager compares ``endsAt`` with its own clock: a worker clock that is off
        (broken NTP, or a test under faketime) would expire pages early or keep resolved
        ones firing. The Date header has 1 s resolution, so a skew under 2 s is ignored.
        When the skew changes, every firing alert is re-sent with a corrected ``endsAt``."""
        skew = peer_now - wall
        if abs(skew) < PEER_CLOCK_TOLERANCE:
            skew = 0.0
        if abs(skew - self.peer_clock_offset) >= PEER_CLOCK_TOLERANCE:
            self.peer_clock_offset = skew
            self._last_sent.clear()

    def failed(self, wall: float) -> float:
        """Record a failed post; return the delay before the next attempt."""
        self.failures_in_a_row += 1
        delay = min(self.max_backoff, 0.5 * 2.0 ** (self.failures_in_a_row - 1))
        self.retry_at = wall + delay
        return delay

    def _payload(self, waiting: _Waiting, wall: float) -> dict[str, object]:
        alert = waiting.alert
        if waiting.resolved_at is None:
            ends = wall + 4 * self.resend_interval
        else:
            ends = waiting.resolved_at
        ends += self.peer_clock_offset
        starts = min(alert.starts_at, ends)
        return {
            "fingerprint": alert.fingerprint,  # for our bookkeeping; stripped before posting
            "labels": alert.labels,
            "annotations": alert.annotations,
            "startsAt": iso(starts),
            "endsAt": iso(ends),
            "generatorURL": f"{self.generator_url}#{alert.fingerprint}",
        }


def http_date(value: str | None) -> float | None:
    """An HTTP Date header (Alertmanager's clock) as POSIX seconds, or None when absent or
    unreadable."""
    if not value:
        return None
    try:
        return parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def alertmanager_body(payload: list[dict[str, object]]) -> list[dict[str, object]]:
    """The ``POST /api/v2/alerts`` body: the payload without our bookkeeping fields."""
    return [{k: v for k, v in item.items() if k != "fingerprint"} for item in payload]
