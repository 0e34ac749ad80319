"""Event contracts: what each source puts on the wire (JSON, one event per Kafka message)."""

from ioc.contracts.events import (
    DOSSIER_SCHEMA_VERSION,
    SCHEMA_VERSION,
    SOURCE_OF,
    SOURCES,
    Agent,
    DossierEvent,
    Event,
    FeedbackEvent,
    Mitre,
    Rule,
    SocAlert,
    SocAlertStatus,
    Source,
    UptimeProbe,
    severity_of_level,
)

__all__ = [
    "DOSSIER_SCHEMA_VERSION",
    "SCHEMA_VERSION",
    "SOURCES",
    "SOURCE_OF",
    "Agent",
    "DossierEvent",
    "Event",
    "FeedbackEvent",
    "Mitre",
    "Rule",
    "SocAlert",
    "SocAlertStatus",
    "Source",
    "UptimeProbe",
    "severity_of_level",
]
