"""Ground truth: the metric values a correct pipeline must export for what was sent.

Computed straight from the generated events, independently of the aggregation core, so that
tests compare two separate derivations. Samples are keyed ``(sample name, sorted labels)`` as
they appear in the Prometheus exposition (``..._total``, ``..._bucket``, ``..._count``).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from zoneinfo import ZoneInfo

import orjson

from ioc.aggregate.kpi import timeliness
from ioc.catalog import Catalog
from ioc.catalog.calendar import WorkingCalendar
from ioc.catalog.maintenance import MaintenanceCalendar
from ioc.contracts import (
    DossierEvent,
    Event,
    FeedbackEvent,
    SocAlert,
    SocAlertStatus,
    UptimeProbe,
)
from ioc.metrics import spec
from ioc.metrics.spec import SampleKey

# Must match the buckets of ioc_uptime_probe_duration_seconds; kept apart on purpose.
_DURATION_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0)


def _key(name: str, **labels: str) -> SampleKey:
    return name, tuple(sorted(labels.items()))


_RESPONSE_BUCKETS = (60.0, 300.0, 900.0, 1800.0, 3600.0, 7200.0, 14400.0, 28800.0, 86400.0)


def _histogram(
    out: Counter[SampleKey], name: str, value: float, bounds: tuple[float, ...], **labels: str
) -> None:
    for bound in (*bounds, float("inf")):
        le = "+Inf" if bound == float("inf") else repr(bound)
        out[_key(name + "_bucket", le=le, **labels)] += 1 if value <= bound else 0
    out[_key(name + "_count", **labels)] += 1


class GroundTruth:
    def __init__(self, catalog: Catalog, late_grace_seconds: float = 300.0) -> None:
        self._grace = late_grace_seconds
        self._clocks: dict[tuple[str, int], float] = {}
        self._tier = {s.id: str(s.tier) for s in catalog.services}
        self._tz = ZoneInfo(catalog.province.timezone)
        self._techniques = set(catalog.kpi.soc.tracked_techniques)
        self._groups = set(catalog.kpi.soc.tracked_rule_groups)
        self._maintenance = MaintenanceCalendar.from_catalog(catalog)
        self._alert_created: dict[str, tuple[str, float, str]] = {}
        self._status_ts: dict[tuple[str, str], float] = {}
        # Dossier steps taken: each dossier is received once and closed once.
        self._received: set[str] = set()
        self._closed: set[str] = set()
        # Paused clocks: dossier -> [paused since or None, office seconds waited so far].
        self._calendar = WorkingCalendar.of(catalog).weekly_fallback()
        self._pauses: dict[str, list[float | None]] = {}
        # Citizen feedback: received once, resolved once.
        self._feedback_received: set[str] = set()
        self._feedback_resolved: set[str] = set()
        self._counts: Counter[SampleKey] = Counter()
        self.duration_sums: dict[str, float] = {}
        self.sent = 0

    @property
    def samples(self) -> Counter[SampleKey]:
        """Every expected sample; response times are derived here, whatever the order the
        alerts and their status changes were sent in."""
        out = Counter(self._counts)
        for (alert_id, status), ts in self._status_ts.items():
            if alert_id not in self._alert_created:
                continue  # a low alert: not tracked
            severity, created, level = self._alert_created[alert_id]
            verb = "acknowledge" if status == "acknowledged" else "resolve"
            seconds = max(0.0, ts - created)
            name = f"ioc_soc_alert_time_to_{verb}_seconds"
            _histogram(out, name, seconds, _RESPONSE_BUCKETS, severity=severity)
            name = f"ioc_soc_alert_time_to_{verb}_by_security_level_seconds"
            _histogram(out, name, seconds, _RESPONSE_BUCKETS, security_level=level)
        return out

    def record(self, event: Event, partition: int = 0) -> None:
        """An event sent (once) to ``partition`` of its source topic."""
        self.sent += 1
        c = self._counts
        c[_key("ioc_events_processed_total", source=event.source)] += 1
        ts = event.event_time.timestamp()
        clock = self._clocks.get((event.source, partition), 0.0)
        if ts < clock - self._grace:
            c[_key("ioc_events_late_total", source=event.source)] += 1
        self._clocks[(event.source, partition)] = max(clock, ts)
        if isinstance(event, SocAlert):
            c[
                _key(
                    "ioc_soc_alerts_total",
                    severity=event.severity,
                    asset_type=event.asset_type,
                    agency=event.agency,
                )
            ] += 1
            for technique in event.rule.mitre.id:
                label = technique if technique in self._techniques else "other"
                c[_key("ioc_soc_alerts_by_technique_total", technique=label)] += 1
            for group in event.rule.groups:
                label = group if group in self._groups else "other"
                c[_key("ioc_soc_alerts_by_rule_group_total", rule_group=label)] += 1
            level = spec.security_level_label(event.security_level)
            c[
                _key(
                    "ioc_soc_alerts_by_security_level_total",
                    severity=event.severity,
                    security_level=level,
                )
            ] += 1
            if event.rule.level >= 7:
                self._alert_created[event.alert_id] = (
                    event.severity,
                    event.event_time.timestamp(),
                    level,
                )
        elif isinstance(event, SocAlertStatus):
            if (event.alert_id, event.status) in self._status_ts:
                c[_key("ioc_soc_alert_status_duplicates_total", status=event.status)] += 1
                return
            c[_key("ioc_soc_alert_status_changes_total", status=event.status)] += 1
            self._status_ts[(event.alert_id, event.status)] = event.event_time.timestamp()
        elif isinstance(event, UptimeProbe):
            tier = self._tier[event.service]
            if self._maintenance.contains(event.service, event.event_time.timestamp()):
                c[
                    _key(
                        "ioc_uptime_probes_total",
                        service=event.service,
                        tier=tier,
                        result="maintenance",
                    )
                ] += 1
                return
            result = "success" if event.success else "failure"
            c[_key("ioc_uptime_probes_total", service=event.service, tier=tier, result=result)] += 1
            _histogram(
                c,
                "ioc_uptime_probe_duration_seconds",
                event.duration_seconds,
                _DURATION_BUCKETS,
                service=event.service,
                tier=tier,
            )
            self.duration_sums[event.service] = (
                self.duration_sums.get(event.service, 0.0) + event.duration_seconds
            )
        elif isinstance(event, DossierEvent):
            if self._repeated_step(event):
                c[_key("ioc_dossiers_duplicate_steps_total", step=event.lifecycle)] += 1
                return
            where = {"agency": event.agency, "level": event.level}
            c[_key("ioc_dossier_events_total", lifecycle=event.lifecycle, **where)] += 1
            if event.lifecycle == "received":
                c[_key("ioc_dossiers_received_total", channel=event.channel, **where)] += 1
                for flag, name in (
                    (event.full_online, "full_online"),
                    (event.paid_online, "paid_online"),
                    (event.digitized, "digitized"),
                ):
                    if flag:
                        c[_key(f"ioc_dossiers_received_{name}_total", **where)] += 1
            elif event.lifecycle == "additional_docs_requested":
                pause = self._pauses.setdefault(event.dossier_id, [None, 0.0])
                if event.dossier_id not in self._closed and pause[0] is None:
                    pause[0] = event.event_time.timestamp()
            elif event.lifecycle == "additional_docs_submitted":
                paused = self._pauses.get(event.dossier_id)
                if paused is not None and paused[0] is not None:
                    waited = self._calendar.working_seconds_between_ts(
                        paused[0], event.event_time.timestamp()
                    )
                    paused[0], paused[1] = None, (paused[1] or 0.0) + waited
            elif event.lifecycle == "resolved":
                c[_key("ioc_dossiers_resolved_total", channel=event.channel, **where)] += 1
                if event.due_time is not None:
                    when = timeliness(event.event_time.timestamp(), self._due(event), self._tz)
                    c[
                        _key("ioc_dossiers_resolved_by_timeliness_total", timeliness=when, **where)
                    ] += 1
            elif event.lifecycle == "rated":
                assert event.rating is not None
                c[_key("ioc_dossiers_rated_total", rating=event.rating, **where)] += 1
        elif isinstance(event, FeedbackEvent):
            self._feedback(event)

    def _feedback(self, event: FeedbackEvent) -> None:
        c = self._counts
        where = {"agency": event.agency, "level": event.level}
        if event.lifecycle in ("received", "resolved"):
            taken = (
                self._feedback_received
                if event.lifecycle == "received"
                else self._feedback_resolved
            )
            if event.feedback_id in taken:
                c[_key("ioc_feedback_duplicate_steps_total", step=event.lifecycle)] += 1
                return
            taken.add(event.feedback_id)
        if event.lifecycle == "received":
            c[_key("ioc_feedback_received_total", **where)] += 1
        elif event.lifecycle == "resolved":
            when = (
                "unknown"
                if event.due_time is None
                else timeliness(event.event_time.timestamp(), event.due_time.timestamp(), self._tz)
            )
            c[_key("ioc_feedback_resolved_by_timeliness_total", timeliness=when, **where)] += 1
        elif event.lifecycle == "rated":
            assert event.rating is not None
            c[_key("ioc_feedback_rated_total", rating=event.rating, **where)] += 1
        else:
            c[_key("ioc_feedback_complaints_total", **where)] += 1

    def _due(self, event: DossierEvent) -> float:
        """The event's due time moved by the office time the dossier's clock was paused, up
        to the closing for a pause still running then."""
        assert event.due_time is not None
        pause = self._pauses.get(event.dossier_id, [None, 0.0])
        waited = pause[1] or 0.0
        if pause[0] is not None:
            waited += self._calendar.working_seconds_between_ts(
                pause[0], event.event_time.timestamp()
            )
        return self._calendar.add_working_seconds_ts(event.due_time.timestamp(), waited)

    def _repeated_step(self, event: DossierEvent) -> bool:
        """A dossier is received once and closed (resolved, returned, cancelled) once."""
        if event.lifecycle == "received":
            taken = self._received
        elif event.lifecycle in ("resolved", "returned", "cancelled"):
            taken = self._closed
        else:
            return False
        if event.dossier_id in taken:
            return True
        taken.add(event.dossier_id)
        return False

    def record_duplicate(self, source: str) -> None:
        """An event sent again with the same event_id."""
        self.sent += 1
        self._counts[_key("ioc_events_duplicate_total", source=source)] += 1

    def record_rerouted(self, source: str) -> None:
        """An event sent outside its entity's partition: forwarded there once (record it
        with ``record`` at that partition too)."""
        self._counts[_key("ioc_events_rerouted_total", source=source)] += 1

    def record_dead_letter(self, source: str, reason: str) -> None:
        self.sent += 1
        self._counts[_key("ioc_events_dead_lettered_total", source=source, reason=reason)] += 1

    def to_json(self) -> bytes:
        rows = [
            {"name": name, "labels": dict(labels), "value": value}
            for (name, labels), value in sorted(self.samples.items())
        ]
        return orjson.dumps(
            {"sent": self.sent, "samples": rows, "duration_sums": dict(self.duration_sums)},
            option=orjson.OPT_INDENT_2,
        )

    def write(self, path: Path | str) -> None:
        Path(path).write_bytes(self.to_json())


def load_truth(path: Path | str) -> dict[SampleKey, float]:
    raw = orjson.loads(Path(path).read_bytes())
    return {_key(r["name"], **r["labels"]): r["value"] for r in raw["samples"]}


# Every series exported from the aggregation state (gauges depend on the clock: not compared).
STATE_METRICS = frozenset(n for n in spec.STATE_SAMPLES if not n.endswith("_sum"))


def differences(exported: dict[SampleKey, float], truth: GroundTruth) -> list[str]:
    """Every sample where a worker's export, summed over partitions as
    ``WorkerProcess.samples`` gives it, and the ground truth disagree, both ways."""
    diffs = []
    expected_samples = truth.samples  # derived on each access: take it once
    for key, expected in expected_samples.items():
        got = exported.get(key)
        if got != expected:
            diffs.append(f"{key}: exported {got}, expected {expected}")
    for key, got in exported.items():
        # A counter the worker exports at 0 before its first event (known label values, as
        # Prometheus' instrumentation guide asks) agrees with a truth that never saw one.
        if key[0] in STATE_METRICS and key not in expected_samples and got != 0:
            diffs.append(f"{key}: exported {got}, expected no such series")
    return diffs
