"""Ground truth: the metric values a correct pipeline must export for what was sent.

Computed straight from the generated events, independently of the aggregation core, so that
tests compare two separate derivations. Samples are keyed ``(sample name, sorted labels)`` as
they appear in the Prometheus exposition (``..._total``, ``..._bucket``, ``..._count``).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import orjson

from ioc.catalog import Catalog
from ioc.contracts import DossierEvent, Event, SocAlert, SocAlertStatus, UptimeProbe

SampleKey = tuple[str, tuple[tuple[str, str], ...]]

# Must match the buckets of ioc_uptime_probe_duration_seconds; kept apart on purpose.
_DURATION_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0)


def _key(name: str, **labels: str) -> SampleKey:
    return name, tuple(sorted(labels.items()))


class GroundTruth:
    def __init__(self, catalog: Catalog) -> None:
        self._tier = {s.id: str(s.tier) for s in catalog.services}
        self.samples: Counter[SampleKey] = Counter()
        self.duration_sums: dict[str, float] = {}
        self.sent = 0

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
        elif isinstance(event, SocAlertStatus):
            c[_key("ioc_soc_alert_status_changes_total", status=event.status)] += 1
        elif isinstance(event, UptimeProbe):
            tier = self._tier[event.service]
            result = "success" if event.success else "failure"
            c[_key("ioc_uptime_probes_total", service=event.service, tier=tier, result=result)] += 1
            name = "ioc_uptime_probe_duration_seconds"
            for bound in (*_DURATION_BUCKETS, float("inf")):
                le = "+Inf" if bound == float("inf") else repr(bound)
                hit = 1 if event.duration_seconds <= bound else 0
                c[_key(name + "_bucket", service=event.service, tier=tier, le=le)] += hit
            c[_key(name + "_count", service=event.service, tier=tier)] += 1
            self.duration_sums[event.service] = (
                self.duration_sums.get(event.service, 0.0) + event.duration_seconds
            )
        elif isinstance(event, DossierEvent):
            labels = {"agency": event.agency, "level": event.level, "channel": event.channel}
            if event.lifecycle == "received":
                c[_key("ioc_dossiers_received_total", **labels)] += 1
            elif event.lifecycle == "resolved":
                c[_key("ioc_dossiers_resolved_total", **labels)] += 1

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
