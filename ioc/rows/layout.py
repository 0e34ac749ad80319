"""A row layout: a frozen dataclass whose fields are a row's fields in order, each holding its
position. ``starting_at`` numbers them, so a layout is written once, without numbers, and the
same fields later in a longer row (a batch row puts the offset first) are the same layout
started one place on."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Self


@dataclass(frozen=True, slots=True)
class Layout:
    @classmethod
    def starting_at(cls, first: int) -> Self:
        return cls(*range(first, first + len(fields(cls))))

    @property
    def LENGTH(self) -> int:
        """The length of a row that ends with these fields."""
        return int(getattr(self, fields(self)[-1].name)) + 1
