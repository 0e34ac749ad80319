"""The five IOC dashboards. Targets and tiers come from the catalog, not from copies here.

Titles are Vietnamese (the wall is read by the operations centre); descriptions are English.
Selectors use ``=~"$var"`` so that "All" (``.*``) and multi-selections both work.
"""

from __future__ import annotations

from typing import Any

from dashboards.model import (
    BAD,
    BARS,
    GOOD,
    HIGHER_IS_BETTER,
    LINES,
    LOWER_IS_BETTER,
    STACKED,
    WARN,
    Dashboard,
    Panel,
    Query,
    Row,
    Variable,
    steps,
)
from ioc.aggregate import kpi
from ioc.catalog import Catalog

AGENCY = Variable("agency", "Cơ quan / Agency", "ioc_dossiers_in_progress")
LEVEL = Variable("level", "Cấp / Level", "ioc_dossiers_in_progress")
SERVICE = Variable("service", "Dịch vụ / Service", "ioc_uptime_service_up")
SEVERITY = Variable("severity", "Mức độ / Severity", "ioc_soc_alerts_total")
SOC_AGENCY = Variable("agency", "Cơ quan / Agency", "ioc_soc_alerts_total")

UP_DOWN = [
    {"type": "value", "options": {"1": {"text": "HOẠT ĐỘNG", "color": GOOD, "index": 0},
                                  "0": {"text": "NGỪNG", "color": BAD, "index": 1}}},
]  # fmt: skip
SEVERITY_COLOURS = [
    {"matcher": {"id": "byName", "options": name}, "properties": [
        {"id": "color", "value": {"mode": "fixed", "fixedColor": colour}}]}
    for name, colour in (("critical", "dark-red"), ("high", BAD), ("medium", WARN),
                         ("low", "blue"))
]  # fmt: skip


# Source messages not yet applied, per partition: the log end against the applied offset.
_BACKLOG = (
    "max by (source, partition) (ioc_source_end_offset) "
    "- max by (source, partition) (ioc_aggregate_applied_offset)"
)


def _stat(title: str, description: str, expr: str, **kw: object) -> Panel:
    kw.setdefault("options", {"colorMode": "background", "graphMode": "none",
                              "reduceOptions": {"calcs": ["lastNotNull"]}})  # fmt: skip
    return Panel("stat", title, description, [Query(expr, instant=True)], **kw)  # type: ignore[arg-type]


NAMED_VALUES = {
    "colorMode": "value",
    "graphMode": "none",
    "textMode": "value_and_name",
    "reduceOptions": {"calcs": ["lastNotNull"]},
}


def _mean_time(
    title: str,
    description: str,
    histogram: str,
    thresholds: dict[str, Any],
    by: str = "severity",
) -> Panel:
    """Mean of a histogram over the dashboard's range, by severity (or ``by``): sum / count."""
    sel = '{severity=~"$severity"}' if by == "severity" else ""
    expr = (
        f"sum by ({by}) (increase({histogram}_sum{sel}[$__range])) / "
        f"sum by ({by}) (increase({histogram}_count{sel}[$__range]))"
    )
    query = Query(expr, "{{" + by + "}}", instant=True)
    return Panel("stat", title, description, [query], unit="s", width=4, height=8,
                 thresholds=thresholds, options=NAMED_VALUES)  # fmt: skip


def _period_stat(catalog: Catalog, kpi_name: str, title: str) -> Panel:
    """A province KPI of this month, quarter and year; red below the catalog's target."""
    target = catalog.kpi.targets.get(f"{kpi_name}_rate")
    thresholds = steps((None, BAD), (target, GOOD)) if target is not None else HIGHER_IS_BETTER
    where = f" Target {target:.0%} (catalog)." if target is not None else " No target set."
    return Panel(
        "stat", f"{title} (tháng/quý/năm)",
        f"Province {kpi_name.replace('_', ' ')} rate of the current month, quarter and year "
        f"(province time).{where}",
        [Query(f"province:ioc_dossiers_{kpi_name}_in_period:ratio", "{{period}}",
               instant=True)],
        unit="percentunit", width=4, height=6, min=0, max=1, thresholds=thresholds,
        options=NAMED_VALUES,
    )  # fmt: skip


def _target_line(kpi: str) -> Query:
    # Every worker exports the catalog's targets: one value, not one per worker.
    return Query(f'max by (kpi) (ioc_kpi_target_ratio{{kpi="{kpi}"}})', "mục tiêu / target")


def overview(catalog: Catalog) -> Dashboard:
    full_online = catalog.kpi.targets.get("full_online_rate", 0.45)
    satisfaction = catalog.kpi.targets.get("satisfaction_rate", 0.95)
    return Dashboard(
        uid="ioc-overview",
        title="IOC - Tổng quan (màn hình trung tâm)",
        description="The operations wall: is anything down, under attack, or late?",
        refresh="15s",
        rows=[
            Row(
                "Dịch vụ dùng chung / Shared platforms",
                [
                    Panel(
                        "stat",
                        "Trạng thái dịch vụ theo cấp",
                        "Each shared platform's status "
                        "(down after 3 failed probes, up after 2 successes), grouped by tier.",
                        [
                            Query(
                                "min by (tier, service) (ioc_uptime_service_up)",
                                "T{{tier}} {{service}}",
                                instant=True,
                            )
                        ],
                        width=12,
                        height=6,
                        mappings=UP_DOWN,
                        thresholds=steps((None, BAD), (1, GOOD)),
                        options={
                            "colorMode": "background",
                            "graphMode": "none",
                            "textMode": "value_and_name",
                            "orientation": "auto",
                            "reduceOptions": {"calcs": ["lastNotNull"]},
                        },
                    ),
                    _stat(
                        "Dịch vụ đang ngừng",
                        "Shared platforms down now.",
                        "count(ioc_uptime_service_up == 0) or vector(0)",
                        thresholds=steps((None, GOOD), (1, BAD)),
                        width=4,
                    ),
                    _stat(
                        "Đang bảo trì",
                        "Shared platforms inside a declared maintenance window.",
                        "sum(max by (service) (ioc_uptime_in_maintenance)) or vector(0)",
                        thresholds=steps((None, GOOD), (1, "blue")),
                        width=4,
                    ),
                    _stat(
                        "Khả dụng 24h (thấp nhất)",
                        "Lowest 24-hour availability among the "
                        "platforms (probe successes / results).",
                        "min(service:ioc_uptime_availability:ratio_rate1d)",
                        unit="percentunit",
                        thresholds=steps((None, BAD), (0.995, WARN), (0.999, GOOD)),
                        width=4,
                        custom={},
                    ),
                ],
            ),
            Row(
                "An toàn thông tin / Security operations",
                [
                    _stat(
                        "Cảnh báo nghiêm trọng đang mở",
                        "Open SOC alerts of level 15-16 (critical), new or acknowledged.",
                        'sum(ioc_soc_alerts_open{severity="critical"}) or vector(0)',
                        thresholds=steps((None, GOOD), (1, BAD)),
                        width=4,
                    ),
                    _stat(
                        "Cảnh báo cao đang mở",
                        "Open SOC alerts of level 12-14 (high).",
                        'sum(ioc_soc_alerts_open{severity="high"}) or vector(0)',
                        thresholds=steps((None, GOOD), (1, WARN), (20, BAD)),
                        width=4,
                    ),
                    Panel(
                        "timeseries",
                        "Cảnh báo SOC theo mức độ (24h)",
                        "SOC alerts per minute by severity.",
                        [
                            Query(
                                "sum by (severity) "
                                "(rate(ioc_soc_alerts_total[$__rate_interval])) * 60",
                                "{{severity}}",
                            )
                        ],
                        unit="short",
                        width=16,
                        custom=STACKED,
                        overrides=SEVERITY_COLOURS,
                    ),
                ],
            ),
            Row(
                "Hồ sơ thủ tục hành chính / Dossiers (Decision 766)",
                [
                    _stat(
                        "Đúng hạn",
                        "Share of resolved dossiers resolved early or on time.",
                        "province:ioc_dossiers_on_time:ratio",
                        unit="percentunit",
                        thresholds=HIGHER_IS_BETTER,
                        width=4,
                    ),
                    _stat(
                        "Toàn trình",
                        f"Full-online share of received dossiers (target "
                        f"> {full_online:.0%}, from the catalog).",
                        "province:ioc_dossiers_full_online:ratio",
                        unit="percentunit",
                        thresholds=steps((None, BAD), (full_online, GOOD)),
                        width=4,
                    ),
                    _stat(
                        "Hài lòng",
                        f"Satisfaction by the 766 formula (target ≥ "
                        f"{satisfaction:.0%}, from the catalog).",
                        "province:ioc_dossiers_satisfaction:ratio",
                        unit="percentunit",
                        thresholds=steps((None, BAD), (satisfaction, GOOD)),
                        width=4,
                    ),
                    _stat(
                        "Hồ sơ quá hạn",
                        "Dossiers in progress past their due time.",
                        "sum(ioc_dossiers_overdue) or vector(0)",
                        thresholds=steps((None, GOOD), (1, WARN), (100, BAD)),
                        width=4,
                    ),
                    _stat(
                        "Tiếp nhận hôm nay",
                        "Dossiers received since local midnight.",
                        'sum(ioc_dossiers_received_to_date{period="day"})',
                        width=4,
                    ),
                    _stat(
                        "Đang giải quyết",
                        "Dossiers received, not yet resolved, returned or cancelled.",
                        "sum(ioc_dossiers_in_progress)",
                        width=4,
                    ),
                ],
            ),
            Row(
                "Cảnh báo và hệ thống / Alerts and pipeline",
                [
                    _stat(
                        "Trang trực (page) đang bật",
                        "Alerts that page on-call now: the stream "
                        "detector's plus Prometheus rules'.",
                        'sum(ioc_alerts_firing{severity="page"}) + '
                        '(count(ALERTS{alertstate="firing",severity="page"}) or vector(0))',
                        thresholds=steps((None, GOOD), (1, BAD)),
                        width=4,
                    ),
                    _stat(
                        "Phiếu (ticket) đang bật",
                        "Alerts for the next office hours.",
                        'sum(ioc_alerts_firing{severity="ticket"}) + '
                        '(count(ALERTS{alertstate="firing",severity="ticket"}) or vector(0))',
                        thresholds=steps((None, GOOD), (1, WARN)),
                        width=4,
                    ),
                    Panel(
                        "table",
                        "Cảnh báo đang bật",
                        "Stream-detector alerts firing now, by name and severity.",
                        [
                            Query(
                                "sum by (alertname, severity) (ioc_alerts_firing) > 0", instant=True
                            )
                        ],
                        width=8,
                        options={"showHeader": True},
                    ),
                    _stat(
                        "Worker hoạt động",
                        "Worker processes Prometheus can scrape.",
                        'sum(up{job="ioc-worker"})',
                        thresholds=steps((None, BAD), (1, GOOD)),
                        width=2,
                    ),
                    _stat(
                        "Sự kiện/giây",
                        "Events applied per second, all sources.",
                        "sum(source:ioc_events_processed:rate5m)",
                        unit="ops",
                        width=3,
                    ),
                    _stat(
                        "Độ trễ tiêu thụ",
                        "Source messages not yet applied to the aggregates, end to end.",
                        f"sum({_BACKLOG})",
                        thresholds=steps((None, GOOD), (10000, WARN), (100000, BAD)),
                        width=3,
                    ),
                ],
            ),
        ],
    )


def soc(catalog: Catalog) -> Dashboard:
    sel = 'agency=~"$agency", severity=~"$severity"'
    return Dashboard(
        uid="ioc-soc",
        title="IOC - An toàn thông tin (SOC)",
        description="SOC alerts over the province's desktops, servers and network devices.",
        variables=[SOC_AGENCY, SEVERITY],
        rows=[
            Row(
                "Cảnh báo / Alerts",
                [
                    Panel(
                        "timeseries",
                        "Cảnh báo theo mức độ",
                        "SOC alerts per minute by "
                        "severity (Wazuh 0-6 low, 7-11 medium, 12-14 high, 15-16 critical).",
                        [
                            Query(
                                f"sum by (severity) (rate(ioc_soc_alerts_total{{{sel}}}"
                                "[$__rate_interval])) * 60",
                                "{{severity}}",
                            )
                        ],
                        width=12,
                        height=8,
                        custom=STACKED,
                        overrides=SEVERITY_COLOURS,
                    ),
                    Panel(
                        "bargauge",
                        "Cảnh báo theo cơ quan",
                        "SOC alerts in the time range by agency, top 15.",
                        [
                            Query(
                                f"topk(15, sum by (agency) (increase("
                                f"ioc_soc_alerts_total{{{sel}}}[$__range])))",
                                "{{agency}}",
                                instant=True,
                            )
                        ],
                        width=6,
                        height=8,
                        thresholds=steps((None, "blue")),
                        options=BARS,
                    ),
                    Panel(
                        "piechart",
                        "Theo loại tài sản",
                        "SOC alerts in the time range by asset type.",
                        [
                            Query(
                                f"sum by (asset_type) (increase(ioc_soc_alerts_total"
                                f"{{{sel}}}[$__range]))",
                                "{{asset_type}}",
                                instant=True,
                            )
                        ],
                        width=6,
                        height=8,
                        options={"legend": {"displayMode": "table", "placement": "right"}},
                    ),
                ],
            ),
            Row(
                "Kỹ thuật và nhóm luật / Techniques and rule groups",
                [
                    Panel(
                        "bargauge",
                        "Kỹ thuật MITRE ATT&CK",
                        "Alerts in the time range by MITRE "
                        "technique: the catalog's tracked ones, 'other' for the rest.",
                        [
                            Query(
                                "sort_desc(sum by (technique) (increase("
                                "ioc_soc_alerts_by_technique_total[$__range])))",
                                "{{technique}}",
                                instant=True,
                            )
                        ],
                        width=12,
                        height=8,
                        options=BARS,
                    ),
                    Panel(
                        "bargauge",
                        "Nhóm luật Wazuh",
                        "Alerts in the time range by Wazuh rule "
                        "group: tracked ones, 'other' for the rest.",
                        [
                            Query(
                                "sort_desc(sum by (rule_group) (increase("
                                "ioc_soc_alerts_by_rule_group_total[$__range])))",
                                "{{rule_group}}",
                                instant=True,
                            )
                        ],
                        width=12,
                        height=8,
                        options=BARS,
                    ),
                ],
            ),
            Row(
                "Xử lý / Handling",
                [
                    Panel(
                        "timeseries",
                        "Cảnh báo đang mở",
                        "Open medium-and-higher alerts by severity and status (new, acknowledged).",
                        [
                            Query(
                                "sum by (severity, status) (ioc_soc_alerts_open"
                                '{severity=~"$severity"})',
                                "{{severity}} {{status}}",
                            )
                        ],
                        width=8,
                        height=8,
                    ),
                    _mean_time(
                        "MTTA theo mức độ",
                        "Mean time to acknowledge over the range: sum / count of the "
                        "acknowledge-time histogram.",
                        "ioc_soc_alert_time_to_acknowledge_seconds",
                        steps((None, GOOD), (900, WARN), (3600, BAD)),
                    ),
                    _mean_time(
                        "MTTR theo mức độ",
                        "Mean time to resolve over the range.",
                        "ioc_soc_alert_time_to_resolve_seconds",
                        steps((None, GOOD), (14400, WARN), (86400, BAD)),
                    ),
                    Panel(
                        "bargauge",
                        "Xếp hạng rủi ro cơ quan",
                        "Agency risk score: sum over its "
                        "open alerts of the severity weight (docs/kpis.md). Top 15.",
                        [
                            Query(
                                "topk(15, sum by (agency) "
                                '(ioc_soc_agency_risk_score{agency=~"$agency"}))',
                                "{{agency}}",
                                instant=True,
                            )
                        ],
                        width=8,
                        height=8,
                        thresholds=steps((None, GOOD), (20, WARN), (100, BAD)),
                        options={"orientation": "horizontal", "displayMode": "lcd"},
                    ),
                    Panel(
                        "timeseries",
                        "Tài sản có cảnh báo (1 giờ)",
                        "Distinct assets with an alert in the last hour, by agency (top 10).",
                        [
                            Query(
                                "topk(10, sum by (agency) "
                                '(ioc_soc_assets_alerting{agency=~"$agency"}))',
                                "{{agency}}",
                            )
                        ],
                        width=24,
                        height=7,
                    ),
                ],
            ),
            Row(
                "Theo cấp độ hệ thống / By security level",
                [
                    Panel(
                        "timeseries",
                        "Cảnh báo theo cấp độ hệ thống (mỗi giờ)",
                        "Alerts per hour by the security level (1-3, Decree 85/2016) of the "
                        "information system the agent serves; 'none': outside any system. "
                        "A level-3 system's alert of level 12+ pages as SocCritical.",
                        [
                            Query(
                                "sum by (security_level) (rate(ioc_soc_alerts_by_security_level"
                                '_total{severity=~"$severity"}[$__rate_interval])) * 3600',
                                "cấp độ {{security_level}}",
                            )
                        ],
                        width=16,
                        height=8,
                        custom=STACKED,
                    ),
                    _mean_time(
                        "MTTA theo cấp độ hệ thống",
                        "Mean time to acknowledge over the range, by security level.",
                        "ioc_soc_alert_time_to_acknowledge_by_security_level_seconds",
                        steps((None, GOOD), (900, WARN), (3600, BAD)),
                        by="security_level",
                    ),
                    _mean_time(
                        "MTTR theo cấp độ hệ thống",
                        "Mean time to resolve over the range, by security level.",
                        "ioc_soc_alert_time_to_resolve_by_security_level_seconds",
                        steps((None, GOOD), (14400, WARN), (86400, BAD)),
                        by="security_level",
                    ),
                ],
            ),
        ],
    )


def uptime(catalog: Catalog) -> Dashboard:
    svc = 'service=~"$service"'
    return Dashboard(
        uid="ioc-uptime",
        title="IOC - Dịch vụ dùng chung và SLO",
        description="Availability, latency, certificates and error budgets of the shared "
        "public platforms.",
        variables=[SERVICE],
        rows=[
            Row(
                "Trạng thái / Status",
                [
                    Panel(
                        "state-timeline",
                        "Dòng thời gian trạng thái",
                        "Up (1) or down (0) per "
                        "service, with the flap policy (3 failures down, 2 successes up).",
                        [
                            Query(
                                f"min by (service) (ioc_uptime_service_up{{{svc}}})", "{{service}}"
                            )
                        ],
                        width=16,
                        height=8,
                        mappings=UP_DOWN,
                        thresholds=steps((None, BAD), (1, GOOD)),
                        options={"showValue": "never", "mergeValues": True},
                    ),
                    Panel(
                        "state-timeline",
                        "Bảo trì",
                        "Declared maintenance windows (1 inside), excluded from availability.",
                        [
                            Query(
                                f"max by (service) (ioc_uptime_in_maintenance{{{svc}}})",
                                "{{service}}",
                            )
                        ],
                        width=8,
                        height=8,
                        thresholds=steps((None, "transparent"), (1, "blue")),
                        options={"showValue": "never", "mergeValues": True},
                    ),
                ],
            ),
            Row(
                "Khả dụng và SLO / Availability and SLO",
                [
                    Panel(
                        "table",
                        "Khả dụng theo cửa sổ",
                        "Probe success ratio over 1 h and "
                        "1 day (recording rules), per service and tier.",
                        [
                            Query(
                                f"service:ioc_uptime_availability:ratio_rate1h{{{svc}}}",
                                instant=True,
                            ),
                            Query(
                                f"service:ioc_uptime_availability:ratio_rate1d{{{svc}}}",
                                instant=True,
                            ),
                        ],
                        unit="percentunit",
                        width=8,
                        height=8,
                        thresholds=steps((None, BAD), (0.995, WARN), (0.999, GOOD)),
                        custom={"cellOptions": {"type": "color-text"}},
                        options={"showHeader": True},
                    ),
                    Panel(
                        "bargauge",
                        "Ngân sách lỗi còn lại (30 ngày)",
                        "Error budget left: "
                        "1 - (error ratio over the range / (1 - the tier's SLO)). The SLO comes "
                        "from the catalog tier.",
                        [
                            Query(
                                _budget_expr(catalog, svc, "$__range"), "{{service}}", instant=True
                            )
                        ],
                        unit="percentunit",
                        width=8,
                        height=8,
                        min=0,
                        max=1,
                        thresholds=steps((None, BAD), (0.25, WARN), (0.5, GOOD)),
                        options=BARS,
                    ),
                    Panel(
                        "timeseries",
                        "Tốc độ đốt ngân sách (1h)",
                        "Burn rate: error ratio over "
                        "1 h divided by the error budget (1 - SLO). 14.4 pages.",
                        [Query(_burn_expr(catalog, svc), "{{service}}")],
                        width=8,
                        height=8,
                        thresholds=steps((None, GOOD), (6, WARN), (14.4, BAD)),
                        custom={**LINES, "thresholdsStyle": {"mode": "line"}},
                    ),
                ],
            ),
            Row(
                "Hiệu năng / Performance",
                [
                    Panel(
                        "timeseries",
                        "Độ trễ p50 / p95 / p99",
                        "Probe latency percentiles from the histogram.",
                        [
                            Query(
                                f"histogram_quantile({q}, sum by (le, service) (rate("
                                f"ioc_uptime_probe_duration_seconds_bucket{{{svc}}}"
                                "[$__rate_interval])))",
                                f"{{{{service}}}} p{round(q * 100)}",
                            )
                            for q in (0.5, 0.95, 0.99)
                        ],
                        unit="s",
                        width=12,
                        height=8,
                    ),
                    Panel(
                        "bargauge",
                        "Chứng chỉ TLS còn (ngày)",
                        "Days until each service's TLS certificate expires.",
                        [
                            Query(
                                f"min by (service) (ioc_uptime_tls_cert_days_left{{{svc}}})",
                                "{{service}}",
                                instant=True,
                            )
                        ],
                        unit="d",
                        width=6,
                        height=8,
                        thresholds=steps((None, BAD), (14, WARN), (30, GOOD)),
                        options=BARS,
                    ),
                    Panel(
                        "bargauge",
                        "Thời gian từ lần đo cuối",
                        "Seconds since each service's "
                        "latest probe result: a dead prober shows here first.",
                        [
                            Query(
                                f"time() - max by (service) (ioc_uptime_last_probe_timestamp_"
                                f"seconds{{{svc}}})",
                                "{{service}}",
                                instant=True,
                            )
                        ],
                        unit="s",
                        width=6,
                        height=8,
                        thresholds=steps((None, GOOD), (180, WARN), (600, BAD)),
                        options=BARS,
                    ),
                ],
            ),
        ],
    )


def _slo_vector(catalog: Catalog) -> str:
    """The SLO error budget (1 - SLO) of each tier as a PromQL vector keyed by ``tier``."""
    parts = [
        f'label_replace(vector({1 - slo:.6g}), "tier", "{tier}", "", "")'
        for tier, slo in sorted(catalog.kpi.uptime.slo_by_tier.items())
    ]
    return " or ".join(parts)


def _error_ratio(svc: str, window: str) -> str:
    return (
        f'(sum by (service, tier) (increase(ioc_uptime_probes_total{{{svc}, result="failure"}}'
        f"[{window}])) / sum by (service, tier) (increase(ioc_uptime_probes_total{{{svc}}}"
        f"[{window}])))"
    )


def _budget_expr(catalog: Catalog, svc: str, window: str) -> str:
    return f"clamp_min(1 - ({_error_ratio(svc, window)} / on (tier) group_left () ({_slo_vector(catalog)})), 0)"  # noqa: E501


def _burn_expr(catalog: Catalog, svc: str) -> str:
    return f"{_error_ratio(svc, '1h')} / on (tier) group_left () ({_slo_vector(catalog)})"


def dossiers(catalog: Catalog) -> Dashboard:
    sel = 'agency=~"$agency", level=~"$level"'

    def ratio_panel(title: str, desc: str, record: str) -> Panel:
        queries = [
            Query(f"avg(agency:ioc_dossiers_{record}:ratio{{{sel}}})", "cơ quan đã chọn"),
            Query(f"province:ioc_dossiers_{record}:ratio", "toàn tỉnh / province"),
        ]
        if f"{record}_rate" in catalog.kpi.targets:  # the catalog's target, drawn as a line
            queries.append(_target_line(f"{record}_rate"))
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

    return Dashboard(
        uid="ioc-dossiers",
        title="IOC - Hồ sơ thủ tục hành chính",
        description="Administrative dossiers by agency and level, Decision 766 indicators.",
        variables=[AGENCY, LEVEL],
        rows=[
            Row(
                "Khối lượng / Volume",
                [
                    Panel(
                        "timeseries",
                        "Tiếp nhận và giải quyết (mỗi giờ)",
                        "Dossiers received and resolved per hour.",
                        [
                            Query(
                                f"sum(rate(ioc_dossiers_received_total{{{sel}}}[$__rate_interval]))"
                                " * 3600",
                                "tiếp nhận / received",
                            ),
                            Query(
                                f"sum(rate(ioc_dossiers_resolved_total{{{sel}}}[$__rate_interval]))"
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
                                f"sum by (level) (ioc_dossiers_in_progress{{{sel}}})",
                                "đang giải quyết {{level}}",
                            ),
                            Query(
                                f"sum by (level) (ioc_dossiers_overdue{{{sel}}})",
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
                                f"topk(15, sum by (agency) (ioc_dossiers_overdue{{{sel}}}))",
                                "{{agency}}",
                                instant=True,
                            )
                        ],
                        width=8,
                        height=8,
                        thresholds=_OVERDUE_STEPS,
                        options=BARS,
                    ),
                    Panel(
                        "table",
                        "Hôm nay và tháng này",
                        "Received, resolved and resolved on "
                        "time since local midnight and since the 1st of the month.",
                        [
                            Query(
                                f"sum by (period) (ioc_dossiers_received_to_date{{{sel}}})",
                                instant=True,
                            ),
                            Query(
                                f"sum by (period) (ioc_dossiers_resolved_to_date{{{sel}}})",
                                instant=True,
                            ),
                            Query(
                                f"sum by (period) (ioc_dossiers_resolved_on_time_to_date{{{sel}}})",
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
                                f"timeliness_total{{{sel}}}[$__range]))",
                                "{{timeliness}}",
                                instant=True,
                            )
                        ],
                        width=8,
                        height=8,
                        options={"legend": {"displayMode": "table", "placement": "right"}},
                    ),
                ],
            ),
            Row(
                "Chỉ số Quyết định 766 / Decision 766 indicators",
                [
                    ratio_panel(
                        "Tỷ lệ đúng hạn", "Resolved early or on time / resolved.", "on_time"
                    ),
                    ratio_panel(
                        "Tỷ lệ toàn trình",
                        "Full-online received / received; target line from the catalog.",
                        "full_online",
                    ),
                    ratio_panel(
                        "Mức độ hài lòng",
                        "(all − rated unsatisfied or complaint) / all; "
                        "target line from the catalog.",
                        "satisfaction",
                    ),
                    ratio_panel(
                        "Thanh toán trực tuyến",
                        "Received with the fee paid online / received.",
                        "paid_online",
                    ),
                    ratio_panel(
                        "Số hóa hồ sơ", "Received with papers digitized / received.", "digitized"
                    ),
                    ratio_panel("Nộp trực tuyến", "Received online / received.", "online"),
                ],
            ),
            Row(
                "Xếp hạng / Ranking",
                [
                    Panel(
                        "table",
                        "Xếp hạng cơ quan",
                        "Agencies by on-time rate, with full-online "
                        "and satisfaction rates and the overdue count.",
                        [
                            Query(
                                f"sort(agency:ioc_dossiers_on_time:ratio{{{sel}}})", instant=True
                            ),
                            Query(f"agency:ioc_dossiers_full_online:ratio{{{sel}}}", instant=True),
                            Query(f"agency:ioc_dossiers_satisfaction:ratio{{{sel}}}", instant=True),
                            Query(
                                f"sum by (agency, level) (ioc_dossiers_overdue{{{sel}}})",
                                instant=True,
                            ),
                        ],
                        width=24,
                        height=10,
                        thresholds=HIGHER_IS_BETTER,
                        options={
                            "showHeader": True,
                            "sortBy": [{"displayName": "Value #A", "desc": False}],
                        },
                    ),
                ],
            ),
            Row(
                "Quyết định 766 theo kỳ / Decision 766 by period",
                [
                    *(
                        _period_stat(catalog, kpi_name, title)
                        for kpi_name, title in (
                            ("on_time", "Đúng hạn"),
                            ("full_online", "Toàn trình"),
                            ("satisfaction", "Hài lòng"),
                            ("digitized", "Số hóa"),
                            ("paid_online", "Thanh toán trực tuyến"),
                            ("online", "Nộp trực tuyến"),
                        )
                    ),
                    Panel(
                        "stat",
                        "Điểm 766 toàn tỉnh",
                        "Decision 766 points of the measured groups, this month, quarter and "
                        "year: 20 x on-time + 22 x digitized + 12 x online + 10 x paid online "
                        "+ 18 x satisfaction, of 82. Transparency (18 points) is not measured "
                        "by the stream: not shown as 0 or 100 (docs/kpis.md).",
                        [Query("province:ioc_766_score:points", "{{period}}", instant=True)],
                        width=8,
                        height=8,
                        min=0,
                        max=_SCORE_MAX,
                        thresholds=_SCORE_STEPS,
                        options=NAMED_VALUES,
                    ),
                    Panel(
                        "bargauge",
                        "Điểm 766 thấp nhất (quý này)",
                        "The 15 agencies with the fewest Decision 766 points this quarter (of "
                        "82 measured). An agency without a value has nothing resolved with a "
                        "due time, or nothing received, this quarter.",
                        [
                            Query(
                                f'bottomk(15, agency:ioc_766_score:points{{period="quarter",'
                                f"{sel}}})",
                                "{{agency}}",
                                instant=True,
                            )
                        ],
                        width=16,
                        height=8,
                        min=0,
                        max=_SCORE_MAX,
                        thresholds=_SCORE_STEPS,
                        options=BARS,
                    ),
                ],
            ),
            Row(
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
                                f" group_left {_COMMUNE})",
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
                                f"* on (agency, level) group_left {_COMMUNE})",
                                "{{agency}}",
                                instant=True,
                            )
                        ],
                        width=8,
                        height=8,
                        thresholds=_OVERDUE_STEPS,
                        options=BARS,
                    ),
                ],
            ),
        ],
    )


# Overdue dossiers of one agency: any is a call to make, 25 is the detector's backlog ticket.
_OVERDUE_STEPS = steps((None, GOOD), (1, WARN), (25, BAD))

# Decision 766 points of the groups the stream measures (82 of 100), coloured by thirds.
_SCORE_MAX = kpi.MEASURED_POINTS
_SCORE_STEPS = steps((None, BAD), (0.6 * _SCORE_MAX, WARN), (0.8 * _SCORE_MAX, GOOD))

# The catalog's communes, one series each (every worker exports the grouping: max).
_COMMUNE = 'max by (agency, level) (ioc_agency_info{kind="commune"})'


def pipeline(catalog: Catalog) -> Dashboard:
    return Dashboard(
        uid="ioc-pipeline",
        title="IOC - Sức khỏe luồng xử lý",
        description="The event-stream pipeline itself: throughput, lag, dead letters, late "
        "events, memory, state and alert delivery.",
        rows=[
            Row(
                "Luồng / Flow",
                [
                    Panel(
                        "timeseries",
                        "Sự kiện/giây theo nguồn",
                        "Events applied per second by source.",
                        [
                            Query(
                                "sum by (source) (rate(ioc_events_processed_total"
                                "[$__rate_interval]))",
                                "{{source}}",
                            )
                        ],
                        unit="ops",
                        width=8,
                        height=8,
                        custom=STACKED,
                    ),
                    Panel(
                        "timeseries",
                        "Độ trễ tiêu thụ",
                        "Messages waiting, by source (all workers): not yet batched by ingest, "
                        "and not yet applied to the aggregates (end to end: the second includes "
                        "the internal batch topic's backlog).",
                        [
                            Query(
                                "sum by (source) (ioc_ingest_consumer_lag_messages)",
                                "{{source}} chưa đọc / unread",
                            ),
                            Query(
                                f"sum by (source) ({_BACKLOG})",
                                "{{source}} chưa áp dụng / not applied",
                            ),
                        ],
                        width=8,
                        height=8,
                        thresholds=LOWER_IS_BETTER,
                    ),
                    Panel(
                        "timeseries",
                        "Độ trễ đầu-cuối",
                        "From a source message's Kafka timestamp to its batch applied to the "
                        "aggregates, p50 and p99 by source: how far behind the events the "
                        "wall is. IocPipelineBehind pages when p99 stays above 60 s.",
                        [
                            Query(
                                "histogram_quantile(0.5, sum by (le, source) "
                                "(rate(ioc_pipeline_lag_seconds_bucket[$__rate_interval])))",
                                "p50 {{source}}",
                            ),
                            Query(
                                "histogram_quantile(0.99, sum by (le, source) "
                                "(rate(ioc_pipeline_lag_seconds_bucket[$__rate_interval])))",
                                "p99 {{source}}",
                            ),
                        ],
                        unit="s",
                        width=8,
                        height=8,
                        thresholds=LOWER_IS_BETTER,
                    ),
                    Panel(
                        "timeseries",
                        "Thư chết theo lý do",
                        "Messages dead-lettered per minute "
                        "by source and reason (original bytes kept on the dead-letter topic).",
                        [
                            Query(
                                "sum by (source, reason) (rate(ioc_events_dead_lettered_total"
                                "[$__rate_interval])) * 60",
                                "{{source}} {{reason}}",
                            )
                        ],
                        width=8,
                        height=8,
                        custom=STACKED,
                    ),
                    Panel(
                        "timeseries",
                        "Sự kiện trễ, trùng và sai phân vùng",
                        "Late (beyond the grace), duplicate, and rerouted events per minute, by "
                        "source. Rerouted: sent outside their entity's partition (a producer's "
                        "key or partitioner breaks the contract, docs/architecture.md) and "
                        "forwarded there: correct, but one more hop. Repeated steps: a "
                        "dossier step or an alert status sent again under a new event id (a "
                        "portal's retry), counted once (docs/kpis.md).",
                        [
                            Query(
                                "sum by (source) (rate(ioc_events_late_total[$__rate_interval]))"
                                " * 60",
                                "trễ {{source}}",
                            ),
                            Query(
                                "sum by (source) (rate(ioc_events_duplicate_total"
                                "[$__rate_interval])) * 60",
                                "trùng {{source}}",
                            ),
                            Query(
                                "sum by (source) (rate(ioc_events_rerouted_total"
                                "[$__rate_interval])) * 60",
                                "sai phân vùng {{source}}",
                            ),
                            Query(
                                "sum by (step) (rate(ioc_dossiers_duplicate_steps_total"
                                "[$__rate_interval])) * 60",
                                "bước hồ sơ lặp / repeated {{step}}",
                            ),
                            Query(
                                "sum by (status) (rate(ioc_soc_alert_status_duplicates_total"
                                "[$__rate_interval])) * 60",
                                "trạng thái lặp / repeated {{status}}",
                            ),
                        ],
                        width=8,
                        height=8,
                    ),
                ],
            ),
            Row(
                "Worker",
                [
                    Panel(
                        "timeseries",
                        "Bộ nhớ worker",
                        "Resident memory of each worker process.",
                        [Query('process_resident_memory_bytes{job="ioc-worker"}', "{{instance}}")],
                        unit="bytes",
                        width=8,
                        height=8,
                    ),
                    Panel(
                        "timeseries",
                        "Kích thước trạng thái",
                        "Entities kept in state by kind, and what was closed out as abandoned "
                        "over the range (catalog kpi.retention): dossiers and SOC alerts never "
                        "closed.",
                        [
                            Query("sum by (kind) (ioc_state_entities)", "{{kind}}"),
                            Query(
                                "sum(increase(ioc_dossiers_abandoned_total[$__range]))",
                                "hồ sơ bỏ dở / dossiers abandoned",
                            ),
                            Query(
                                "sum(increase(ioc_soc_alerts_abandoned_total[$__range]))",
                                "cảnh báo bỏ dở / alerts abandoned",
                            ),
                        ],
                        width=8,
                        height=8,
                    ),
                    Panel(
                        "stat",
                        "Worker hoạt động",
                        "Workers Prometheus can scrape, and source partitions they own.",
                        [
                            Query('sum(up{job="ioc-worker"})', "workers", instant=True),
                            Query(
                                "sum(ioc_ingest_partitions_assigned)", "partitions", instant=True
                            ),
                        ],
                        width=8,
                        height=8,
                        options={
                            "colorMode": "value",
                            "graphMode": "none",
                            "textMode": "value_and_name",
                            "reduceOptions": {"calcs": ["lastNotNull"]},
                        },
                    ),
                ],
            ),
            Row(
                "Giao cảnh báo / Alert delivery",
                [
                    Panel(
                        "timeseries",
                        "Giao tới Alertmanager",
                        "Alert states accepted by "
                        "Alertmanager, failed posts and drops, per minute.",
                        [
                            Query(
                                "sum(rate(ioc_alerts_delivered_total[$__rate_interval])) * 60",
                                "đã giao / delivered",
                            ),
                            Query(
                                "sum(rate(ioc_alert_delivery_failures_total[$__rate_interval])) "
                                "* 60",
                                "lỗi / failures",
                            ),
                            Query(
                                "sum(rate(ioc_alerts_dropped_total[$__rate_interval])) * 60",
                                "bỏ / dropped",
                            ),
                        ],
                        width=12,
                        height=8,
                    ),
                    Panel(
                        "timeseries",
                        "Hàng đợi giao cảnh báo",
                        "Alert states waiting for Alertmanager, and alerts a detector rule "
                        "wanted beyond its cap (not sent; IocAlertRuleCapped tickets).",
                        [
                            Query("sum(ioc_alert_delivery_queue)", "queue"),
                            Query("sum(ioc_alerts_capped)", "vượt giới hạn / capped"),
                        ],
                        width=12,
                        height=8,
                        thresholds=LOWER_IS_BETTER,
                    ),
                ],
            ),
            Row(
                "Nguồn thật / Real sources",
                [
                    Panel(
                        "timeseries",
                        "Nguồn gửi sự kiện",
                        "Events each real source (ioc probe, ioc intake wazuh/http) published "
                        "and Kafka acknowledged, per second; and whether Prometheus can scrape "
                        "it (IocSourceDown pages after 2 minutes down).",
                        [
                            Query(
                                "sum by (program, source) (rate(ioc_source_events_published_total"
                                "[$__rate_interval]))",
                                "{{program}} → {{source}}",
                            ),
                            Query('up{job="ioc-sources"}', "up {{instance}}"),
                        ],
                        width=8,
                        height=8,
                    ),
                    Panel(
                        "timeseries",
                        "Lỗi gửi, sự kiện bỏ, thư chết",
                        "Per minute, by program: publishes Kafka did not acknowledge (retried), "
                        "events dropped from a full queue, inputs dead-lettered because they "
                        "are not events (with their bytes).",
                        [
                            Query(
                                "sum by (program) (rate(ioc_source_publish_failures_total"
                                "[$__rate_interval])) * 60",
                                "lỗi gửi / failures {{program}}",
                            ),
                            Query(
                                "sum by (program) (rate(ioc_source_events_dropped_total"
                                "[$__rate_interval])) * 60",
                                "bỏ / dropped {{program}}",
                            ),
                            Query(
                                "sum by (program, reason) (rate(ioc_source_dead_letters_total"
                                "[$__rate_interval])) * 60",
                                "thư chết / dead {{program}} {{reason}}",
                            ),
                        ],
                        width=8,
                        height=8,
                        thresholds=LOWER_IS_BETTER,
                    ),
                    Panel(
                        "timeseries",
                        "Wazuh: byte chưa đọc",
                        "Bytes of alerts.json and its rotated files not yet stored by the Wazuh "
                        "intake, from the files' sizes. Staying above 0 while the checkpoint "
                        "stands still pages (IocWazuhIntakeStuck); checkpoint saves that failed "
                        "(a full disk) open a ticket (IocWazuhCheckpointFailing).",
                        [
                            Query("max(ioc_wazuh_backlog_bytes)", "alerts.json"),
                            Query(
                                "sum(increase(ioc_wazuh_checkpoint_failures_total"
                                "[$__rate_interval]))",
                                "lưu vị trí lỗi / checkpoint failures",
                            ),
                        ],
                        unit="bytes",
                        width=8,
                        height=8,
                        thresholds=LOWER_IS_BETTER,
                    ),
                    Panel(
                        "timeseries",
                        "Kết quả kiểm tra theo lý do",
                        "Probes run by ioc probe per minute, by outcome: ok, or why the "
                        "platform counted as down (finer than the event's error class: an "
                        "expired certificate, a refused port).",
                        [
                            Query(
                                "sum by (reason) (rate(ioc_probe_runs_total[$__rate_interval]))"
                                " * 60",
                                "{{reason}}",
                            )
                        ],
                        width=8,
                        height=8,
                        custom=STACKED,
                    ),
                    Panel(
                        "timeseries",
                        "Cổng tiếp nhận HTTP",
                        "Items posted to the HTTP intake per minute, by result, requests by "
                        "status code, and connections it closed unheard (over the cap, or "
                        "headers or body too slow).",
                        [
                            Query(
                                "sum by (result) (rate(ioc_intake_http_items_total"
                                "[$__rate_interval])) * 60",
                                "{{result}}",
                            ),
                            Query(
                                "sum by (code) (rate(ioc_intake_http_requests_total"
                                "[$__rate_interval])) * 60",
                                "HTTP {{code}}",
                            ),
                            Query(
                                "sum by (reason) (rate("
                                "ioc_intake_http_connections_refused_total[$__rate_interval]))"
                                " * 60",
                                "đóng kết nối / closed {{reason}}",
                            ),
                        ],
                        width=8,
                        height=8,
                    ),
                    Panel(
                        "stat",
                        "Chứng chỉ sắp hết hạn",
                        "Fewest days left on a probed service's TLS certificate.",
                        [
                            Query(
                                "min(ioc_probe_tls_certificate_days_left)",
                                "ngày / days",
                                instant=True,
                            )
                        ],
                        unit="d",
                        width=8,
                        height=8,
                    ),
                ],
            ),
        ],
    )


BOARDS = (overview, soc, uptime, dossiers, pipeline)


def build_all(catalog: Catalog) -> list[Dashboard]:
    return [make(catalog) for make in BOARDS]
