"""The uptime board: the shared platforms' status, SLOs and error budgets."""

from __future__ import annotations

from dashboards.boards.panels import SERVICE, UP_DOWN, budget_expr, burn_expr
from dashboards.model import (
    BAD,
    BARS,
    GOOD,
    HIDE_IDS,
    LINES,
    WARN,
    Dashboard,
    Panel,
    Query,
    Row,
    steps,
)
from ioc.catalog import Catalog

SERVICE_SELECTED = 'service=~"$service"'


def uptime(catalog: Catalog) -> Dashboard:
    return Dashboard(
        timezone=catalog.province.timezone,
        uid="ioc-uptime",
        title="IOC - Dịch vụ dùng chung và SLO",
        description="Availability, latency, certificates and error budgets of the shared "
        "public platforms.",
        variables=[SERVICE],
        rows=[status_row(catalog), availability_and_slo_row(catalog), performance_row(catalog)],
    )


def status_row(catalog: Catalog) -> Row:
    return Row(
        "Trạng thái / Status",
        [
            Panel(
                "state-timeline",
                "Dòng thời gian trạng thái",
                "Up (1) or down (0) per "
                "service, with the flap policy (3 failures down, 2 successes up).",
                [
                    Query(
                        f"min by (service) (ioc_uptime_service_up{{{SERVICE_SELECTED}}})",
                        "{{service}}",
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
                        f"max by (service) (ioc_uptime_in_maintenance{{{SERVICE_SELECTED}}})",
                        "{{service}}",
                    )
                ],
                width=8,
                height=8,
                thresholds=steps((None, "transparent"), (1, "blue")),
                options={"showValue": "never", "mergeValues": True},
            ),
        ],
    )


def availability_and_slo_row(catalog: Catalog) -> Row:
    return Row(
        "Khả dụng và SLO / Availability and SLO",
        [
            Panel(
                "table",
                "Khả dụng theo cửa sổ",
                "Probe success ratio over 1 h and 1 day (recording rules), per service and tier.",
                [
                    Query(
                        f"service:ioc_uptime_availability:ratio_rate1h{{{SERVICE_SELECTED}}}",
                        instant=True,
                        names="service",
                    ),
                    Query(
                        f"service:ioc_uptime_availability:ratio_rate1d{{{SERVICE_SELECTED}}}",
                        instant=True,
                        names="service",
                    ),
                ],
                unit="percentunit",
                width=8,
                height=8,
                overrides=HIDE_IDS,
                thresholds=steps((None, BAD), (0.995, WARN), (0.999, GOOD)),
                custom={"cellOptions": {"type": "color-text"}},
                options={"showHeader": True},
            ),
            Panel(
                "bargauge",
                "Hạn mức lỗi cho phép còn lại (30 ngày)",
                "Error budget left: "
                "1 - (error ratio over the range / (1 - the tier's SLO)). The SLO comes "
                "from the catalog tier.",
                [
                    Query(
                        budget_expr(catalog, SERVICE_SELECTED, "$__range"),
                        "{{service}}",
                        instant=True,
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
                "Tốc độ tiêu hao hạn mức lỗi (1h)",
                "Burn rate: error ratio over "
                "1 h divided by the error budget (1 - SLO). 14.4 pages.",
                [Query(burn_expr(catalog, SERVICE_SELECTED), "{{service}}")],
                width=8,
                height=8,
                thresholds=steps((None, GOOD), (6, WARN), (14.4, BAD)),
                custom={**LINES, "thresholdsStyle": {"mode": "line"}},
            ),
        ],
    )


def performance_row(catalog: Catalog) -> Row:
    return Row(
        "Hiệu năng / Performance",
        [
            Panel(
                "timeseries",
                "Độ trễ p50 / p95 / p99",
                "Probe latency percentiles from the histogram.",
                [
                    Query(
                        f"histogram_quantile({q}, sum by (le, service) (rate("
                        f"ioc_uptime_probe_duration_seconds_bucket{{{SERVICE_SELECTED}}}"
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
                        f"min by (service) (ioc_uptime_tls_cert_days_left{{{SERVICE_SELECTED}}})",
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
                "Seconds since each service's latest probe result: a dead prober shows here first.",
                [
                    Query(
                        f"time() - max by (service) (ioc_uptime_last_probe_timestamp_"
                        f"seconds{{{SERVICE_SELECTED}}})",
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
    )
