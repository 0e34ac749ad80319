"""Alertmanager's ``office_hours`` time interval from the working calendar: open exactly in
office hours of working days, closed on Tết and days off, open on compensatory Saturdays.

Alertmanager's intervals cannot subtract a day, so each listed year is written out month by
month as the days of the month that are worked. Years the calendar does not list fall back
to the plain office week (the pipeline raises IocCalendarYearMissing for them)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from ioc.catalog.calendar import WorkingCalendar

_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
           "september", "october", "november", "december")  # fmt: skip
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEK = 7 * 24 * 60
# Years outside this span are not worth an interval: nothing runs then.
_FIRST_YEAR, _LAST_YEAR = 1970, 2199


def office_intervals(
    calendar: WorkingCalendar, offset_seconds: float = 0.0
) -> list[dict[str, Any]]:
    """The ``office_hours`` time intervals. ``offset_seconds``: the pipeline's province clock
    reads wall + offset (the demo), so the intervals are moved back by it, on UTC; minute
    resolution."""
    shift = timedelta(minutes=round(offset_seconds / 60))
    location = "UTC" if shift else calendar.tz.key
    written = set(calendar.years)
    if shift and written:
        # A shifted week crosses the wall's New Year away from the province's: the year
        # either side of the listed ones is written out too (as plain weeks), so the
        # fallback's wall-clock years stay clear of the edges.
        written |= {min(written) - 1, max(written) + 1}
    days = calendar.weekly_fallback()
    spans: list[tuple[datetime, datetime]] = []
    for year in sorted(written):
        day = date(year, 1, 1)
        while day.year == year:
            window = days.office_window(day)
            if window is not None:
                start, end = window[0] - shift, window[1] - shift
                if shift:
                    start, end = start.astimezone(UTC), end.astimezone(UTC)
                spans.append((start, end))
            day += timedelta(days=1)
    intervals = span_intervals(spans, location)
    years = _unlisted(written)
    if years:
        intervals += [{**weekly, "years": years} for weekly in _weekly(calendar, shift)]
    return intervals


def span_intervals(
    spans: Iterable[tuple[datetime, datetime]], location: str
) -> list[dict[str, Any]]:
    """Spans of time (aware datetimes in ``location``'s zone, minute resolution) as Alertmanager
    time intervals: an on-call shift from Monday 08:00 to the next Monday 08:00, say."""
    pieces: list[tuple[datetime, datetime]] = []
    for start, end in spans:
        while start < end:
            midnight = datetime.combine(start.date() + timedelta(days=1), datetime.min.time(),
                                        start.tzinfo)  # fmt: skip
            pieces.append((start, min(end, midnight)))
            start = midnight
    return _by_month(pieces, location)


def _by_month(pieces: list[tuple[datetime, datetime]], location: str) -> list[dict[str, Any]]:
    """Pieces within one day each, grouped by month and hours: one interval per group."""
    grouped: dict[tuple[int, int, str, str], list[int]] = {}
    for start, end in pieces:
        times = (_hhmm(start.hour * 60 + start.minute), _hhmm_end(start, end))
        grouped.setdefault((start.year, start.month, *times), []).append(start.day)
    return [
        {
            "years": [str(year)],
            "months": [_MONTHS[month - 1]],
            "days_of_month": _ranges(days),
            "times": [{"start_time": start, "end_time": end}],
            "location": location,
        }
        for (year, month, start, end), days in grouped.items()
    ]


def _hhmm_end(start: datetime, end: datetime) -> str:
    """End time on ``start``'s day: 24:00 for a piece that runs to midnight."""
    if end.date() != start.date():
        return "24:00"
    return _hhmm(end.hour * 60 + end.minute)


def _weekly(calendar: WorkingCalendar, shift: timedelta) -> list[dict[str, Any]]:
    hours = calendar.hours
    if not shift:
        return [
            {
                "weekdays": [_WEEKDAYS[d - 1] for d in sorted(hours.days)],
                "times": [{"start_time": _hhmm(_minutes(hours.start)),
                           "end_time": _hhmm(_minutes(hours.end))}],
                "location": calendar.tz.key,
            }
        ]  # fmt: skip
    # Minutes since Monday 00:00 UTC of each office minute, grouped by UTC weekday. One UTC
    # offset for the zone: right for zones without daylight saving time, as Vietnam's.
    zone = datetime(2026, 1, 5, tzinfo=calendar.tz).utcoffset() or timedelta()
    move = -int(zone.total_seconds() // 60) - int(shift.total_seconds() // 60)
    pieces: list[tuple[int, int, int]] = []  # (UTC weekday, start minute, end minute)
    for day in hours.days:
        start = (day - 1) * 1440 + _minutes(hours.start) + move
        for a in range(start, start + _minutes(hours.end) - _minutes(hours.start)):
            weekday, of_day = divmod(a % _WEEK, 1440)
            if pieces and pieces[-1][0] == weekday and pieces[-1][2] == of_day:
                pieces[-1] = (weekday, pieces[-1][1], of_day + 1)
            else:
                pieces.append((weekday, of_day, of_day + 1))
    return [
        {
            "weekdays": [_WEEKDAYS[weekday]],
            "times": [{"start_time": _hhmm(start), "end_time": _hhmm(end)}],
            "location": "UTC",
        }
        for weekday, start, end in pieces
    ]


def _unlisted(years: Iterable[int]) -> list[str]:
    """Year ranges ("1970:2025", "2028:2199") the calendar does not list."""
    out, first = [], _FIRST_YEAR
    for year in sorted(years):
        if year > first:
            out.append(_span(first, year - 1))
        first = year + 1
    if first <= _LAST_YEAR:
        out.append(_span(first, _LAST_YEAR))
    return out


def _span(a: int, b: int) -> str:
    return str(a) if a == b else f"{a}:{b}"


def _ranges(days: list[int]) -> list[str]:
    out: list[str] = []
    for day in sorted(days):
        if out and int(out[-1].rsplit(":", 1)[-1]) == day - 1:
            out[-1] = f"{out[-1].split(':')[0]}:{day}"
        else:
            out.append(str(day))
    return out


def _minutes(t: Any) -> int:
    return int(t.hour) * 60 + int(t.minute)


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"
