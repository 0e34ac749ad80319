"""Numbers as an official Vietnamese document prints them: ``.`` between thousands and ``,``
before decimals (12.096; 62,2%), and never rounded across the threshold they are read
against: 99,85% beside a 99,9% SLO is not printed "99,9%"."""

from __future__ import annotations

import re

NO_DATA = "-"
# Decimals tried, fewest first, until the printed number sits on the same side of its
# threshold as the number itself.
_MOST_DECIMALS = 4


def number(value: float, decimals: int = 0) -> str:
    """``12096`` → ``12.096``; ``1234.5, 1`` → ``1.234,5``; ``-0.04, 1`` → ``0,0``."""
    text = f"{abs(value):,.{decimals}f}"
    text = text.replace(",", "\u0000").replace(".", ",").replace("\u0000", ".")
    negative = value < 0 and text.strip("0.,") != ""
    return ("-" if negative else "") + text


def signed(value: float | None, decimals: int = 1) -> str:
    if value is None:
        return NO_DATA
    text = number(value, decimals)
    return text if text.startswith("-") else "+" + text


def count(value: float) -> str:
    return number(round(value))


def percent(value: float | None, against: float | None = None, decimals: int = 1) -> str:
    """A ratio as a percentage, with ``decimals`` or as many more as it takes not to round
    across ``against`` (a ratio too: an SLO or a target)."""
    if value is None:
        return NO_DATA
    shown = decimals
    # 100% is for all of it: 99,96% is not printed as 100,0%.
    while shown < _MOST_DECIMALS and (
        (against is not None and _crosses(value, against, shown))
        or (value < 1 and round(value * 100, shown) >= 100)
    ):
        shown += 1
    return number(value * 100, shown) + "%"


def points(value: float | None) -> str:
    return NO_DATA if value is None else number(value, 1)


def _crosses(value: float, threshold: float, decimals: int) -> bool:
    printed = round(value * 100, decimals)
    limit = threshold * 100
    return (printed >= limit) != (value * 100 >= limit - 1e-12)


_NUMBER = re.compile(r"^[+-]?\d{1,3}(?:\.\d{3})*(?:,\d+)?%?$")


def parse(text: str) -> float:
    """A number as printed here back to a float (a percentage to a ratio): for the tests
    and for anyone who reads the report back."""
    if not _NUMBER.match(text):
        raise ValueError(f"not a number in the Vietnamese format: {text!r}")
    ratio = text.endswith("%")
    value = float(text.rstrip("%").replace(".", "").replace(",", "."))
    return value / 100 if ratio else value
