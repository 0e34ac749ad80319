"""What a detector taking over needs: the alerts firing when the last owner stopped, and its
windows rebuilt from the signals it saw.

The signals topic has one partition, so one worker's detector evaluates. When that partition
moves (a crash, a rolling upgrade, a rebalance), the new owner starts from the log, not from
nothing: the ``ioc.alerts`` topic says which alerts were firing (so they keep their start
and are re-sent, not paged again), and the signals of the last ``lookback_seconds`` rebuild
the windows (so an incident in progress stays detected, and an alert resolves only if its
condition really cleared).
"""

from __future__ import annotations

from collections.abc import Iterable

import orjson

from ioc.alerting.detect import Detector
from ioc.alerting.model import Alert, AlertChange, fingerprint, from_iso
from ioc.alerting.rules import AlertRules
from ioc.alerting.signals import feed

# Signals older than the longest window are replayed too: a margin for the event clocks.
LOOKBACK_MARGIN_SECONDS = 300.0


def lookback_seconds(rules: AlertRules) -> float:
    """How far back the signals that can still matter to a rule go."""
    return rules.longest_window + LOOKBACK_MARGIN_SECONDS


def last_changes(records: Iterable[bytes]) -> dict[str, AlertChange]:
    """Each alert's last change as the ``ioc.alerts`` records (oldest first) left it.
    Records that cannot be read are skipped: the topic is ours, but a takeover must not fail
    on one bad record."""
    last: dict[str, AlertChange] = {}
    for data in records:
        try:
            record = orjson.loads(data)
            labels = {str(k): str(v) for k, v in record["labels"].items()}
            fp = record["fingerprint"]
            status = record["status"]
            if fp != fingerprint(labels) or status not in ("firing", "resolved"):
                continue
            annotations = {str(k): str(v) for k, v in record["annotations"].items()}
            alert = Alert(labels, annotations, from_iso(record["startsAt"]))
            last[fp] = AlertChange(alert, status, from_iso(record["at"]))
        except (orjson.JSONDecodeError, KeyError, TypeError, AttributeError, ValueError):
            continue
    return last


def firing_alerts(changes: dict[str, AlertChange]) -> dict[str, Alert]:
    return {fp: c.alert for fp, c in changes.items() if c.status == "firing"}


def replay(detector: Detector, signals: Iterable[tuple[bytes, float]]) -> tuple[int, int]:
    """Feed ``(signal, wall clock when it was sent)`` pairs, oldest first; return how many
    were fed and how many could not be read."""
    fed = bad = 0
    for data, wall in signals:
        try:
            feed(detector, data, wall)
            fed += 1
        except ValueError:
            bad += 1
    return fed, bad
