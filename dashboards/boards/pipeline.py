"""The pipeline board: the health of the event stream itself (intakes, workers, lag, delivery)."""

from __future__ import annotations

from dashboards.boards.panels import BACKLOG
from dashboards.model import LOWER_IS_BETTER, STACKED, Dashboard, Panel, Query, Row
from ioc.catalog import Catalog


def pipeline(catalog: Catalog) -> Dashboard:
    return Dashboard(
        timezone=catalog.province.timezone,
        uid="ioc-pipeline",
        title="IOC - Sức khỏe luồng xử lý",
        description="The event-stream pipeline itself: throughput, lag, dead letters, late "
        "events, memory, state and alert delivery.",
        rows=[
            flow_row(catalog),
            worker_row(catalog),
            alert_delivery_row(catalog),
            real_sources_row(catalog),
        ],
    )


def flow_row(catalog: Catalog) -> Row:
    return Row(
        "Luồng / Flow",
        [
            Panel(
                "timeseries",
                "Sự kiện/giây theo nguồn",
                "Events applied per second by source.",
                [
                    Query(
                        "sum by (source) (rate(ioc_events_processed_total[$__rate_interval]))",
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
                        f"sum by (source) ({BACKLOG})",
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
                "Sự kiện lỗi bị tách riêng, theo lý do",
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
                        "sum by (source) (rate(ioc_events_late_total[$__rate_interval])) * 60",
                        "trễ {{source}}",
                    ),
                    Query(
                        "sum by (source) (rate(ioc_events_duplicate_total[$__rate_interval])) * 60",
                        "trùng {{source}}",
                    ),
                    Query(
                        "sum by (source) (rate(ioc_events_rerouted_total[$__rate_interval])) * 60",
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
    )


def worker_row(catalog: Catalog) -> Row:
    return Row(
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
                    Query("sum(ioc_ingest_partitions_assigned)", "partitions", instant=True),
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
    )


def alert_delivery_row(catalog: Catalog) -> Row:
    return Row(
        "Giao cảnh báo / Alert delivery",
        [
            Panel(
                "timeseries",
                "Giao tới Alertmanager",
                "Alert states accepted by Alertmanager, failed posts and drops, per minute.",
                [
                    Query(
                        "sum(rate(ioc_alerts_delivered_total[$__rate_interval])) * 60",
                        "đã giao / delivered",
                    ),
                    Query(
                        "sum(rate(ioc_alert_delivery_failures_total[$__rate_interval])) * 60",
                        "lỗi / failures",
                    ),
                    Query(
                        "sum(rate(ioc_alerts_dropped_total[$__rate_interval])) * 60",
                        "bỏ / dropped",
                    ),
                    Query(
                        "sum(rate(ioc_page_escalations_total[$__rate_interval])) * 60",
                        "chuyển tiếp vì chưa ai nhận / escalated, not acknowledged",
                    ),
                    Query(
                        "sum(rate(ioc_page_escalation_poll_failures_total[$__rate_interval])) * 60",
                        "lỗi đọc Alertmanager / escalation blind",
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
    )


def real_sources_row(catalog: Catalog) -> Row:
    return Row(
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
                "Lỗi gửi, sự kiện bỏ, sự kiện lỗi tách riêng",
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
                        "lỗi tách riêng / dead-lettered {{program}} {{reason}}",
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
                        "sum(increase(ioc_wazuh_checkpoint_failures_total[$__rate_interval]))",
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
                        "sum by (reason) (rate(ioc_probe_runs_total[$__rate_interval])) * 60",
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
    )
