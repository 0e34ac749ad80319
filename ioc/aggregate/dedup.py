"""Event-id deduplication over an event-time window.

The offset watermark absorbs redelivery of the *same* message. An upstream producer retry, a
forwarder replaying its spool, or a source sending twice puts the same ``event_id`` at a *new*
offset: this index catches those. It remembers, for each event id applied in the last
``window`` seconds of event time, the source offset it was applied at. An event is a duplicate
when its id was applied at a different offset; the same offset again is a replay, not a
duplicate, which keeps a batch re-applied after a crash from discarding itself.

Memory: one entry per event in the window (about 150 bytes with the id string), so a
partition receiving r events/s holds about r × window × 150 bytes.
"""

from __future__ import annotations

from collections.abc import Iterable

import orjson


class SeenEvents:
    def __init__(self, window_seconds: float) -> None:
        self.window_seconds = window_seconds
        self._offsets: dict[str, int] = {}
        # batch key -> (newest event time in it, its ids): the unit of persistence and expiry
        self._batches: dict[str, tuple[float, list[str]]] = {}

    def __len__(self) -> int:
        return len(self._offsets)

    def is_duplicate(self, event_id: str, offset: int) -> bool:
        previous = self._offsets.get(event_id)
        return previous is not None and previous != offset

    def add_one(self, event_id: str, offset: int) -> None:
        """Remember an id now; ``add`` then files it under its batch for expiry."""
        self._offsets[event_id] = offset

    def add(self, batch_key: str, newest_ts: float, pairs: Iterable[tuple[str, int]]) -> None:
        ids = []
        for event_id, offset in pairs:
            self._offsets[event_id] = offset
            ids.append(event_id)
        self._batches[batch_key] = (newest_ts, ids)

    def expire(self, event_time_now: float) -> list[str]:
        """Forget batches older than the window; return their keys (to delete from storage).

        Batches are added in event-time order (the partition clock only moves forward), so the
        oldest are first: stop at the first one still inside the window.
        """
        horizon = event_time_now - self.window_seconds
        old = []
        for key, (ts, _) in self._batches.items():
            if ts >= horizon:
                break
            old.append(key)
        for key in old:
            _, ids = self._batches.pop(key)
            for event_id in ids:
                self._offsets.pop(event_id, None)
        return old

    @staticmethod
    def encode(newest_ts: float, pairs: list[tuple[str, int]]) -> bytes:
        return orjson.dumps([newest_ts, pairs])

    def load(self, batch_key: str, data: bytes) -> None:
        newest_ts, pairs = orjson.loads(data)
        self.add(batch_key, newest_ts, ((e, o) for e, o in pairs))
