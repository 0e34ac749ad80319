"""The dossiers board: administrative dossiers and their Decision 766 figures."""

from __future__ import annotations

from dashboards.boards.panels import (
    AGENCY,
    COMMUNE,
    LEVEL,
    NAMED_VALUES,
    OVERDUE_STEPS,
    SCORE_SHARE_STEPS,
    period_stat,
    target_line,
)
from dashboards.model import (
    BAD,
    BARS,
    GOOD,
    HIDE_IDS,
    HIGHER_IS_BETTER,
    Dashboard,
    Panel,
    Query,
    Row,
    steps,
)
from ioc.aggregate.portal766 import SUB_INDICATORS
from ioc.catalog import Catalog

SELECTED = 'agency=~"$agency", level=~"$level"'


def dossiers(catalog: Catalog) -> Dashboard:
    return Dashboard(
        timezone=catalog.province.timezone,
        uid="ioc-dossiers",
        title="IOC - Hồ sơ thủ tục hành chính",
        description="Administrative dossiers by agency and level, Decision 766 indicators.",
        variables=[AGENCY, LEVEL],
        rows=[
            volume_row(catalog),
            decision_766_indicators_row(catalog),
            ranking_row(catalog),
            decision_766_by_period_row(catalog),
            portal_766_row(catalog),
            communes_and_departments_row(catalog),
        ],
    )


def ratio_panel(catalog: Catalog, title: str, desc: str, record: str) -> Panel:
    queries = [
        Query(f"avg(agency:ioc_dossiers_{record}:ratio{{{SELECTED}}})", "cơ quan đã chọn"),
        Query(f"province:ioc_dossiers_{record}:ratio", "toàn tỉnh / province"),
    ]
    if f"{record}_rate" in catalog.kpi.targets:  # the catalog's target, drawn as a line
        queries.append(target_line(f"{record}_rate"))
    dashed_red = [
        {"id": "custom.lineStyle", "value": {"fill": "dash", "dash": [10, 10]}},
        {"id": "color", "value": {"mode": "fixed", "fixedColor": BAD}},
    ]
    return Panel(
        "timeseries", title, desc, queries, unit="percentunit", width=8, height=7, min=0,
        max=1,
        overrides=[{"matcher": {"id": "byName", "options": "mục tiêu / target"},
                    "properties": dashed_red}],
    )  # fmt: skip


def volume_row(catalog: Catalog) -> Row:
    return Row(
        "Khối lượng / Volume",
        [
            Panel(
                "timeseries",
                "Tiếp nhận và giải quyết (mỗi giờ)",
                "Dossiers received and resolved per hour.",
                [
                    Query(
                        f"sum(rate(ioc_dossiers_received_total{{{SELECTED}}}[$__rate_interval]))"
                        " * 3600",
                        "tiếp nhận / received",
                    ),
                    Query(
                        f"sum(rate(ioc_dossiers_resolved_total{{{SELECTED}}}[$__rate_interval]))"
                        " * 3600",
                        "giải quyết / resolved",
                    ),
                ],
                width=12,
                height=8,
            ),
            Panel(
                "timeseries",
                "Đang giải quyết và quá hạn",
                "Backlog (in progress) and overdue dossiers, by level.",
                [
                    Query(
                        f"sum by (level) (ioc_dossiers_in_progress{{{SELECTED}}})",
                        "đang giải quyết {{level}}",
                    ),
                    Query(
                        f"sum by (level) (ioc_dossiers_overdue{{{SELECTED}}})",
                        "quá hạn {{level}}",
                    ),
                ],
                width=12,
                height=8,
            ),
            Panel(
                "bargauge",
                "Quá hạn theo cơ quan",
                "Overdue dossiers by agency, top 15.",
                [
                    Query(
                        f"topk(15, sum by (agency) (ioc_dossiers_overdue{{{SELECTED}}}))",
                        "{{agency}}",
                        instant=True,
                    )
                ],
                width=8,
                height=8,
                thresholds=OVERDUE_STEPS,
                options=BARS,
            ),
            Panel(
                "bargauge",
                "Quá hạn bao nhiêu ngày làm việc",
                "Overdue dossiers by the working days since their due date (the working "
                "calendar: Tết, holidays and weekends do not count).",
                [
                    Query(
                        "sum by (working_days) (ioc_dossiers_overdue_by_working_days"
                        f"{{{SELECTED}}})",
                        "{{working_days}} ngày làm việc / working days",
                        instant=True,
                    )
                ],
                width=8,
                height=8,
                thresholds=OVERDUE_STEPS,
                options=BARS,
            ),
            Panel(
                "bargauge",
                "Hạn giải quyết rơi vào ngày nghỉ (tháng này)",
                "Dossiers received this month whose due time falls on a day off (weekend, "
                "Tết, holiday) by the working calendar, by agency: the agency's system sets "
                "due times without the calendar (docs/calendar.md).",
                [
                    Query(
                        "topk(15, sum by (agency) (ioc_dossiers_in_period{"
                        f'measure="received_due_on_day_off", period="month", {SELECTED}}}))',
                        "{{agency}}",
                        instant=True,
                    )
                ],
                width=8,
                height=8,
                thresholds=OVERDUE_STEPS,
                options=BARS,
            ),
            Panel(
                "table",
                "Hôm nay và tháng này",
                "Received, resolved and resolved on "
                "time since local midnight and since the 1st of the month.",
                [
                    Query(
                        f"sum by (period) (ioc_dossiers_received_to_date{{{SELECTED}}})",
                        instant=True,
                    ),
                    Query(
                        f"sum by (period) (ioc_dossiers_resolved_to_date{{{SELECTED}}})",
                        instant=True,
                    ),
                    Query(
                        f"sum by (period) (ioc_dossiers_resolved_on_time_to_date{{{SELECTED}}})",
                        instant=True,
                    ),
                ],
                width=8,
                height=8,
                options={"showHeader": True},
            ),
            Panel(
                "piechart",
                "Kết quả giải quyết",
                "Resolved early, on time and late in the time range.",
                [
                    Query(
                        f"sum by (timeliness) (increase(ioc_dossiers_resolved_by_"
                        f"timeliness_total{{{SELECTED}}}[$__range]))",
                        "{{timeliness}}",
                        instant=True,
                    )
                ],
                width=8,
                height=8,
                options={"legend": {"displayMode": "table", "placement": "right"}},
            ),
        ],
    )


def decision_766_indicators_row(catalog: Catalog) -> Row:
    return Row(
        "Chỉ số Quyết định 766 / Decision 766 indicators",
        [
            ratio_panel(
                catalog, "Tỷ lệ đúng hạn", "Resolved early or on time / resolved.", "on_time"
            ),
            ratio_panel(
                catalog,
                "Tỷ lệ toàn trình",
                "Full-online received / received; target line from the catalog.",
                "full_online",
            ),
            ratio_panel(
                catalog,
                "Mức độ hài lòng",
                "(all − rated unsatisfied or complaint) / all; target line from the catalog.",
                "satisfaction",
            ),
            ratio_panel(
                catalog,
                "Thanh toán trực tuyến",
                "Received with the fee paid online / received.",
                "paid_online",
            ),
            ratio_panel(
                catalog, "Số hóa hồ sơ", "Received with papers digitized / received.", "digitized"
            ),
            ratio_panel(catalog, "Nộp trực tuyến", "Received online / received.", "online"),
        ],
    )


def ranking_row(catalog: Catalog) -> Row:
    return Row(
        "Xếp hạng / Ranking",
        [
            Panel(
                "table",
                "Xếp hạng cơ quan",
                "Agencies by on-time rate, with full-online "
                "and satisfaction rates and the overdue count.",
                [
                    Query(
                        f"sort(agency:ioc_dossiers_on_time:ratio{{{SELECTED}}})",
                        instant=True,
                        names="agency",
                    ),
                    Query(
                        f"agency:ioc_dossiers_full_online:ratio{{{SELECTED}}}",
                        instant=True,
                        names="agency",
                    ),
                    Query(
                        f"agency:ioc_dossiers_satisfaction:ratio{{{SELECTED}}}",
                        instant=True,
                        names="agency",
                    ),
                    Query(
                        f"sum by (agency, level) (ioc_dossiers_overdue{{{SELECTED}}})",
                        instant=True,
                        names="agency",
                    ),
                ],
                width=24,
                height=10,
                thresholds=HIGHER_IS_BETTER,
                overrides=HIDE_IDS,
                options={
                    "showHeader": True,
                    "sortBy": [{"displayName": "Value #A", "desc": False}],
                },
            ),
        ],
    )


def decision_766_by_period_row(catalog: Catalog) -> Row:
    return Row(
        "Quyết định 766 theo kỳ / Decision 766 by period",
        [
            *(
                period_stat(catalog, kpi_name, title)
                for kpi_name, title in (
                    ("on_time", "Đúng hạn"),
                    ("full_online", "Toàn trình"),
                    ("satisfaction", "Hài lòng"),
                    ("digitized", "Số hóa"),
                    ("paid_online", "Thanh toán trực tuyến"),
                    ("online", "Nộp trực tuyến"),
                )
            ),
        ],
    )


def portal_766_row(catalog: Catalog) -> Row:
    distance_steps = steps((None, GOOD), (catalog.kpi.portal_difference_points, BAD))
    """The national portal's method: the score per sub-indicator, the agencies ranked, and
    what each could gain (docs/kpis.md; ioc.aggregate.portal766)."""
    return Row(
        "Điểm 766 theo cách tính của Cổng DVCQG / Decision 766 score, the portal's method",
        [
            Panel(
                "stat",
                "Điểm 766 toàn tỉnh",
                "The province's Decision 766 points of the sub-indicators the stream measures "
                "(rows 4, 5, 6, 11, 12, 14, 23 and 24 of docs/kpis.md), beside the most those "
                "could give, this month, quarter and year (province time). Rows without a value "
                "(nothing to divide by) and rows not measured are in neither figure.",
                [
                    Query("province:ioc_766_score:points", "điểm {{period}}", instant=True),
                    Query("province:ioc_766_score_max:points", "tối đa {{period}}",
                          instant=True),
                ],
                width=6, height=8, options=NAMED_VALUES,
            ),
            Panel(
                "bargauge",
                "Chỉ tiêu thành phần toàn tỉnh (tháng này)",
                "Each measured sub-indicator of the province this month, as the portal's "
                "formula gives it; its points are the rate times its maximum.",
                [
                    Query(
                        f'province:ioc_766_indicator:ratio{{period="month",indicator="{s.code}"}}',
                        f"{s.name} ({s.points:g} đ)",
                        instant=True,
                    )
                    for s in SUB_INDICATORS
                ],
                unit="percentunit", width=9, height=8, min=0, max=1,
                thresholds=HIGHER_IS_BETTER, options=BARS,
            ),
            Panel(
                "bargauge",
                "Điểm 766 thấp nhất (quý này)",
                "The 15 agencies with the smallest share of the points their measured "
                "sub-indicators could give this quarter.",
                [
                    Query(
                        f'bottomk(15, agency:ioc_766_score:points{{period="quarter",{SELECTED}}}'
                        f' / agency:ioc_766_score_max:points{{period="quarter",{SELECTED}}})',
                        "{{agency}}",
                        instant=True,
                    )
                ],
                unit="percentunit", width=9, height=8, min=0, max=1,
                thresholds=SCORE_SHARE_STEPS, options=BARS,
            ),
            Panel(
                "table",
                "Xếp hạng điểm 766 (quý này)",
                "Agencies and communes ranked by their Decision 766 points this quarter, with "
                "the most their measured sub-indicators could give.",
                [
                    Query(f'sort_desc(agency:ioc_766_score:points{{period="quarter",{SELECTED}}})',
                          instant=True, names="agency"),
                    Query(f'agency:ioc_766_score_max:points{{period="quarter",{SELECTED}}}',
                          instant=True, names="agency"),
                ],
                width=12, height=10, overrides=HIDE_IDS,
                options={"showHeader": True,
                         "sortBy": [{"displayName": "Value #A", "desc": True}]},
            ),
            Panel(
                "table",
                "Cần khắc phục để tăng điểm nhiều nhất",
                "The sub-indicators where agencies lose the most points this quarter (maximum "
                "minus points): what each must fix first to gain the most.",
                [
                    Query(
                        "topk(20, agency:ioc_766_indicator_max:points"
                        f'{{period="quarter",{SELECTED}}} - agency:ioc_766_indicator:points'
                        f'{{period="quarter",{SELECTED}}})',
                        instant=True,
                        names="agency",
                    )
                ],
                width=12, height=10, overrides=HIDE_IDS,
                options={"showHeader": True,
                         "sortBy": [{"displayName": "Value", "desc": True}]},
            ),
            Panel(
                "bargauge",
                "Chênh lệch với Cổng DVCQG (tháng này)",
                "Per agency, the sum of the distances between our sub-indicator points this "
                "month and those the national portal published (last `ioc portal import`). "
                "Above kpi.portal_difference_points for an hour: the Ioc766DiffersFromPortal "
                "ticket.",
                [Query(f"topk(15, agency:ioc_766_portal_distance:points{{{SELECTED}}})",
                       "{{agency}}", instant=True)],
                width=12, height=10, min=0, thresholds=distance_steps, options=BARS,
            ),
            Panel(
                "table",
                "Chênh lệch theo chỉ tiêu với Cổng DVCQG",
                "Ours minus the portal's published points, per agency and sub-indicator, this "
                "month: the sub-indicator that differs names the integration or the formula "
                "to check.",
                [Query(f"agency:ioc_766_portal_difference:points{{{SELECTED}}}", instant=True,
                       names="agency")],
                width=12, height=10, overrides=HIDE_IDS,
                options={"showHeader": True},
            ),
        ],
    )  # fmt: skip


def communes_and_departments_row(catalog: Catalog) -> Row:
    return Row(
        "Cấp xã và sở, ngành / Communes and departments",
        [
            Panel(
                "timeseries",
                "Đúng hạn: cấp xã và sở, ngành",
                "On-time rate of all communes together against all provincial "
                "departments (the catalog's agency kinds, ioc_agency_info).",
                [
                    Query("kind:ioc_dossiers_on_time:ratio", "{{kind}}"),
                    Query("province:ioc_dossiers_on_time:ratio", "toàn tỉnh / province"),
                ],
                unit="percentunit",
                width=8,
                height=8,
                min=0,
                max=1,
            ),
            Panel(
                "bargauge",
                "Xã có tỷ lệ đúng hạn thấp nhất",
                "The 10 communes with the lowest on-time rate: whom to call first.",
                [
                    Query(
                        "bottomk(10, agency:ioc_dossiers_on_time:ratio * on (agency, level)"
                        f" group_left {COMMUNE})",
                        "{{agency}}",
                        instant=True,
                    )
                ],
                unit="percentunit",
                width=8,
                height=8,
                min=0,
                max=1,
                thresholds=HIGHER_IS_BETTER,
                options=BARS,
            ),
            Panel(
                "bargauge",
                "Xã có nhiều hồ sơ quá hạn nhất",
                "The 10 communes with the most dossiers in progress past their due time.",
                [
                    Query(
                        "topk(10, sum by (agency, level) (ioc_dossiers_overdue) "
                        f"* on (agency, level) group_left {COMMUNE})",
                        "{{agency}}",
                        instant=True,
                    )
                ],
                width=8,
                height=8,
                thresholds=OVERDUE_STEPS,
                options=BARS,
            ),
        ],
    )
