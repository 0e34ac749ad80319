"""Acknowledging a page: the Alertmanager silence it becomes, and the audit record it leaves.

An acknowledgement is a silence on the page's exact labels, created by the person (name and
id) with their comment, for ``escalation.ack_for``: the page stops repeating, and its
escalation chain ends (``ioc.alerting.escalation`` reads a silenced page as acknowledged).
The record on the acknowledgements topic says who acknowledged what and when; the time from
the page's start to it is the time to acknowledge.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass

import orjson

from ioc.alerting.escalation import team_of
from ioc.alerting.evidence import one_line
from ioc.alerting.model import iso

# An ``ioc ack`` comment is read by people and kept in the audit trail: short, one line.
MAX_COMMENT = 500
# POSIX seconds beyond this (year 5138) are not a time anyone acknowledged at.
MAX_TIMESTAMP = 1e11


def silence_request(
    labels: Mapping[str, str], by: str, comment: str, now: float, duration: float
) -> dict[str, object]:
    """The ``POST /api/v2/silences`` body that acknowledges the page with ``labels``."""
    return {
        "matchers": [
            {"name": k, "value": v, "isRegex": False, "isEqual": True}
            for k, v in sorted(labels.items())
        ],
        "startsAt": iso(now),
        "endsAt": iso(now + duration),
        "createdBy": by,
        "comment": "Đã nhận xử lý / acknowledged" + (f": {comment}" if comment else ""),
    }


def clean_comment(text: str) -> str:
    """One line of printable text, at most ``MAX_COMMENT`` characters."""
    return one_line(text)[:MAX_COMMENT]


@dataclass(frozen=True, slots=True)
class Acknowledgement:
    """The audit record: who acknowledged which page, when, and the silence it made."""

    alertname: str
    severity: str
    team: str
    agency: str
    service: str
    labels: dict[str, str]
    page_started: float
    acknowledged_at: float
    person: str
    person_name: str
    comment: str
    silence_id: str

    @property
    def seconds_to_acknowledge(self) -> float:
        return max(0.0, self.acknowledged_at - self.page_started)

    def to_record(self) -> bytes:
        return orjson.dumps(asdict(self))

    @classmethod
    def from_record(cls, data: bytes) -> Acknowledgement:
        """Raises ValueError on a record that cannot be read."""
        try:
            doc = orjson.loads(data)
            times = (float(doc["page_started"]), float(doc["acknowledged_at"]))
            if not all(0.0 <= t < MAX_TIMESTAMP for t in times):
                raise ValueError("times must be POSIX seconds")
            return cls(
                **{k: str(doc[k]) for k in _TEXT_FIELDS},
                labels={str(k): str(v) for k, v in doc["labels"].items()},
                page_started=float(doc["page_started"]),
                acknowledged_at=float(doc["acknowledged_at"]),
            )
        except (orjson.JSONDecodeError, KeyError, TypeError, AttributeError, ValueError) as exc:
            raise ValueError(f"unreadable acknowledgement: {exc!r}") from None

    @classmethod
    def of(
        cls,
        labels: Mapping[str, str],
        page_started: float,
        acknowledged_at: float,
        person: str,
        person_name: str,
        comment: str,
        silence_id: str,
    ) -> Acknowledgement:
        return cls(
            alertname=labels.get("alertname", ""),
            severity=labels.get("severity", ""),
            team=team_of(labels),
            agency=labels.get("agency", ""),
            service=labels.get("service", ""),
            labels=dict(labels),
            page_started=page_started,
            acknowledged_at=acknowledged_at,
            person=person,
            person_name=person_name,
            comment=comment,
            silence_id=silence_id,
        )


_TEXT_FIELDS = (
    "alertname", "severity", "team", "agency", "service", "person", "person_name", "comment",
    "silence_id",
)  # fmt: skip
