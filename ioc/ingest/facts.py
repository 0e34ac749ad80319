"""Facts: the part of a validated event that the aggregates need, as a short JSON array.

The ingest stage projects each valid event to its fact; batches carry facts, not whole events.
A fact parses and is freed far faster than the nested event dict (measured: the event dicts
cost about a quarter of a worker's CPU). The source topics keep the original events.
Times are POSIX seconds.

Where each field sits, and how rows of older versions are read: ``ioc.rows.facts``.
"""

from __future__ import annotations

from typing import Any

from ioc.contracts import DossierEvent, Event, FeedbackEvent, SocAlert, SocAlertStatus, UptimeProbe
from ioc.rows.facts import DESCRIPTION_CHARS

Fact = tuple[Any, ...]


def fact_of(event: Event) -> Fact:
    ts = event.event_time.timestamp()
    if isinstance(event, SocAlert):
        rule = event.rule
        return ("a", event.event_id, ts, event.severity, event.asset_type, event.agency,
                event.alert_id, event.agent.id, rule.mitre.id, rule.groups, rule.level,
                rule.id, event.security_level, rule.description[:DESCRIPTION_CHARS])  # fmt: skip
    if isinstance(event, UptimeProbe):
        return ("p", event.event_id, ts, event.service, event.success, event.duration_seconds,
                event.tls_days_left, event.error_class)  # fmt: skip
    if isinstance(event, DossierEvent):
        due = event.due_time.timestamp() if event.due_time is not None else None
        synced = event.portal_synced_time
        # As the fast decoder computes it, to the last bit: POSIX seconds minus POSIX seconds.
        sync_delay = synced.timestamp() - ts if synced is not None else None
        return ("d", event.event_id, ts, event.lifecycle, event.agency, event.level,
                event.channel, event.dossier_id, due, event.full_online, event.paid_online,
                event.digitized, event.rating, event.schema_version,
                event.full_online_eligible, event.fee_required, event.electronic_result,
                event.components_replaced, sync_delay)  # fmt: skip
    if isinstance(event, SocAlertStatus):
        return ("s", event.event_id, ts, event.status, event.alert_id)
    if isinstance(event, FeedbackEvent):
        due = event.due_time.timestamp() if event.due_time is not None else None
        return ("f", event.event_id, ts, event.lifecycle, event.agency, event.level,
                event.feedback_id, due, event.rating)  # fmt: skip
    raise TypeError(f"not an event: {type(event).__name__}")
