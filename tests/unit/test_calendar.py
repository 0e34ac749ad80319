"""The working calendar: Tết and days off, compensatory Saturdays, the last hour before a
holiday, New Year's Eve in province time, and a year the catalog does not list."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml

from ioc.catalog import DEFAULT_CATALOG_PATH, load_catalog
from ioc.catalog.calendar import CalendarYearMissing, WorkingCalendar
from ioc.config import ConfigError

HCM = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture(scope="module")
def calendar() -> WorkingCalendar:
    return WorkingCalendar.of(load_catalog())


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=HCM)  # type: ignore[misc, arg-type]


def test_a_tet_weekday_is_not_a_working_day(calendar: WorkingCalendar) -> None:
    assert calendar.is_working_day(date(2026, 2, 18)) is False  # Wednesday, mùng 2 Tết
    assert calendar.is_working(at(2026, 2, 18, 10, 0)) is False
    assert calendar.day_off_name(date(2026, 2, 18)) == "Tết Nguyên đán Bính Ngọ"


def test_a_compensatory_saturday_has_office_hours(calendar: WorkingCalendar) -> None:
    assert calendar.is_working(at(2026, 8, 22, 7, 30)) is True
    assert calendar.is_working(at(2026, 8, 22, 17, 0)) is False
    assert calendar.is_working(at(2026, 8, 29, 10, 0)) is False  # the next Saturday: a weekend


def test_the_swapped_monday_is_off(calendar: WorkingCalendar) -> None:
    assert calendar.is_working(at(2026, 8, 31, 10, 0)) is False


def test_the_last_working_hour_before_tet_is_working_and_the_closing_is_not(
    calendar: WorkingCalendar,
) -> None:
    assert calendar.is_working(at(2026, 2, 13, 16, 59, 59)) is True  # Friday before Tết
    assert calendar.is_working(at(2026, 2, 13, 17, 0)) is False


def test_working_hours_across_tet_count_only_the_office_time_either_side(
    calendar: WorkingCalendar,
) -> None:
    # Friday 16:00 before Tết to Monday 08:30 after it: one hour before, one after.
    seconds = calendar.working_seconds_between(at(2026, 2, 13, 16, 0), at(2026, 2, 23, 8, 30))
    assert seconds == 2 * 3600


def test_working_days_across_tet_skip_the_holiday_and_the_weekends(
    calendar: WorkingCalendar,
) -> None:
    assert calendar.working_days_between(at(2026, 2, 13, 16, 0), at(2026, 2, 23, 8, 30)) == 1
    assert calendar.working_days_between(at(2026, 2, 9, 9, 0), at(2026, 2, 13, 9, 0)) == 4


def test_working_time_is_zero_when_the_end_is_not_after_the_start(
    calendar: WorkingCalendar,
) -> None:
    assert calendar.working_seconds_between(at(2026, 3, 3, 10, 0), at(2026, 3, 3, 9, 0)) == 0
    assert calendar.working_days_between(at(2026, 3, 3, 10, 0), at(2026, 3, 2, 9, 0)) == 0


def test_new_years_eve_is_judged_by_the_province_date_not_the_utc_one(
    calendar: WorkingCalendar,
) -> None:
    # 31/12/2026 17:30 UTC is already 1 January 2027 (a holiday) in the province.
    assert calendar.is_working(datetime(2026, 12, 31, 17, 30, tzinfo=UTC)) is False
    assert calendar.is_working(datetime(2027, 1, 1, 1, 0, tzinfo=UTC)) is False
    # 31/12/2026 09:59 UTC is 16:59 on Thursday 31/12 in the province: the last working hour.
    assert calendar.is_working(datetime(2026, 12, 31, 9, 59, tzinfo=UTC)) is True
    assert calendar.is_working(datetime(2026, 12, 31, 10, 0, tzinfo=UTC)) is False


def test_a_year_the_catalog_does_not_list_raises_a_clear_error(
    calendar: WorkingCalendar,
) -> None:
    with pytest.raises(CalendarYearMissing, match=r"no year 2028 \(it lists: 2026, 2027\)"):
        calendar.is_working_day(date(2028, 1, 3))


def test_the_weekly_fallback_takes_a_missing_year_as_plain_office_weeks(
    calendar: WorkingCalendar,
) -> None:
    weekly = calendar.weekly_fallback()
    assert weekly.is_working(at(2028, 1, 3, 10, 0)) is True  # a Monday
    assert weekly.is_working(at(2028, 1, 1, 10, 0)) is False  # a Saturday
    assert weekly.covers(2028) is False
    assert weekly.is_working(at(2026, 2, 18, 10, 0)) is False  # listed years still hold


def test_2027_is_marked_provisional_until_it_is_announced(calendar: WorkingCalendar) -> None:
    assert calendar.provisional_years == {2027}


def catalog_with(tmp_path: Path, year: dict[str, Any]) -> Path:
    doc = yaml.safe_load(DEFAULT_CATALOG_PATH.read_text())
    doc["calendar"] = {2026: {"source": "test", **year}}
    file = tmp_path / "province.yaml"
    file.write_text(yaml.safe_dump(doc, allow_unicode=True))
    return file


@pytest.mark.parametrize(
    ("year", "expected"),
    [
        ({"days_off": [{"date": "2026-04-26", "name": "x"}]},
         r"calendar\[2026\]\.days_off\[0\].*2026-04-26 is a Sunday, not an office day"),
        ({"working_days": [{"date": "2026-08-24", "name": "x"}]},
         r"calendar\[2026\]\.working_days\[0\]\.date.*already an office day"),
        ({"days_off": [{"date": "2027-01-01", "name": "x"}]},
         r"2027-01-01 is not in the year 2026"),
        ({"days_off": [{"date": "2026-02-16", "until": "2026-02-20", "name": "x"},
                       {"date": "2026-02-18", "name": "y"}]},
         r"2026-02-18 is listed twice"),
        ({"days_off": [{"date": "2026-02-20", "until": "2026-02-16", "name": "x"}]},
         r"until 2026-02-16 comes before date 2026-02-20"),
    ],
    ids=["day-off-on-sunday", "working-monday", "other-year", "twice", "backwards"],
)  # fmt: skip
def test_a_calendar_mistake_names_the_file_the_field_and_what_was_expected(
    tmp_path: Path, year: dict[str, Any], expected: str
) -> None:
    with pytest.raises(ConfigError, match=expected) as err:
        load_catalog(catalog_with(tmp_path, year))
    assert "province.yaml" in str(err.value)


def test_adding_working_time_skips_the_night_the_weekend_and_tet(
    calendar: WorkingCalendar,
) -> None:
    # Two office hours after Friday 16:00 before Tết: one that day, one on Monday 23/02.
    assert calendar.add_working_seconds(at(2026, 2, 13, 16, 0), 7200) == at(2026, 2, 23, 8, 30)


def test_adding_working_time_from_a_day_off_starts_at_the_next_opening(
    calendar: WorkingCalendar,
) -> None:
    assert calendar.add_working_seconds(at(2026, 8, 31, 10, 0), 1800) == at(2026, 9, 3, 8, 0)


def test_adding_no_working_time_leaves_the_moment(calendar: WorkingCalendar) -> None:
    assert calendar.add_working_seconds(at(2026, 8, 30, 3, 0), 0) == at(2026, 8, 30, 3, 0)


def test_a_hostile_span_of_a_century_is_counted_quickly_over_its_last_ten_years(
    calendar: WorkingCalendar,
) -> None:
    weekly = calendar.weekly_fallback()
    seconds = weekly.working_seconds_between(at(2000, 1, 1, 0, 0), at(2099, 12, 31, 0, 0))
    assert 0 < seconds <= 3660 * 9.5 * 3600
