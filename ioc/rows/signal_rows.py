"""Where each value of a detector signal's rows sits (``ioc.alerting.signals``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from ioc.rows.layout import Layout


@dataclass(frozen=True, slots=True)
class ProbeSignalFields(Layout):
    TS: int
    SERVICE: int
    SUCCESS: int
    DURATION: int
    ERROR_CLASS: int


@dataclass(frozen=True, slots=True)
class AlertSignalFields(Layout):
    TS: int
    LEVEL: int
    AGENCY: int
    AGENT: int
    RULE_ID: int
    TECHNIQUES: int
    SECURITY_LEVEL: int
    ALERT_ID: int
    RULE_DESCRIPTION: int


PROBE_SIGNAL: Final = ProbeSignalFields.starting_at(0)
ALERT_SIGNAL: Final = AlertSignalFields.starting_at(0)


_ALERT_LENGTH: Final = ALERT_SIGNAL.LENGTH
_PROBE_LENGTH: Final = PROBE_SIGNAL.LENGTH
# Signals written before the security level (six values), and before the alert id and the
# rule's description (seven), end with these.
_ALERT_TAIL: Final = (None, "", "")


def upgrade_alert(row: list[Any]) -> list[Any]:
    if len(row) < _ALERT_LENGTH:
        row.extend(_ALERT_TAIL[len(row) - ALERT_SIGNAL.SECURITY_LEVEL :])
    return row


def upgrade_probe(row: list[Any]) -> list[Any]:
    """Signals written before the error class was carried have four values."""
    if len(row) < _PROBE_LENGTH:
        row.append(None)
    return row
