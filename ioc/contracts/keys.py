"""Partition keys: all events of one entity land in the same partition."""

from __future__ import annotations

from ioc.contracts.events import DossierEvent, Event, SocAlert, SocAlertStatus, UptimeProbe


def partition_key(event: Event) -> str:
    """The entity an event belongs to: the agent for SOC, the service, the dossier."""
    if isinstance(event, SocAlert):
        return event.agent.id
    if isinstance(event, SocAlertStatus):
        return event.agent_id
    if isinstance(event, UptimeProbe):
        return event.service
    if isinstance(event, DossierEvent):
        return event.dossier_id
    raise TypeError(f"not an event: {type(event).__name__}")
