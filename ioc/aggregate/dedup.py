"""Event-id deduplication over an event-time window.

The offset watermark absorbs redelivery of the *same* message. An upstream producer retry, a
forwarder replaying its spool, or a source sending twice puts the same ``event_id`` at a *new*
offset: this index catches those. It remembers, for each event id applied in the last
``window`` seconds of event time, the source offset it was applied at. An event is a duplicate
when its id was applied at a different offset; the same offset again is a replay, not a
duplicate, which keeps a batch re-applied after a crash from discarding itself.

**Scope.** An event id names one event of one entity of one source: the agent of a SOC alert,
the alert of a status change, the service of a probe, the dossier of a dossier step. The
same id sent for two agents is two alerts, both counted; sent twice for one agent, one. Every
event of an entity lands in one partition and one state shard, so the answer does not depend
on how the entities are spread over shards or workers.

Ids are kept as a 120-bit BLAKE2b digest (``key_of``), not as the id string: the index holds
every id of the window (about 900,000 at 1,000 events/s over 15 minutes), and a digest as an
int weighs 40 bytes in memory and 15 on the changelog against 85 and ~40 for a UUID string.
Two different ids share a digest with a chance of about n² / 2¹²¹ (1e-24 for a million ids in
the window); finding an id that shares the digest of a given one is a second preimage of
BLAKE2b-120: an attacker who can write to a topic cannot make a real event a duplicate.

Memory: 20 bytes a slot of ``IdTable`` per id at a load of 0.35-0.7 (the offset is read
from the batch's packed record, shared with the ``*-seen`` table, 23 bytes per id).
885,000 UUID ids beside the table's records: see ``ioc/aggregate/idtable.py`` and
docs/kpis.md.
"""

from __future__ import annotations

import struct
from hashlib import blake2b

import orjson

from ioc.aggregate.idtable import IdTable

_DIGEST_BYTES = 15
# A seen record: marker, newest event time, then (digest, offset) per id.
_MARKER = b"S1"
_HEAD = struct.Struct("<d")
_PAIR = struct.Struct(f"<{_DIGEST_BYTES}sq")
_OFFSET = struct.Struct("<q")
_BODY = len(_MARKER) + _HEAD.size
_TAGS = (1 << 32) - 1


def key_of(event_id: str, entity: str = "") -> int:
    """The event id as the index keeps it, within its entity (any str: a lone surrogate
    cannot make it raise). The entity's length goes first, so no (entity, id) pair can be
    spelled as another."""
    named = entity.encode("utf-8", "surrogatepass")
    data = len(named).to_bytes(2, "little") + named + event_id.encode("utf-8", "surrogatepass")
    return int.from_bytes(blake2b(data, digest_size=_DIGEST_BYTES).digest(), "little")


class SeenEvents:
    def __init__(self, window_seconds: float) -> None:
        self.window_seconds = window_seconds
        # id key -> its offset, while its batch is unwritten (``add_one``)
        self._pending: dict[int, int] = {}
        # id key -> the tag of its batch; the batch's packed record (``encode``) holds the offset
        self._filed = IdTable()
        self._records: dict[int, bytes] = {}  # tag -> record
        self._next_tag = 0
        # batch key -> (newest event time in it, its tag): the unit of persistence and expiry
        self._batches: dict[str, tuple[float, int]] = {}

    def __len__(self) -> int:
        return len(self._filed) + len(self._pending)

    def is_duplicate(self, key: int, offset: int) -> bool:
        pending = self._pending.get(key)
        if pending is not None:
            return pending != offset
        tag = self._filed.get(key)
        return tag is not None and _offset_in(self._records[tag], key) != offset

    def add_one(self, key: int, offset: int) -> None:
        """Remember an id now; ``add`` then files it under its batch for expiry."""
        self._pending[key] = offset

    def add(self, batch_key: str, newest_ts: float, pairs: list[tuple[int, int]]) -> None:
        self.add_record(batch_key, self.encode(newest_ts, pairs))

    def add_record(self, batch_key: str, record: bytes) -> None:
        """File a batch's record (``encode``), as written to or read from the seen table."""
        if not record.startswith(_MARKER):
            # Written before ids were kept as digests: [newest_ts, [[event id, offset], ...]].
            newest_ts, pairs = orjson.loads(record)
            self.add(batch_key, newest_ts, [(key_of(e), o) for e, o in pairs])
            return
        (newest_ts,) = _HEAD.unpack_from(record, len(_MARKER))
        replaced = self._batches.pop(batch_key, None)
        if replaced is not None:  # the same batch filed again (read back, then re-applied)
            self._forget(replaced[1])
        tag = self._next_tag
        # Tags are live for the window only: wrapping after 2³² - 1 batches of one shard is safe.
        self._next_tag = (tag + 1) % _TAGS
        self._records[tag] = record
        keys = _keys_in(record)
        self._filed.put_all(keys, tag)
        pending = self._pending
        if pending:
            for key in keys:
                pending.pop(key, None)
        self._batches[batch_key] = (newest_ts, tag)

    def expire(self, event_time_now: float) -> list[str]:
        """Forget batches older than the window; return their keys (to delete from storage).

        Batches are added in event-time order (the partition clock only moves forward), so the
        oldest are first: stop at the first one still inside the window.
        """
        horizon = event_time_now - self.window_seconds
        old = []
        for batch_key, (ts, _) in self._batches.items():
            if ts >= horizon:
                break
            old.append(batch_key)
        for batch_key in old:
            self._forget(self._batches.pop(batch_key)[1])
        if old:
            self._filed.shrink_to_fit()
        return old

    def _forget(self, tag: int) -> None:
        self._filed.remove_all(_keys_in(self._records.pop(tag)), tag)

    @staticmethod
    def encode(newest_ts: float, pairs: list[tuple[int, int]]) -> bytes:
        pack = _PAIR.pack
        return b"".join(
            [_MARKER, _HEAD.pack(newest_ts)]
            + [pack(key.to_bytes(_DIGEST_BYTES, "little"), offset) for key, offset in pairs]
        )


def _keys_in(record: bytes) -> list[int]:
    """The id keys a packed record (``encode``) files."""
    from_bytes = int.from_bytes
    pairs = _PAIR.iter_unpack(memoryview(record)[_BODY:])  # a view: the record is not copied
    return [from_bytes(digest, "little") for digest, _ in pairs]


def _offset_in(record: bytes, key: int) -> int | None:
    """The offset ``record`` holds for ``key`` (a digest may also match across two pairs:
    only a match at a pair's start counts)."""
    digest = key.to_bytes(_DIGEST_BYTES, "little")
    at = record.find(digest, _BODY)
    while at >= 0:
        if (at - _BODY) % _PAIR.size == 0:
            return int(_OFFSET.unpack_from(record, at + _DIGEST_BYTES)[0])
        at = record.find(digest, at + 1)
    return None
