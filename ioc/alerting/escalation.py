"""Escalation: a page that nobody acknowledges goes on to the next person of its chain.

Alertmanager has no acknowledgement and no timer. Here a page is acknowledged when it is
silenced (``ioc ack`` makes the silence, as karma and alerta do), and the chain is kept by the
worker that owns the detector: for each page Alertmanager shows, the time it was first seen
unacknowledged, and the steps already sent. A due step becomes an alert of its own
(``PageNotAcknowledged``, labelled with the step and the team) that Alertmanager routes to
the secondary on call or to the head of the operations centre.

The chain is counted from the page's first sighting, not its ``startsAt``: a page for an
incident that began long ago (a replay after an outage) still gives the person it reaches
the whole delay to answer. A chain ends when its page is acknowledged or resolves; its steps
then resolve. Every change to a chain is a record (``Chain.to_record``) on a compacted topic,
so a detector taking over resumes each chain where it was: no step repeated, none skipped.

No Kafka, no asyncio, no clock of its own: the shell gives it the pages and the time.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import orjson

from ioc.alerting.model import Alert, AlertChange, fingerprint
from ioc.alerting.rules import EscalationStep
from ioc.alerting.texts import duration_text

ESCALATION_ALERT = "PageNotAcknowledged"
Team = Literal["incident_response", "it_operations"]
TEAMS: frozenset[str] = frozenset(("incident_response", "it_operations"))
# A finished chain is kept this long (a page flapping back reuses it), then forgotten.
FORGET_AFTER_SECONDS = 3600.0


def team_of(labels: Mapping[str, str]) -> Team:
    """The provincial team a page belongs to: security incidents to incident response,
    everything else (platforms, the pipeline, the portal) to IT operations."""
    return "incident_response" if labels.get("domain") in ("soc", "correlated") else "it_operations"


@dataclass(frozen=True, slots=True)
class Page:
    """A page as Alertmanager shows it (``GET /api/v2/alerts``)."""

    labels: dict[str, str]
    annotations: dict[str, str]
    # Alertmanager's fingerprint: what ``ioc ack`` is given.
    ref: str
    acknowledged: bool
    inhibited: bool

    @property
    def key(self) -> str:
        return fingerprint(self.labels)


def page_of(item: Mapping[str, Any]) -> Page | None:
    """A ``GET /api/v2/alerts`` item as a page, or None if it is not one this module reads."""
    try:
        labels = {str(k): str(v) for k, v in item["labels"].items()}
        annotations = {str(k): str(v) for k, v in (item.get("annotations") or {}).items()}
        status = item.get("status") or {}
        return Page(
            labels,
            annotations,
            str(item.get("fingerprint", "")),
            acknowledged=bool(status.get("silencedBy")),
            inhibited=bool(status.get("inhibitedBy")),
        )
    except (KeyError, AttributeError, TypeError):
        return None


@dataclass(slots=True)
class Chain:
    """One page's escalation: when it was first seen unacknowledged, the steps sent, and
    when it ended (acknowledged or resolved)."""

    labels: dict[str, str]
    annotations: dict[str, str]
    ref: str
    started: float
    sent: list[str] = field(default_factory=list)
    ended: float | None = None

    def to_record(self) -> bytes:
        return orjson.dumps(
            {"labels": self.labels, "annotations": self.annotations, "ref": self.ref,
             "started": self.started, "sent": self.sent, "ended": self.ended}
        )  # fmt: skip

    @classmethod
    def from_record(cls, data: bytes) -> Chain | None:
        """A chain from its record; None for a record that cannot be read (the topic is
        ours, but a takeover must not fail on one bad record)."""
        try:
            doc = orjson.loads(data)
            ended = doc["ended"]
            return cls(
                {str(k): str(v) for k, v in doc["labels"].items()},
                {str(k): str(v) for k, v in doc["annotations"].items()},
                str(doc["ref"]),
                float(doc["started"]),
                [str(s) for s in doc["sent"]],
                None if ended is None else float(ended),
            )
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError):
            return None


class Escalator:
    """The chains of the pages Alertmanager shows, moved on by ``update``."""

    def __init__(self, steps: Mapping[Any, Sequence[EscalationStep]]) -> None:
        self.steps = {severity: tuple(s) for severity, s in steps.items() if s}
        self.chains: dict[str, Chain] = {}

    def restore(self, records: Iterable[tuple[str, bytes | None]]) -> None:
        """The chains as the compacted topic left them: (key, record) pairs, oldest first;
        a tombstone (None) forgets its chain."""
        for key, data in records:
            chain = None if data is None else Chain.from_record(data)
            if chain is None:
                self.chains.pop(key, None)
            else:
                self.chains[key] = chain

    def firing(self) -> list[Alert]:
        """The steps sent for chains still running: what a new owner re-sends."""
        return [
            self._step_alert(chain, step)
            for chain in self.chains.values()
            if chain.ended is None
            for step in self._steps_of(chain)
            if step.to in chain.sent
        ]

    def ended_since(self, since: float) -> list[AlertChange]:
        """The resolutions of chains that ended at or after ``since``: a new owner sends them
        again, in case the last one stopped before it could."""
        return [
            AlertChange(self._step_alert(chain, step), "resolved", chain.ended)
            for chain in self.chains.values()
            if chain.ended is not None and chain.ended >= since
            for step in self._steps_of(chain)
            if step.to in chain.sent
        ]

    def update(
        self, pages: Iterable[Page], now: float
    ) -> tuple[list[AlertChange], dict[str, Chain | None]]:
        """Move every chain on to ``now``: the step alerts that fire or resolve, and the
        chains that changed (None: forget it), to be recorded before anything is sent."""
        changes: list[AlertChange] = []
        changed: dict[str, Chain | None] = {}
        seen: set[str] = set()
        for page in pages:
            severity = page.labels.get("severity", "")
            if page.labels.get("alertname") == ESCALATION_ALERT or severity not in self.steps:
                continue
            if page.inhibited:
                continue  # the page that inhibits it is the one that escalates
            key = page.key
            seen.add(key)
            chain = self.chains.get(key)
            if page.acknowledged:
                if chain is not None and chain.ended is None:
                    changes += self._end(chain, now)
                    changed[key] = chain
                continue
            if chain is None or chain.ended is not None:
                # First sighting, or back after an acknowledgement ran out or a resolution:
                # a new chain, the whole delay again.
                chain = Chain(page.labels, page.annotations, page.ref, now)
                self.chains[key] = chain
                changed[key] = chain
            for step in self._steps_of(chain):
                if step.to not in chain.sent and now >= chain.started + step.after:
                    chain.sent.append(step.to)
                    changes.append(AlertChange(self._step_alert(chain, step), "firing", now))
                    changed[key] = chain
        for key, chain in list(self.chains.items()):
            if key in seen:
                continue
            if chain.ended is None:
                changes += self._end(chain, now)  # resolved (or inhibited) meanwhile
                changed[key] = chain
            elif now - chain.ended > FORGET_AFTER_SECONDS:
                del self.chains[key]
                changed[key] = None
        return changes, changed

    def _steps_of(self, chain: Chain) -> tuple[EscalationStep, ...]:
        return self.steps.get(chain.labels.get("severity", ""), ())

    def _end(self, chain: Chain, now: float) -> list[AlertChange]:
        chain.ended = now
        return [
            AlertChange(self._step_alert(chain, step), "resolved", now)
            for step in self._steps_of(chain)
            if step.to in chain.sent
        ]

    def _step_alert(self, chain: Chain, step: EscalationStep) -> Alert:
        page, ann = chain.labels, chain.annotations
        labels = {k: v for k, v in page.items() if k not in ("alertname", "severity")}
        labels.update(
            alertname=ESCALATION_ALERT,
            severity="page",
            escalation=step.to,
            team=team_of(page),
            escalated_alertname=page.get("alertname", ""),
        )
        waited = duration_text(step.after)
        who_vi, who_en = _WHO[step.to]
        annotations = {k: v for k, v in ann.items() if k not in ("summary", "description")}
        annotations["summary"] = (
            f"Chưa ai nhận xử lý sau {waited}, chuyển {who_vi} / Not acknowledged after "
            f"{waited}, escalated to {who_en}: {ann.get('summary', page.get('alertname', ''))}"
        )
        annotations["description"] = ann.get("description", "")
        annotations["page_ref"] = chain.ref  # ``ioc ack`` of this alert acknowledges the page
        annotations["acknowledge"] = f"ioc ack {chain.ref} --as <mã cán bộ / your id>"
        return Alert(labels, annotations, chain.started + step.after)


_WHO: dict[str, tuple[str, str]] = {
    "secondary": ("trực dự phòng", "the secondary on call"),
    "head_of_operations": ("Giám đốc Trung tâm", "the head of the operations centre"),
}
