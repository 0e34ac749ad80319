"""Event contracts: what each source puts on the wire (JSON, one event per Kafka message)."""

from ioc.contracts.events import (
    SCHEMA_VERSION,
    Agent,
    DossierEvent,
    Event,
    Mitre,
    Rule,
    SocAlert,
    SocAlertStatus,
    Source,
    UptimeProbe,
    severity_of_level,
)

__all__ = [
    "SCHEMA_VERSION",
    "Agent",
    "DossierEvent",
    "Event",
    "Mitre",
    "Rule",
    "SocAlert",
    "SocAlertStatus",
    "Source",
    "UptimeProbe",
    "severity_of_level",
]
