"""The SOC board: security alerts by severity, agency, technique and response time."""

from __future__ import annotations

from dashboards.boards.panels import SEVERITY, SEVERITY_COLOURS, SOC_AGENCY, mean_time
from dashboards.model import BAD, BARS, GOOD, STACKED, WARN, Dashboard, Panel, Query, Row, steps
from ioc.catalog import Catalog

SELECTED = 'agency=~"$agency", severity=~"$severity"'


def soc(catalog: Catalog) -> Dashboard:
    return Dashboard(
        timezone=catalog.province.timezone,
        uid="ioc-soc",
        title="IOC - An toàn thông tin (SOC)",
        description="SOC alerts over the province's desktops, servers and network devices.",
        variables=[SOC_AGENCY, SEVERITY],
        rows=[
            alerts_row(catalog),
            techniques_and_rule_groups_row(catalog),
            handling_row(catalog),
            by_security_level_row(catalog),
        ],
    )


def alerts_row(catalog: Catalog) -> Row:
    return Row(
        "Cảnh báo / Alerts",
        [
            Panel(
                "timeseries",
                "Cảnh báo theo mức độ",
                "SOC alerts per minute by "
                "severity (Wazuh 0-6 low, 7-11 medium, 12-14 high, 15-16 critical).",
                [
                    Query(
                        f"sum by (severity) (rate(ioc_soc_alerts_total{{{SELECTED}}}"
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
                        f"ioc_soc_alerts_total{{{SELECTED}}}[$__range])))",
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
                        f"{{{SELECTED}}}[$__range]))",
                        "{{asset_type}}",
                        instant=True,
                    )
                ],
                width=6,
                height=8,
                options={"legend": {"displayMode": "table", "placement": "right"}},
            ),
        ],
    )


def techniques_and_rule_groups_row(catalog: Catalog) -> Row:
    return Row(
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
                "Alerts in the time range by Wazuh rule group: tracked ones, 'other' for the rest.",
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
    )


def handling_row(catalog: Catalog) -> Row:
    return Row(
        "Xử lý / Handling",
        [
            Panel(
                "timeseries",
                "Cảnh báo đang mở",
                "Open medium-and-higher alerts by severity and status (new, acknowledged).",
                [
                    Query(
                        'sum by (severity, status) (ioc_soc_alerts_open{severity=~"$severity"})',
                        "{{severity}} {{status}}",
                    )
                ],
                width=8,
                height=8,
            ),
            mean_time(
                "MTTA theo mức độ",
                "Mean time to acknowledge over the range: sum / count of the "
                "acknowledge-time histogram.",
                "ioc_soc_alert_time_to_acknowledge_seconds",
                steps((None, GOOD), (900, WARN), (3600, BAD)),
            ),
            mean_time(
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
                        'topk(15, sum by (agency) (ioc_soc_agency_risk_score{agency=~"$agency"}))',
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
                        'topk(10, sum by (agency) (ioc_soc_assets_alerting{agency=~"$agency"}))',
                        "{{agency}}",
                    )
                ],
                width=24,
                height=7,
            ),
        ],
    )


def by_security_level_row(catalog: Catalog) -> Row:
    return Row(
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
            mean_time(
                "MTTA theo cấp độ hệ thống",
                "Mean time to acknowledge over the range, by security level.",
                "ioc_soc_alert_time_to_acknowledge_by_security_level_seconds",
                steps((None, GOOD), (900, WARN), (3600, BAD)),
                by="security_level",
            ),
            mean_time(
                "MTTR theo cấp độ hệ thống",
                "Mean time to resolve over the range, by security level.",
                "ioc_soc_alert_time_to_resolve_by_security_level_seconds",
                steps((None, GOOD), (14400, WARN), (86400, BAD)),
                by="security_level",
            ),
        ],
    )
