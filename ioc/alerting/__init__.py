"""Alerting: stream-side detection (``detect``), alert identity (``model``), texts and
runbook links (``texts``), rules from YAML (``rules``), delivery bookkeeping (``delivery``)."""

from ioc.alerting.detect import Detector, EventClock
from ioc.alerting.model import Alert, AlertChange, fingerprint
from ioc.alerting.rules import AlertRules, load_rules

__all__ = [
    "Alert",
    "AlertChange",
    "AlertRules",
    "Detector",
    "EventClock",
    "fingerprint",
    "load_rules",
]
