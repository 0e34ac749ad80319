"""Report periods in province time: the last complete week (Monday to Sunday), month or
quarter."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

PeriodKind = Literal["week", "month", "quarter"]
_ROMAN = ("I", "II", "III", "IV")
_MONTHS_EN = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip


@dataclass(frozen=True)
class ReportPeriod:
    kind: PeriodKind
    start: datetime  # aware, province time, included
    end: datetime  # excluded

    @property
    def seconds(self) -> int:
        return round((self.end - self.start).total_seconds())

    def previous(self) -> ReportPeriod:
        if self.kind == "week":
            return ReportPeriod("week", self.start - timedelta(days=7), self.start)
        if self.kind == "quarter":
            return quarter_of(self.start - timedelta(days=1))
        return month_of(self.start - timedelta(days=1))

    @property
    def title_vi(self) -> str:
        if self.kind == "quarter":
            return f"Quý {_ROMAN[(self.start.month - 1) // 3]}/{self.start.year}"
        if self.kind == "month":
            return f"Tháng {self.start.month}/{self.start.year}"
        last = self.end - timedelta(days=1)
        week = self.start.isocalendar().week
        return f"Tuần {week} ({self.start:%d/%m} - {last:%d/%m/%Y})"

    @property
    def title_en(self) -> str:
        if self.kind == "quarter":
            return f"Q{(self.start.month - 1) // 3 + 1} {self.start.year}"
        if self.kind == "month":
            return f"{_MONTHS_EN[self.start.month - 1]} {self.start.year}"
        last = self.end - timedelta(days=1)
        week = self.start.isocalendar().week
        return f"Week {week} ({self.start:%d %b} - {last:%d %b %Y})"


def month_of(day: datetime) -> ReportPeriod:
    start = day.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = (start + timedelta(days=32)).replace(day=1)
    return ReportPeriod("month", start, end)


def quarter_of(day: datetime) -> ReportPeriod:
    start = day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1, hour=0, minute=0, second=0,
                        microsecond=0)  # fmt: skip
    end = (start + timedelta(days=95)).replace(day=1)
    return ReportPeriod("quarter", start, end)


def last_complete(kind: PeriodKind, now: datetime) -> ReportPeriod:
    """The last week (Monday 00:00 to Monday 00:00), month or quarter that ended before
    ``now`` (an aware datetime in province time)."""
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    if kind == "week":
        this_monday = midnight - timedelta(days=midnight.weekday())
        return ReportPeriod("week", this_monday - timedelta(days=7), this_monday)
    if kind == "quarter":
        return quarter_of(quarter_of(midnight).start - timedelta(days=1))
    return month_of(midnight.replace(day=1) - timedelta(days=1))
