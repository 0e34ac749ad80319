"""A compact map from event-id keys (120-bit ints) to the tag (uint32) of their batch.

The dedup index holds every id of its window: about 900,000 at 1,000 events/s. As a dict,
each id cost its int key (40 bytes) and a slot (about 50): 81 MiB at 885,000 ids. Here an id
costs 20 bytes a slot (its key in two ``array`` words, its batch's tag in a third) at a load
of 0.35-0.7, and no object of its own. Whole keys are compared: a table that matched on 64 bits
could be led astray by ids made to collide there (2³² work), the 120-bit digest cannot.

Open addressing with linear probing; a removal shifts the entries after it back (no
tombstones), so probes stay short however many ids the window expires.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable

_LOW64 = (1 << 64) - 1
_MIN_SLOTS = 64


class IdTable:
    def __init__(self) -> None:
        self._count = 0
        self._reset(_MIN_SLOTS)

    def _reset(self, slots: int) -> None:
        self._mask = slots - 1
        self._lows = array("Q", bytes(8 * slots))
        self._highs = array("Q", bytes(8 * slots))
        self._tags = array("I", bytes(4 * slots))  # a batch's tag + 1; 0: an empty slot

    def __len__(self) -> int:
        return self._count

    def _find(self, low: int, high: int) -> tuple[int, bool]:
        """The slot holding the key, or the empty slot where it would go."""
        lows, highs, tags, mask = self._lows, self._highs, self._tags, self._mask
        slot = low & mask
        while tags[slot]:
            if lows[slot] == low and highs[slot] == high:
                return slot, True
            slot = (slot + 1) & mask
        return slot, False

    def get(self, key: int) -> int | None:
        """The tag ``key`` is filed under, if any."""
        slot, found = self._find(key & _LOW64, key >> 64)
        return self._tags[slot] - 1 if found else None

    def put(self, key: int, tag: int) -> None:
        """File ``key`` under ``tag`` (0 to 2³² - 2)."""
        self.put_all((key,), tag)

    def put_all(self, keys: Iterable[int], tag: int) -> None:
        """File every key of ``keys`` under ``tag``. A batch's ids are filed together, with
        the probe written out here: a method call per id cost as much as the probe."""
        value = tag + 1
        lows, highs, tags, mask = self._lows, self._highs, self._tags, self._mask
        for key in keys:
            low, high = key & _LOW64, key >> 64
            slot = low & mask
            while tags[slot]:
                if lows[slot] == low and highs[slot] == high:
                    break
                slot = (slot + 1) & mask
            else:
                lows[slot], highs[slot] = low, high
                self._count += 1
            tags[slot] = value
            if self._count * 10 > 7 * (mask + 1):  # load above 0.7
                self._resize(2 * (mask + 1))
                lows, highs, tags, mask = self._lows, self._highs, self._tags, self._mask

    def remove(self, key: int, tag: int) -> None:
        """Forget ``key`` if it is still filed under ``tag`` (not refiled since)."""
        self.remove_all((key,), tag)

    def remove_all(self, keys: Iterable[int], tag: int) -> None:
        """``remove`` for every key of ``keys`` (a batch's ids expire together)."""
        value = tag + 1
        lows, highs, tags, mask = self._lows, self._highs, self._tags, self._mask
        for key in keys:
            slot, found = self._find(key & _LOW64, key >> 64)
            if not found or tags[slot] != value:
                continue  # not filed, or refiled under another tag since
            # Shift back each following entry of the cluster whose home slot does not lie
            # (cyclically) after the hole and up to itself: it stays reachable from its home.
            hole, nxt = slot, (slot + 1) & mask
            while tags[nxt]:
                home = lows[nxt] & mask
                if (hole < nxt and (home <= hole or home > nxt)) or (
                    hole > nxt and home <= hole and home > nxt
                ):
                    lows[hole], highs[hole], tags[hole] = lows[nxt], highs[nxt], tags[nxt]
                    hole = nxt
                nxt = (nxt + 1) & mask
            tags[hole] = 0
            self._count -= 1

    def shrink_to_fit(self) -> None:
        """After expiry: give back slots when the load fell under 0.15."""
        slots = self._mask + 1
        if slots > _MIN_SLOTS and self._count * 20 < 3 * slots:
            target = _MIN_SLOTS
            while target * 7 < self._count * 20:  # at most 0.35 after the resize
                target *= 2
            self._resize(target)

    def _resize(self, slots: int) -> None:
        lows, highs, tags = self._lows, self._highs, self._tags
        self._reset(slots)
        new_lows, new_highs, new_tags, mask = self._lows, self._highs, self._tags, self._mask
        for low, high, tag in zip(lows, highs, tags, strict=True):
            if tag:
                slot = low & mask
                while new_tags[slot]:
                    slot = (slot + 1) & mask
                new_lows[slot], new_highs[slot], new_tags[slot] = low, high, tag
