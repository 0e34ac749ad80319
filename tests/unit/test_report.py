"""The report's pure parts: which period, the score, what an empty figure shows."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from ioc.catalog import Catalog
from ioc.report.collect import (
    AgencyScore,
    Portal766Figures,
    ReportData,
    ServiceFigures,
    score,
    working_days_in,
)
from ioc.report.numbers import NO_DATA
from ioc.report.period import ReportPeriod, last_complete, month_of
from ioc.report.render import to_html

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def test_the_last_complete_week_runs_monday_to_monday_in_province_time() -> None:
    period = last_complete("week", datetime(2026, 12, 2, 9, 30, tzinfo=TZ))  # a Wednesday
    assert (period.start, period.end) == (
        datetime(2026, 11, 23, tzinfo=TZ),
        datetime(2026, 11, 30, tzinfo=TZ),
    )
    assert period.previous().start == datetime(2026, 11, 16, tzinfo=TZ)


def test_on_a_monday_the_last_complete_week_is_the_one_that_just_ended() -> None:
    period = last_complete("week", datetime(2026, 11, 30, 0, 0, tzinfo=TZ))
    assert period.start == datetime(2026, 11, 23, tzinfo=TZ)


def test_the_last_complete_month_and_the_one_before_it_have_their_own_lengths() -> None:
    period = last_complete("month", datetime(2026, 3, 10, tzinfo=TZ))
    assert (period.start, period.end) == (
        datetime(2026, 2, 1, tzinfo=TZ),
        datetime(2026, 3, 1, tzinfo=TZ),
    )
    assert period.seconds == 28 * 86400
    assert period.previous() == month_of(datetime(2026, 1, 15, tzinfo=TZ))
    assert (period.title_vi, period.title_en) == ("Tháng 2/2026", "February 2026")


def test_the_score_is_the_points_of_the_measured_groups() -> None:
    ratios = {"on_time": 1.0, "digitized": 1.0, "online": 1.0, "paid_online": 1.0,
              "satisfaction": 1.0, "full_online": 0.2}  # fmt: skip
    assert score(ratios) == 82.0


def test_a_missing_rate_leaves_the_score_without_value_not_zero() -> None:
    assert score({"on_time": None, "digitized": 0.5}) is None


def test_a_service_without_probes_shows_no_data_and_is_not_charted() -> None:
    period = last_complete("week", datetime(2026, 12, 2, tzinfo=TZ))
    data = ReportData(
        period, "Nghệ An", [], {}, {}, [], [],
        [ServiceFigures("lgsp", "LGSP", 1, 0.999, None, 0)],
    )  # fmt: skip
    html = to_html(data)
    assert f"<td>LGSP</td><td>1</td><td>99,9%</td><td>{NO_DATA}</td>" in html
    assert "No data." in html
    assert "not the portal's method" in html


def test_the_portal_method_section_names_what_each_agency_must_fix_first() -> None:
    period = last_complete("month", datetime(2026, 12, 2, tzinfo=TZ))
    figures = Portal766Figures(
        "2026-11",
        {"progress": 14.0},
        {"progress": 20.0},
        [AgencyScore("phuong-cua-lo", "Phường Cửa Lò", 10.0, 30.0, 2.5, ("online_payment", 6.0))],
    )
    data = ReportData(period, "Nghệ An", [], {}, {}, [], [], [], portal766=figures)
    html = to_html(data)
    assert "<td>Phường Cửa Lò</td><td>10,0</td><td>30,0</td><td>33,3%</td><td>2,5</td>" in html
    assert "Hồ sơ thanh toán trực tuyến (−6,0)" in html
    assert "<td>5. Hồ sơ xử lý trước hạn, đúng hạn</td><td>14,0</td><td>20,0</td>" in html
    assert "phuong-cua-lo" not in html


def test_without_figures_of_the_portal_method_the_section_says_no_data() -> None:
    period = last_complete("month", datetime(2026, 12, 2, tzinfo=TZ))
    html = to_html(ReportData(period, "Nghệ An", [], {}, {}, [], [], []))
    section = html.split("national portal&#x27;s method")[1].split("<h2")[0]
    assert "No data." in section


def test_the_last_complete_quarter_and_the_one_before_it() -> None:
    period = last_complete("quarter", datetime(2026, 12, 3, 10, 0, tzinfo=TZ))
    assert (period.start, period.end) == (
        datetime(2026, 7, 1, tzinfo=TZ),
        datetime(2026, 10, 1, tzinfo=TZ),
    )
    assert (period.title_vi, period.title_en) == ("Quý III/2026", "Q3 2026")
    assert period.previous().start == datetime(2026, 4, 1, tzinfo=TZ)


def test_in_january_the_last_complete_quarter_is_the_last_years_fourth() -> None:
    period = last_complete("quarter", datetime(2027, 1, 2, tzinfo=TZ))
    assert period.title_vi == "Quý IV/2026" and period.end == datetime(2027, 1, 1, tzinfo=TZ)


def test_the_report_has_a_glossary_that_says_the_error_budget_is_not_a_state_budget() -> None:
    period = last_complete("month", datetime(2026, 12, 2, tzinfo=TZ))
    html = to_html(ReportData(period, "Nghệ An", [], {}, {}, [], [], []))
    glossary = html.split("Glossary")[1]
    assert "Hạn mức lỗi cho phép" in glossary and "không phải ngân sách" in glossary
    assert "ngân sách lỗi" not in html.lower()


def test_the_tet_week_of_2026_has_no_working_day(catalog: Catalog) -> None:
    tet = ReportPeriod("week", datetime(2026, 2, 16, tzinfo=TZ), datetime(2026, 2, 23, tzinfo=TZ))
    assert working_days_in(tet, catalog) == (0, ())


def test_a_week_with_a_compensatory_saturday_has_six_working_days(catalog: Catalog) -> None:
    week = ReportPeriod("week", datetime(2026, 8, 17, tzinfo=TZ), datetime(2026, 8, 24, tzinfo=TZ))
    assert working_days_in(week, catalog) == (6, ())


def test_a_quarter_in_a_provisional_year_says_its_calendar_is_an_estimate(
    catalog: Catalog,
) -> None:
    q1 = ReportPeriod("quarter", datetime(2027, 1, 1, tzinfo=TZ), datetime(2027, 4, 1, tzinfo=TZ))
    days, estimated = working_days_in(q1, catalog)
    assert estimated == (2027,) and 55 < days < 65
    data = ReportData(q1, "Nghệ An", [], {}, {}, [], [], [], working_days=days,
                      calendar_estimated=estimated)  # fmt: skip
    assert "lịch năm 2027 là tạm tính" in to_html(data)
