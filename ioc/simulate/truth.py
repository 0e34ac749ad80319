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
from ioc.contracts import DossierEvent, Event, SocAlert, SocAlertStatus, UptimeProbe

SampleKey = tuple[str, tuple[tuple[str, str], ...]]

# Must match the buckets of ioc_uptime_probe_duration_seconds; kept apart on purpose.
_DURATION_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0)


def _key(name: str, **labels: str) -> SampleKey:
    return name, tuple(sorted(labels.items()))


_RESPONSE_BUCKETS = (60.0, 300.0, 900.0, 1800.0, 3600.0, 7200.0, 14400.0, 28800.0, 86400.0)


class GroundTruth:
    def __init__(self, catalog: Catalog) -> None:
        self._tier = {s.id: str(s.tier) for s in catalog.services}
        self._tz = ZoneInfo(catalog.province.timezone)
        self._techniques = set(catalog.kpi.soc.tracked_techniques)
        self._groups = set(catalog.kpi.soc.tracked_rule_groups)
        self._maintenance = [(w.service, w.start, w.end) for w in catalog.maintenance]
        self._alert_created: dict[str, tuple[str, float]] = {}
        self.samples: Counter[SampleKey] = Counter()
        self.duration_sums: dict[str, float] = {}
        self.sent = 0

    def _histogram(self, name: str, value: float, bounds: tuple[float, ...], **labels: str) -> None:
        for bound in (*bounds, float("inf")):
            le = "+Inf" if bound == float("inf") else repr(bound)
            self.samples[_key(name + "_bucket", le=le, **labels)] += 1 if value <= bound else 0
        self.samples[_key(name + "_count", **labels)] += 1

    def record(self, event: Event) -> None:
        self.sent += 1
        c = self.samples
        c[_key("ioc_events_processed_total", source=event.source)] += 1
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
            if event.rule.level >= 7:
                self._alert_created[event.alert_id] = (event.severity, event.event_time.timestamp())
        elif isinstance(event, SocAlertStatus):
            c[_key("ioc_soc_alert_status_changes_total", status=event.status)] += 1
            severity, created = self._alert_created[event.alert_id]
            took = event.event_time.timestamp() - created
            name = (
                "ioc_soc_alert_time_to_acknowledge_seconds"
                if event.status == "acknowledged"
                else "ioc_soc_alert_time_to_resolve_seconds"
            )
            self._histogram(name, took, _RESPONSE_BUCKETS, severity=severity)
        elif isinstance(event, UptimeProbe):
            tier = self._tier[event.service]
            if any(
                s == event.service and start <= event.event_time < end
                for s, start, end in self._maintenance
            ):
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
            self._histogram(
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
            elif event.lifecycle == "resolved":
                c[_key("ioc_dossiers_resolved_total", channel=event.channel, **where)] += 1
                if event.due_time is not None:
                    when = timeliness(
                        event.event_time.timestamp(), event.due_time.timestamp(), self._tz
                    )
                    c[
                        _key("ioc_dossiers_resolved_by_timeliness_total", timeliness=when, **where)
                    ] += 1
            elif event.lifecycle == "rated":
                assert event.rating is not None
                c[_key("ioc_dossiers_rated_total", rating=event.rating, **where)] += 1

    def record_dead_letter(self, source: str, reason: str) -> None:
        self.sent += 1
        self.samples[_key("ioc_events_dead_lettered_total", source=source, reason=reason)] += 1

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
