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

COUNTERS: tuple[CounterSpec, ...] = (
    EVENTS_PROCESSED,
    EVENTS_DEAD_LETTERED,
    SOC_ALERTS,
    SOC_ALERT_STATUS,
    UPTIME_PROBES,
    DOSSIERS_RECEIVED,
    DOSSIERS_RESOLVED,
)
HISTOGRAMS: tuple[HistogramSpec, ...] = (PROBE_DURATION,)

# Label values inside the state are joined with this; catalog ids cannot contain it.
LABEL_SEP = "|"


def label_key(*values: str) -> str:
    return LABEL_SEP.join(values)


def label_values(key: str) -> list[str]:
    return key.split(LABEL_SEP)
