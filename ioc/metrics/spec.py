"""Every metric the aggregation state exports: one place for names, help texts and labels.

Label values are bounded: catalog ids (agencies, services), enums of the contracts.
Never event ids, dossier ids, agent ids, IPs or free text.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CounterSpec:
    name: str  # without the _total suffix, as prometheus_client's families expect
    help: str
    labels: tuple[str, ...]


@dataclass(frozen=True)
class HistogramSpec:
    name: str
    help: str
    labels: tuple[str, ...]
    buckets: tuple[float, ...]  # upper bounds, ascending; +Inf is implicit


EVENTS_PROCESSED = CounterSpec(
    "ioc_events_processed", "Valid source events applied to the aggregates.", ("source",)
)
EVENTS_DEAD_LETTERED = CounterSpec(
    "ioc_events_dead_lettered",
    "Source messages sent to the dead-letter topic, by reason.",
    ("source", "reason"),
)
EVENTS_DUPLICATE = CounterSpec(
    "ioc_events_duplicate",
    "Events whose event_id was already applied at another offset (skipped).",
    ("source",),
)
EVENTS_REROUTED = CounterSpec(
    "ioc_events_rerouted",
    "Valid events found outside their entity's partition (a producer's key or partitioner "
    "differs from the contract), forwarded there and counted once more when processed.",
    ("source",),
)
EVENTS_LATE = CounterSpec(
    "ioc_events_late",
    "Events older than their partition's newest event time minus the grace (default 5 min). "
    "They still count in the totals; see docs/kpis.md.",
    ("source",),
)
SOC_ALERTS = CounterSpec(
    "ioc_soc_alerts",
    "SOC alerts by severity (Wazuh level 0-6 low, 7-11 medium, 12-14 high, 15-16 critical).",
    ("severity", "asset_type", "agency"),
)
SOC_ALERT_STATUS = CounterSpec(
    "ioc_soc_alert_status_changes",
    "SOC alert status changes (acknowledged, resolved).",
    ("status",),
)
UPTIME_PROBES = CounterSpec(
    "ioc_uptime_probes",
    "Uptime probe results by service; result is success or failure.",
    ("service", "tier", "result"),
)
DOSSIERS_RECEIVED = CounterSpec(
    "ioc_dossiers_received",
    "Administrative dossiers received (tiếp nhận).",
    ("agency", "level", "channel"),
)
DOSSIERS_DUPLICATE_STEPS = CounterSpec(
    "ioc_dossiers_duplicate_steps",
    "Dossier steps the dossier had already taken (received, or a closing step: resolved, "
    "returned, cancelled), sent again under another event id: counted here, not applied.",
    ("step",),
)
SOC_ALERT_STATUS_DUPLICATES = CounterSpec(
    "ioc_soc_alert_status_duplicates",
    "SOC alert status changes the alert had already taken, sent again under another event "
    "id: counted here, not applied.",
    ("status",),
)
DOSSIERS_RESOLVED = CounterSpec(
    "ioc_dossiers_resolved",
    "Administrative dossiers resolved (giải quyết xong).",
    ("agency", "level", "channel"),
)

PROBE_DURATION = HistogramSpec(
    "ioc_uptime_probe_duration_seconds",
    "Uptime probe duration in seconds.",
    ("service", "tier"),
    (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0),
)

SOC_ALERTS_BY_TECHNIQUE = CounterSpec(
    "ioc_soc_alerts_by_technique",
    "SOC alerts by MITRE ATT&CK technique: the catalog's tracked ones, 'other' for the rest.",
    ("technique",),
)
SOC_ALERTS_BY_RULE_GROUP = CounterSpec(
    "ioc_soc_alerts_by_rule_group",
    "SOC alerts by Wazuh rule group: the catalog's tracked ones, 'other' for the rest.",
    ("rule_group",),
)
SOC_ALERTS_BY_SECURITY_LEVEL = CounterSpec(
    "ioc_soc_alerts_by_security_level",
    "SOC alerts by the security level (1-5, Decree 85/2016) of the information system the "
    "agent serves, from the asset register; 'none' for agents outside any system.",
    ("severity", "security_level"),
)
DOSSIER_EVENTS = CounterSpec(
    "ioc_dossier_events",
    "Dossier lifecycle events (received, additional_docs_requested, "
    "additional_docs_submitted, resolved, returned, cancelled, rated).",
    ("agency", "level", "lifecycle"),
)
DOSSIERS_RESOLVED_TIMELINESS = CounterSpec(
    "ioc_dossiers_resolved_by_timeliness",
    "Dossiers resolved early (before the due day), on time (on the due day) or late.",
    ("agency", "level", "timeliness"),
)
DOSSIERS_FULL_ONLINE = CounterSpec(
    "ioc_dossiers_received_full_online",
    "Dossiers received whose every step is online or by public postal service (toàn trình).",
    ("agency", "level"),
)
DOSSIERS_PAID_ONLINE = CounterSpec(
    "ioc_dossiers_received_paid_online",
    "Dossiers received with the fee paid online.",
    ("agency", "level"),
)
DOSSIERS_DIGITIZED = CounterSpec(
    "ioc_dossiers_received_digitized",
    "Dossiers received with their papers digitized.",
    ("agency", "level"),
)
DOSSIERS_RATED = CounterSpec(
    "ioc_dossiers_rated",
    "Citizen ratings of dossier handling: satisfied, unsatisfied, complaint.",
    ("agency", "level", "rating"),
)

DOSSIERS_ABANDONED = CounterSpec(
    "ioc_dossiers_abandoned",
    "Dossiers closed out as abandoned: still in progress past the catalog's retention "
    "(kpi.retention: days after due, or after receipt). They leave the in-progress gauges.",
    ("agency", "level"),
)
FEEDBACK_RECEIVED = CounterSpec(
    "ioc_feedback_received",
    "Citizen reports and petitions (phản ánh, kiến nghị: PAKN) received in the agency's authority.",
    ("agency", "level"),
)
FEEDBACK_RESOLVED_TIMELINESS = CounterSpec(
    "ioc_feedback_resolved_by_timeliness",
    "Citizen feedback resolved, by timeliness against its due time: early (before the due "
    "day), on_time, late, or unknown (no due time known).",
    ("agency", "level", "timeliness"),
)
FEEDBACK_RATED = CounterSpec(
    "ioc_feedback_rated",
    "Citizens' ratings of how their feedback was handled: satisfied or unsatisfied.",
    ("agency", "level", "rating"),
)
FEEDBACK_COMPLAINTS = CounterSpec(
    "ioc_feedback_complaints",
    "Citizen feedback complained about again after it was resolved.",
    ("agency", "level"),
)
FEEDBACK_ABANDONED = CounterSpec(
    "ioc_feedback_abandoned",
    "Citizen feedback closed out as abandoned (kpi.retention, as for dossiers).",
    ("agency", "level"),
)
FEEDBACK_DUPLICATE_STEPS = CounterSpec(
    "ioc_feedback_duplicate_steps",
    "Feedback steps already taken (received, resolved) sent again under another event id: "
    "counted here, not applied.",
    ("step",),
)
SOC_ALERTS_ABANDONED = CounterSpec(
    "ioc_soc_alerts_abandoned",
    "SOC alerts closed out as abandoned: never resolved within kpi.retention.alert_open_days.",
    ("severity",),
)
COUNTERS: tuple[CounterSpec, ...] = (
    EVENTS_PROCESSED,
    EVENTS_DEAD_LETTERED,
    EVENTS_DUPLICATE,
    EVENTS_REROUTED,
    EVENTS_LATE,
    SOC_ALERTS,
    SOC_ALERT_STATUS,
    UPTIME_PROBES,
    DOSSIERS_RECEIVED,
    DOSSIERS_RESOLVED,
    SOC_ALERTS_BY_TECHNIQUE,
    SOC_ALERTS_BY_RULE_GROUP,
    SOC_ALERTS_BY_SECURITY_LEVEL,
    DOSSIER_EVENTS,
    DOSSIERS_RESOLVED_TIMELINESS,
    DOSSIERS_FULL_ONLINE,
    DOSSIERS_PAID_ONLINE,
    DOSSIERS_DIGITIZED,
    DOSSIERS_RATED,
    DOSSIERS_ABANDONED,
    SOC_ALERTS_ABANDONED,
    DOSSIERS_DUPLICATE_STEPS,
    SOC_ALERT_STATUS_DUPLICATES,
    FEEDBACK_RECEIVED,
    FEEDBACK_RESOLVED_TIMELINESS,
    FEEDBACK_RATED,
    FEEDBACK_COMPLAINTS,
    FEEDBACK_ABANDONED,
    FEEDBACK_DUPLICATE_STEPS,
)
DOSSIER_STEPS = ("received", "resolved", "returned", "cancelled")
FEEDBACK_STEPS = ("received", "resolved")
SOC_STATUSES = ("acknowledged", "resolved")

_RESPONSE_BUCKETS = (60.0, 300.0, 900.0, 1800.0, 3600.0, 7200.0, 14400.0, 28800.0, 86400.0)
SOC_MTTA = HistogramSpec(
    "ioc_soc_alert_time_to_acknowledge_seconds",
    "From an alert's event time to its acknowledgement (MTTA = _sum / _count).",
    ("severity",),
    _RESPONSE_BUCKETS,
)
SOC_MTTR = HistogramSpec(
    "ioc_soc_alert_time_to_resolve_seconds",
    "From an alert's event time to its resolution (MTTR = _sum / _count).",
    ("severity",),
    _RESPONSE_BUCKETS,
)
SOC_MTTA_BY_SECURITY_LEVEL = HistogramSpec(
    "ioc_soc_alert_time_to_acknowledge_by_security_level_seconds",
    "From an alert's event time to its acknowledgement, by the security level of the "
    "agent's information system ('none' outside any).",
    ("security_level",),
    _RESPONSE_BUCKETS,
)
SOC_MTTR_BY_SECURITY_LEVEL = HistogramSpec(
    "ioc_soc_alert_time_to_resolve_by_security_level_seconds",
    "From an alert's event time to its resolution, by the security level of the agent's "
    "information system ('none' outside any).",
    ("security_level",),
    _RESPONSE_BUCKETS,
)
HISTOGRAMS: tuple[HistogramSpec, ...] = (
    PROBE_DURATION,
    SOC_MTTA,
    SOC_MTTR,
    SOC_MTTA_BY_SECURITY_LEVEL,
    SOC_MTTR_BY_SECURITY_LEVEL,
)


def security_level_label(level: int | None) -> str:
    """A security level as a label value: "1"-"5", or "none"."""
    return "none" if level is None else str(level)


@dataclass(frozen=True)
class GaugeSpec:
    name: str
    help: str
    labels: tuple[str, ...]


SERVICE_UP = GaugeSpec(
    "ioc_uptime_service_up",
    "1 when the service is up, 0 when down (down after 3 failures in a row, up after 2 successes).",
    ("service", "tier"),
)
TLS_DAYS_LEFT = GaugeSpec(
    "ioc_uptime_tls_cert_days_left",
    "Days until the service's TLS certificate expires.",
    ("service",),
)
LAST_PROBE = GaugeSpec(
    "ioc_uptime_last_probe_timestamp_seconds",
    "Event time of the service's latest probe result: time() - this shows a dead prober.",
    ("service",),
)
IN_MAINTENANCE = GaugeSpec(
    "ioc_uptime_in_maintenance",
    "1 while the service is inside a declared maintenance window.",
    ("service",),
)
SOC_OPEN = GaugeSpec(
    "ioc_soc_alerts_open",
    "Medium and higher alerts not resolved yet, by status (new, acknowledged).",
    ("severity", "status"),
)
SOC_RISK = GaugeSpec(
    "ioc_soc_agency_risk_score",
    "Agency risk: sum over its open alerts of the severity weight (catalog kpi.soc).",
    ("agency",),
)
DOSSIERS_IN_PROGRESS = GaugeSpec(
    "ioc_dossiers_in_progress",
    "Dossiers received and not yet resolved, returned or cancelled.",
    ("agency", "level"),
)
DOSSIERS_OVERDUE = GaugeSpec(
    "ioc_dossiers_overdue",
    "Dossiers in progress past their due time.",
    ("agency", "level"),
)
DOSSIERS_OVERDUE_WORKING_DAYS = GaugeSpec(
    "ioc_dossiers_overdue_by_working_days",
    "Dossiers in progress past their due time, by the working days since it (the working "
    "calendar: weekends, Tết and holidays do not count): 0 (late today), 1, 2-5, 6-10, "
    "11-20, 21+. Only buckets that hold a dossier are exported.",
    ("agency", "level", "working_days"),
)
FEEDBACK_IN_PROGRESS = GaugeSpec(
    "ioc_feedback_in_progress",
    "Citizen feedback received and not yet resolved.",
    ("agency", "level"),
)
FEEDBACK_OVERDUE = GaugeSpec(
    "ioc_feedback_overdue",
    "Citizen feedback in progress past its due time.",
    ("agency", "level"),
)
SOC_ASSETS_ALERTING = GaugeSpec(
    "ioc_soc_assets_alerting",
    "Distinct assets (agents) with at least one alert in the last hour, by agency.",
    ("agency",),
)
_TO_DATE = ("agency", "level", "period")
DOSSIERS_RECEIVED_TO_DATE = GaugeSpec(
    "ioc_dossiers_received_to_date",
    "Dossiers received since the start of the local day (period=day) or month (period=month).",
    _TO_DATE,
)
DOSSIERS_RESOLVED_TO_DATE = GaugeSpec(
    "ioc_dossiers_resolved_to_date",
    "Dossiers resolved since the start of the day or month.",
    _TO_DATE,
)
DOSSIERS_ON_TIME_TO_DATE = GaugeSpec(
    "ioc_dossiers_resolved_on_time_to_date",
    "Dossiers resolved early or on time since the start of the day or month.",
    _TO_DATE,
)
DOSSIERS_FULL_ONLINE_TO_DATE = GaugeSpec(
    "ioc_dossiers_received_full_online_to_date",
    "Full-online dossiers received since the start of the day or month.",
    _TO_DATE,
)
# What ioc_dossiers_in_period counts, in this order in the state's period records.
PERIOD_MEASURES = (
    "received",
    "received_online",
    "full_online",
    "paid_online",
    "digitized",
    "resolved",
    "resolved_with_due",
    "resolved_on_time",
    "rated_unsatisfied",
    # Schema version 2 (issue 29): the portal's denominators and numerators.
    "received_eligible",
    "full_online_eligible",
    "received_with_fee",
    "paid_online_with_fee",
    "received_replaceable",
    "components_replaced",
    "resolved_result_document",
    "electronic_result",
    "steps_sync_tracked",
    "steps_synced_in_time",
    "resolved_dissatisfied",
    # Citizen feedback (PAKN), the portal's rows 21 and 22.
    "feedback_received",
    "feedback_resolved",
    "feedback_resolved_with_due",
    "feedback_resolved_on_time",
    "feedback_dissatisfied",
    # The working calendar (issue 30): received with a due time on a day off, a procedure
    # whose due times the agency's system computes without the calendar.
    "received_due_on_day_off",
)
DOSSIERS_IN_PERIOD = GaugeSpec(
    "ioc_dossiers_in_period",
    "Dossiers of the current local month, quarter or year (period), by what is counted "
    "(measure, docs/kpis.md): received, received_online, full_online, paid_online, digitized, "
    "resolved, resolved_with_due, resolved_on_time, rated_unsatisfied, received_eligible, "
    "full_online_eligible, received_with_fee, paid_online_with_fee, received_replaceable, "
    "components_replaced, resolved_result_document, electronic_result, steps_sync_tracked, "
    "steps_synced_in_time, resolved_dissatisfied, feedback_received, feedback_resolved, "
    "feedback_resolved_with_due, feedback_resolved_on_time, feedback_dissatisfied, "
    "received_due_on_day_off. Starts "
    "again at 0 when the period turns; each event counts in the period of its own event time.",
    ("agency", "level", "period", "measure"),
)
KPI_TARGET = GaugeSpec(
    "ioc_kpi_target_ratio",
    "Target of a KPI ratio from the catalog, for panels to draw.",
    ("kpi",),
)
AGENCY_INFO = GaugeSpec(
    "ioc_agency_info",
    "1 for each agency of the catalog, with its name and how the province groups it: join on "
    "agency (`* on (agency) group_left (name)`) to show its name, or to sum or rank by kind "
    "or area.",
    ("agency", "level", "kind", "area", "name"),
)
SERVICE_INFO = GaugeSpec(
    "ioc_service_info",
    "1 for each probed service of the catalog, with its name, tier and hosting agency: join "
    "on service (`* on (service) group_left (name)`) to show its name.",
    ("service", "name", "tier", "agency"),
)
STATE_ENTITIES = GaugeSpec(
    "ioc_state_entities",
    "Entities the worker keeps in its state (open dossiers, open alerts, services, ...).",
    ("kind",),
)
GAUGES: tuple[GaugeSpec, ...] = (
    SERVICE_UP,
    TLS_DAYS_LEFT,
    LAST_PROBE,
    IN_MAINTENANCE,
    SOC_OPEN,
    SOC_RISK,
    DOSSIERS_IN_PROGRESS,
    DOSSIERS_OVERDUE,
    DOSSIERS_OVERDUE_WORKING_DAYS,
    FEEDBACK_IN_PROGRESS,
    FEEDBACK_OVERDUE,
    SOC_ASSETS_ALERTING,
    DOSSIERS_RECEIVED_TO_DATE,
    DOSSIERS_RESOLVED_TO_DATE,
    DOSSIERS_ON_TIME_TO_DATE,
    DOSSIERS_FULL_ONLINE_TO_DATE,
    DOSSIERS_IN_PERIOD,
    KPI_TARGET,
    AGENCY_INFO,
    SERVICE_INFO,
    STATE_ENTITIES,
)

# A sample of the Prometheus exposition: (sample name, sorted (label, value) pairs).
SampleKey = tuple[str, tuple[tuple[str, str], ...]]

# Label values inside the state are joined with this; catalog ids cannot contain it.
LABEL_SEP = "|"


def label_key(*values: str) -> str:
    return LABEL_SEP.join(values)


def label_values(key: str) -> list[str]:
    return key.split(LABEL_SEP)


# Counters and histograms of the state carry the source partition they were counted in
# (streams.collector: the series of a moved partition never read as a reset).
PARTITION_LABEL = "partition"
# The sample names of the state's counters and histograms.
STATE_SAMPLES = frozenset(
    [f"{c.name}_total" for c in COUNTERS]
    + [f"{h.name}{suffix}" for h in HISTOGRAMS for suffix in ("_bucket", "_count", "_sum")]
)


def without_partitions(samples: dict[SampleKey, float]) -> dict[SampleKey, float]:
    """The state's series summed over their source partitions, as the recording rules and
    dashboards sum them; other series as they are."""
    out: dict[SampleKey, float] = {}
    for (name, labels), value in samples.items():
        if name in STATE_SAMPLES:
            labels = tuple(kv for kv in labels if kv[0] != PARTITION_LABEL)
        key = (name, labels)
        out[key] = out.get(key, 0.0) + value
    return out


# Metrics the shell defines itself: process-local measures of the pipeline and of the source
# programs, each with its help and labels in the class that owns it (tests/unit/
# test_vocabulary.py checks that those classes define exactly these names, and that every
# metric name a dashboard, rule or report uses is one of this module's).
SHELL_METRICS: dict[str, tuple[str, ...]] = {
    "streams.ingest.IngestMetrics": (
        "ioc_ingest_batches_produced", "ioc_ingest_commit_failures",
        "ioc_ingest_committed_offset", "ioc_ingest_consumer_lag_messages",
        "ioc_ingest_messages_consumed", "ioc_ingest_partitions_assigned",
        "ioc_source_end_offset",
    ),
    "streams.aggregator.AggregateMetrics": (
        "ioc_batch_apply_failures", "ioc_batch_gaps", "ioc_batch_offsets_replayed",
        "ioc_batches_quarantined", "ioc_batches_undecodable", "ioc_pipeline_lag_seconds",
    ),
    "streams.app": (
        "ioc_aggregate_applied_offset", "ioc_aggregate_partitions_assigned",
        "ioc_calendar_last_year",
    ),
    "streams.portal.PortalMetrics": ("ioc_portal_766_points", "ioc_portal_scores_invalid"),
    "streams.alerts.AlertMetrics": (
        "ioc_alert_delivery_failures", "ioc_alert_delivery_queue",
        "ioc_alert_signals_undecodable", "ioc_alertmanager_clock_skew_seconds",
        "ioc_alerts_capped", "ioc_alerts_delivered", "ioc_alerts_dropped", "ioc_alerts_fired",
        "ioc_alerts_firing", "ioc_alerts_resolved", "ioc_detector_takeovers",
        "ioc_page_acknowledge_seconds", "ioc_page_escalation_chains",
        "ioc_page_escalation_poll_failures", "ioc_page_escalations",
    ),
    "ioc.sources.publisher.PublisherMetrics": (
        "ioc_source_dead_letters", "ioc_source_events_dropped", "ioc_source_events_published",
        "ioc_source_publish_failures",
    ),
    "ioc.sources.probe.runner.ProbeMetrics": (
        "ioc_probe_duration_seconds", "ioc_probe_last_run_timestamp_seconds", "ioc_probe_runs",
        "ioc_probe_slots_skipped", "ioc_probe_tls_certificate_days_left",
    ),
    "ioc.sources.http_intake.server.IntakeMetrics": (
        "ioc_intake_http_connections_refused", "ioc_intake_http_items",
        "ioc_intake_http_requests",
    ),
    "ioc.sources.wazuh.program.WazuhMetrics": (
        "ioc_wazuh_alerts", "ioc_wazuh_backlog_bytes", "ioc_wazuh_checkpoint_failures",
        "ioc_wazuh_checkpoint_offset_bytes", "ioc_wazuh_file_rotations",
        "ioc_wazuh_file_truncations",
    ),
}  # fmt: skip

STATE_METRIC_NAMES = frozenset(
    [c.name for c in COUNTERS] + [g.name for g in GAUGES] + [h.name for h in HISTOGRAMS]
)
# Every metric name (counters without ``_total``, histograms without their suffixes).
METRIC_NAMES = STATE_METRIC_NAMES | {n for names in SHELL_METRICS.values() for n in names}
_SAMPLE_SUFFIXES = ("_total", "_bucket", "_count", "_sum", "_created")


def metric_of_sample(sample: str) -> str | None:
    """The metric a sample or series name belongs to (``ioc_events_processed_total`` ->
    ``ioc_events_processed``), or None if it is none of this project's."""
    if sample in METRIC_NAMES:
        return sample
    for suffix in _SAMPLE_SUFFIXES:
        if sample.endswith(suffix) and sample[: -len(suffix)] in METRIC_NAMES:
            return sample[: -len(suffix)]
    return None
