"""The local day of an event time, read from a cache per UTC quarter hour, is the day a zone
conversion gives: across midnights, daylight-saving changes and offsets that are not whole
quarter hours (local mean time before standard zones)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from ioc.aggregate.kpi import local_date

ZONES = [
    "Asia/Ho_Chi_Minh",  # the province's, +07:06:40 before 1906
    "Europe/Berlin",  # daylight saving at 02:00-03:00
    "America/St_Johns",  # -03:30, daylight saving changed at 00:01 until 2011
    "Asia/Kathmandu",  # +05:45
    "Australia/Lord_Howe",  # a 30-minute daylight-saving shift
    "America/Sao_Paulo",  # daylight saving once started at midnight
    "Africa/Monrovia",  # -00:44:30 until 1972
]
# 1900-2100: the contract's years and the odd offsets before them.
TIMES = st.floats(min_value=-2.2e9, max_value=4.1e9, allow_nan=False)
# Instants near transitions and midnights are where a cache would be wrong: whole seconds
# and quarter-hour edges are drawn often.
EDGES = st.integers(-2_440_000, 4_550_000).flatmap(
    lambda q: st.sampled_from([q * 900.0, q * 900.0 - 1, q * 900.0 + 899, q * 900.0 + 0.5])
)


@settings(max_examples=2000, deadline=None)
@given(st.one_of(TIMES, EDGES), st.sampled_from(ZONES))
def test_the_local_day_is_the_zone_conversions_day(ts: float, zone: str) -> None:
    tz = ZoneInfo(zone)
    assert local_date(ts, tz) == datetime.fromtimestamp(ts, tz).date().isoformat()


def _edges(tz: ZoneInfo, year: int) -> list[float]:
    """Every 30 s of the two hours around each offset change of ``year`` and around the local
    midnights of its first days, in the zone."""
    start = datetime(year, 1, 1, tzinfo=ZoneInfo("UTC")).timestamp()
    hours = [start + 3600 * h for h in range(0, 366 * 24)]
    offsets = [datetime.fromtimestamp(t, tz).utcoffset() for t in hours]
    changes = [hours[i] for i in range(1, len(hours)) if offsets[i] != offsets[i - 1]]
    midnights = [
        datetime(year, 1, day, tzinfo=tz).timestamp() for day in range(2, 5)
    ]  # fmt: skip
    return [t + s for t in changes + midnights for s in range(-3600, 3600, 30)]


def test_the_local_day_is_right_around_every_offset_change_and_midnight() -> None:
    for zone in ZONES:
        tz = ZoneInfo(zone)
        for year in (1950, 1968, 2000, 2026):
            wrong = [
                t for t in _edges(tz, year)
                if local_date(t, tz) != datetime.fromtimestamp(t, tz).date().isoformat()
            ]  # fmt: skip
            assert not wrong, (zone, year, wrong[:3])
