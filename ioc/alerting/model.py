"""Alerts as the detector raises them and Alertmanager receives them."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from ioc.contracts import Source

Status = Literal["firing", "resolved"]
Domain = Source | Literal["correlated"]

# The labels that identify an alert; everything else about it is an annotation.
IDENTIFYING_LABELS = ("alertname", "severity", "domain", "agency", "service", "technique")


def fingerprint(labels: dict[str, str]) -> str:
    """Stable id of an alert: the same identifying labels give the same fingerprint in any
    process, across restarts (not Python's salted ``hash``)."""
    text = "\x1f".join(f"{k}={labels[k]}" for k in sorted(labels))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class Alert:
    """One alert instance. ``labels`` identify it; ``starts_at`` is the event time at which
    its condition began."""

    labels: dict[str, str]
    annotations: dict[str, str]
    starts_at: float

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.labels)

    @property
    def name(self) -> str:
        return self.labels["alertname"]

    @property
    def severity(self) -> str:
        return self.labels["severity"]


@dataclass(frozen=True, slots=True)
class AlertChange:
    """An alert started firing or was resolved, at event time ``at``."""

    alert: Alert
    status: Status
    at: float

    def to_record(self) -> dict[str, object]:
        """The ``ioc.alerts`` topic record."""
        return {
            "fingerprint": self.alert.fingerprint,
            "status": self.status,
            "labels": self.alert.labels,
            "annotations": self.alert.annotations,
            "startsAt": iso(self.alert.starts_at),
            "at": iso(self.at),
        }


def from_iso(text: str) -> float:
    """POSIX seconds of an RFC 3339 time with its offset, ours or Alertmanager's (which
    writes nanoseconds; Python reads at most microseconds). ValueError if it is not one."""
    head, dot, tail = text.partition(".")
    if dot:
        digits = len(tail) - len(tail.lstrip("0123456789"))
        text = f"{head}.{tail[: min(digits, 6)]}{tail[digits:]}"
    when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if when.tzinfo is None:
        raise ValueError(f"no UTC offset in {text!r}")
    return when.timestamp()


def iso(ts: float) -> str:
    """RFC 3339 with milliseconds, as Alertmanager's API expects."""
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
