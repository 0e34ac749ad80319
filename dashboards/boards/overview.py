"""The overview board: the whole province on one screen."""

from __future__ import annotations

from dashboards.boards.panels import BACKLOG, SEVERITY_COLOURS, UP_DOWN, stat
from dashboards.model import (
    BAD,
    GOOD,
    HIGHER_IS_BETTER,
    STACKED,
    WARN,
    Dashboard,
    Panel,
    Query,
    Row,
    steps,
)
from ioc.catalog import Catalog


def overview(catalog: Catalog) -> Dashboard:
    return Dashboard(
        timezone=catalog.province.timezone,
        uid="ioc-overview",
        title="IOC - Tổng quan (màn hình trung tâm)",
        description="The operations wall: is anything down, under attack, or late?",
        refresh="15s",
        rows=[
            shared_platforms_row(catalog),
            security_operations_row(catalog),
            dossiers_row(catalog),
            alerts_and_pipeline_row(catalog),
        ],
    )


def shared_platforms_row(catalog: Catalog) -> Row:
    return Row(
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
            stat(
                "Dịch vụ đang ngừng",
                "Shared platforms down now.",
                "count(ioc_uptime_service_up == 0) or vector(0)",
                thresholds=steps((None, GOOD), (1, BAD)),
                width=4,
            ),
            stat(
                "Đang bảo trì",
                "Shared platforms inside a declared maintenance window.",
                "sum(max by (service) (ioc_uptime_in_maintenance)) or vector(0)",
                thresholds=steps((None, GOOD), (1, "blue")),
                width=4,
            ),
            stat(
                "Khả dụng 24h (thấp nhất)",
                "Lowest 24-hour availability among the platforms (probe successes / results).",
                "min(service:ioc_uptime_availability:ratio_rate1d)",
                unit="percentunit",
                thresholds=steps((None, BAD), (0.995, WARN), (0.999, GOOD)),
                width=4,
                custom={},
            ),
        ],
    )


def security_operations_row(catalog: Catalog) -> Row:
    return Row(
        "An toàn thông tin / Security operations",
        [
            stat(
                "Cảnh báo nghiêm trọng đang mở",
                "Open SOC alerts of level 15-16 (critical), new or acknowledged.",
                'sum(ioc_soc_alerts_open{severity="critical"}) or vector(0)',
                thresholds=steps((None, GOOD), (1, BAD)),
                width=4,
            ),
            stat(
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
                        "sum by (severity) (rate(ioc_soc_alerts_total[$__rate_interval])) * 60",
                        "{{severity}}",
                    )
                ],
                unit="short",
                width=16,
                custom=STACKED,
                overrides=SEVERITY_COLOURS,
            ),
        ],
    )


def dossiers_row(catalog: Catalog) -> Row:
    full_online = catalog.kpi.targets.get("full_online_rate", 0.45)
    satisfaction = catalog.kpi.targets.get("satisfaction_rate", 0.95)
    return Row(
        "Hồ sơ thủ tục hành chính / Dossiers (Decision 766)",
        [
            stat(
                "Đúng hạn",
                "Share of resolved dossiers resolved early or on time.",
                "province:ioc_dossiers_on_time:ratio",
                unit="percentunit",
                thresholds=HIGHER_IS_BETTER,
                width=4,
            ),
            stat(
                "Toàn trình",
                f"Full-online share of received dossiers (target "
                f"> {full_online:.0%}, from the catalog).",
                "province:ioc_dossiers_full_online:ratio",
                unit="percentunit",
                thresholds=steps((None, BAD), (full_online, GOOD)),
                width=4,
            ),
            stat(
                "Hài lòng",
                f"Satisfaction by the 766 formula (target ≥ {satisfaction:.0%}, from the catalog).",
                "province:ioc_dossiers_satisfaction:ratio",
                unit="percentunit",
                thresholds=steps((None, BAD), (satisfaction, GOOD)),
                width=4,
            ),
            stat(
                "Hồ sơ quá hạn",
                "Dossiers in progress past their due time.",
                "sum(ioc_dossiers_overdue) or vector(0)",
                thresholds=steps((None, GOOD), (1, WARN), (100, BAD)),
                width=4,
            ),
            stat(
                "Tiếp nhận hôm nay",
                "Dossiers received since local midnight.",
                'sum(ioc_dossiers_received_to_date{period="day"})',
                width=4,
            ),
            stat(
                "Đang giải quyết",
                "Dossiers received, not yet resolved, returned or cancelled.",
                "sum(ioc_dossiers_in_progress)",
                width=4,
            ),
        ],
    )


def alerts_and_pipeline_row(catalog: Catalog) -> Row:
    return Row(
        "Cảnh báo và hệ thống / Alerts and pipeline",
        [
            stat(
                "Cảnh báo khẩn (page) đang bật",
                "Alerts that page on-call now: the stream detector's plus Prometheus rules'.",
                'sum(ioc_alerts_firing{severity="page"}) + '
                '(count(ALERTS{alertstate="firing",severity="page"}) or vector(0))',
                thresholds=steps((None, GOOD), (1, BAD)),
                width=4,
            ),
            stat(
                "Phiếu xử lý (ticket) đang bật",
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
                [Query("sum by (alertname, severity) (ioc_alerts_firing) > 0", instant=True)],
                width=8,
                options={"showHeader": True},
            ),
            stat(
                "Worker hoạt động",
                "Worker processes Prometheus can scrape.",
                'sum(up{job="ioc-worker"})',
                thresholds=steps((None, BAD), (1, GOOD)),
                width=2,
            ),
            stat(
                "Sự kiện/giây",
                "Events applied per second, all sources.",
                "sum(source:ioc_events_processed:rate5m)",
                unit="ops",
                width=3,
            ),
            stat(
                "Độ trễ tiêu thụ",
                "Source messages not yet applied to the aggregates, end to end.",
                f"sum({BACKLOG})",
                thresholds=steps((None, GOOD), (10000, WARN), (100000, BAD)),
                width=3,
            ),
        ],
    )
