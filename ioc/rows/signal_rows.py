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


@dataclass(frozen=True, slots=True)
class AlertSignalFields(Layout):
    TS: int
    LEVEL: int
    AGENCY: int
    AGENT: int
    RULE_ID: int
    TECHNIQUES: int
    SECURITY_LEVEL: int


PROBE_SIGNAL: Final = ProbeSignalFields.starting_at(0)
ALERT_SIGNAL: Final = AlertSignalFields.starting_at(0)


_ALERT_LENGTH: Final = ALERT_SIGNAL.LENGTH


def upgrade_alert(row: list[Any]) -> list[Any]:
    """Signals written before the security level was carried have six values."""
    if len(row) < _ALERT_LENGTH:
        row.append(None)
    return row
