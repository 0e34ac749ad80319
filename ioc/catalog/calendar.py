"""The province's working calendar: office hours on office days, minus the days off and
plus the compensatory working days that the government announces each year.

One answer for every question of "is this working time": the intake-stall rule,
Alertmanager's office-hours interval, the simulator's traffic shape, the due-time check and
the report all ask this module. A year the catalog does not list raises
``CalendarYearMissing``; callers that must not stop (the detector, the simulator) fall back
to the plain office week with ``weekly_fallback`` and say so."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from ioc.catalog.model import Catalog, OfficeHours

_DAY = timedelta(days=1)
# Bounds the walk over days of a hostile due time or pause: beyond it, wall time.
_MAX_DAYS = 3660


class CalendarYearMissing(LookupError):
    """The catalog's calendar does not list ``year``."""

    def __init__(self, year: int, years: frozenset[int]) -> None:
        listed = ", ".join(str(y) for y in sorted(years)) or "none"
        super().__init__(
            f"the working calendar has no year {year} (it lists: {listed}); add "
            f"`calendar: {year}:` to the catalog from the government's announcement of "
            f"that year's holidays and days off"
        )
        self.year = year


@dataclass(frozen=True)
class WorkingCalendar:
    tz: ZoneInfo
    hours: OfficeHours
    days_off: Mapping[date, str]
    working_days: Mapping[date, str]
    years: frozenset[int]
    provisional_years: frozenset[int] = frozenset()

    @classmethod
    def of(cls, catalog: Catalog) -> WorkingCalendar:
        days_off = {d: off.name for y in catalog.calendar.values() for off in y.days_off
                    for d in off.days()}  # fmt: skip
        working = {w.date: w.name for y in catalog.calendar.values() for w in y.working_days}
        return cls(
            tz=ZoneInfo(catalog.province.timezone),
            hours=catalog.province.office_hours,
            days_off=days_off,
            working_days=working,
            years=frozenset(catalog.calendar),
            provisional_years=frozenset(y for y, s in catalog.calendar.items() if s.provisional),
        )

    def weekly_fallback(self) -> WorkingCalendar:
        """This calendar taking any year it does not list as plain office weeks."""
        return _Weekly(self.tz, self.hours, self.days_off, self.working_days, self.years,
                       self.provisional_years)  # fmt: skip

    def covers(self, year: int) -> bool:
        return year in self.years

    def is_working_day(self, day: date) -> bool:
        """``day`` (a province date) is a day the offices open."""
        if day.year not in self.years:
            self._missing(day.year)
        if day in self.days_off:
            return False
        return day in self.working_days or day.isoweekday() in self.hours.days

    def day_off_name(self, day: date) -> str | None:
        """The holiday or day off ``day`` is, or None (an office day, or a plain weekend)."""
        if day.year not in self.years:
            self._missing(day.year)
        return self.days_off.get(day)

    def office_window(self, day: date) -> tuple[datetime, datetime] | None:
        """Opening and closing on ``day`` in province time, or None on a day off."""
        if not self.is_working_day(day):
            return None
        return (datetime.combine(day, self.hours.start, self.tz),
                datetime.combine(day, self.hours.end, self.tz))  # fmt: skip

    def is_working(self, moment: datetime) -> bool:
        """``moment`` (aware) falls in office hours of a working day: opening included,
        closing excluded."""
        local = moment.astimezone(self.tz)
        window = self.office_window(local.date())
        return window is not None and window[0] <= local < window[1]

    def windows(self, start: datetime, end: datetime) -> Iterator[tuple[datetime, datetime]]:
        """The office windows that overlap [start, end), clipped to it; a span longer than
        ten years (only hostile input makes one) is cut to its last ten years."""
        start = max(start, end - timedelta(days=_MAX_DAYS))
        day = start.astimezone(self.tz).date()
        last = end.astimezone(self.tz).date()
        while day <= last:
            window = self.office_window(day)
            if window is not None:
                lo, hi = max(window[0], start), min(window[1], end)
                if lo < hi:
                    yield lo, hi
            day += _DAY

    def working_seconds_between(self, start: datetime, end: datetime) -> float:
        """Office time between two moments, in seconds (0 if ``end`` is not after ``start``)."""
        return sum((hi - lo).total_seconds() for lo, hi in self.windows(start, end))

    def working_days_between(self, start: datetime, end: datetime) -> int:
        """Working days after ``start``'s province date up to and including ``end``'s: a
        dossier due on Friday and still open on Monday is 1 working day late."""
        start = max(start, end - timedelta(days=_MAX_DAYS))
        day = start.astimezone(self.tz).date() + _DAY
        last = end.astimezone(self.tz).date()
        count = 0
        while day <= last:
            count += self.is_working_day(day)
            day += _DAY
        return count

    def add_working_seconds(self, moment: datetime, seconds: float) -> datetime:
        """The moment ``seconds`` of office time after ``moment``: a due time moved by the
        office time a dossier's clock was paused. Past ten years of days, wall time."""
        if seconds <= 0:
            return moment
        day = moment.astimezone(self.tz).date()
        for _ in range(_MAX_DAYS):
            window = self.office_window(day)
            if window is not None and window[1] > moment:
                start = max(window[0], moment)
                available = (window[1] - start).total_seconds()
                if seconds <= available:
                    return start + timedelta(seconds=seconds)
                seconds -= available
            day += _DAY
        return moment + timedelta(seconds=seconds)

    def working_seconds_between_ts(self, start: float, end: float) -> float:
        """``working_seconds_between`` on Unix timestamps."""
        if end <= start:
            return 0.0
        return self.working_seconds_between(
            datetime.fromtimestamp(start, self.tz), datetime.fromtimestamp(end, self.tz)
        )

    def add_working_seconds_ts(self, ts: float, seconds: float) -> float:
        """``add_working_seconds`` on a Unix timestamp."""
        if seconds <= 0:
            return ts
        return self.add_working_seconds(datetime.fromtimestamp(ts, self.tz), seconds).timestamp()

    def _missing(self, year: int) -> None:
        raise CalendarYearMissing(year, self.years)


class _Weekly(WorkingCalendar):
    def _missing(self, year: int) -> None:
        return None
