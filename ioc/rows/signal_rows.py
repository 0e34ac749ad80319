"""Where each value of a detector signal's rows sits (``ioc.alerting.signals``)."""

from __future__ import annotations

from typing import Any, Final


class ProbeSignal:
    """[ts, service, success, duration]"""

    TS: Final = 0
    SERVICE: Final = 1
    SUCCESS: Final = 2
    DURATION: Final = 3


class AlertSignal:
    """[ts, level, agency, agent, rule_id, [techniques], security_level | null]"""

    TS: Final = 0
    LEVEL: Final = 1
    AGENCY: Final = 2
    AGENT: Final = 3
    RULE_ID: Final = 4
    TECHNIQUES: Final = 5
    SECURITY_LEVEL: Final = 6
    LENGTH: Final = 7


def upgrade_alert(row: list[Any]) -> list[Any]:
    """Signals written before the security level was carried have six values."""
    if len(row) < AlertSignal.LENGTH:
        row.append(None)
    return row
