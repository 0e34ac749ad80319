"""Signals: what the aggregators tell the detector, one small message per applied batch.

Only what detection needs travels: probe results, SOC alerts at or above the lowest level a
rule looks at, and per dossier batch its newest event time and newest intake. Overdue counts
come separately, per dossier partition, from a timer (time passing makes dossiers overdue).

Layouts (orjson)::

    {"k": "p", "p": "uptime:2", "r": [[ts, service, success, duration, error_class], ...]}
    {"k": "a", "t": newest_ts, "r": [[ts, level, agency, agent, rule_id, [techniques],
                                       security_level | null, alert_id, description], ...]}
    {"k": "d", "t": newest_event_ts, "r": newest_received_ts | null}
    {"k": "o", "p": "dossier:3", "c": {agency: overdue}}
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import orjson

from ioc.alerting.detect import Detector
from ioc.rows import batch_rows as at
from ioc.rows import facts, signal_rows
from ioc.rows.batch_rows import ALERT_ROW, DOSSIER_ROW, PROBE_ROW
from ioc.rows.signal_rows import ALERT_SIGNAL, PROBE_SIGNAL

Row = Sequence[Any]  # a batch row (ioc.rows.batch_rows)


def signal_of(rows: Iterable[Row], min_soc_level: int, partition: str = "") -> bytes | None:
    """The signal of one batch's freshly applied rows, or None if it has nothing to say."""
    probes: list[list[Any]] = []
    alerts: list[list[Any]] = []
    newest = received = soc_newest = None
    for row in rows:
        kind = row[at.KIND]
        ts = row[at.EVENT_TS]
        if kind == facts.PROBE:
            probes.append(
                [
                    ts,
                    row[PROBE_ROW.SERVICE],
                    row[PROBE_ROW.SUCCESS],
                    row[PROBE_ROW.DURATION],
                    row[PROBE_ROW.ERROR_CLASS],
                ]
            )
        elif kind == facts.SOC_ALERT:
            soc_newest = ts if soc_newest is None else max(soc_newest, ts)
            level = row[ALERT_ROW.RULE_LEVEL]
            if level >= min_soc_level:
                alerts.append([ts, level, row[ALERT_ROW.AGENCY], row[ALERT_ROW.AGENT_ID],
                               row[ALERT_ROW.RULE_ID], row[ALERT_ROW.TECHNIQUES],
                               row[ALERT_ROW.SECURITY_LEVEL], row[ALERT_ROW.ALERT_ID],
                               row[ALERT_ROW.RULE_DESCRIPTION]])  # fmt: skip
        elif kind == facts.DOSSIER:
            newest = ts if newest is None else max(newest, ts)
            if row[DOSSIER_ROW.LIFECYCLE] == "received":
                received = ts if received is None else max(received, ts)
    if probes:
        return orjson.dumps({"k": "p", "p": partition, "r": probes})
    if soc_newest is not None:
        # Sent even without alerts worth a rule: SOC windows move on with the SOC clock.
        return orjson.dumps({"k": "a", "t": soc_newest, "r": alerts})
    if newest is not None:
        return orjson.dumps({"k": "d", "t": newest, "r": received})
    return None


def overdue_signal(partition: str, counts: Mapping[str, int]) -> bytes:
    return orjson.dumps({"k": "o", "p": partition, "c": counts})


def feed(detector: Detector, data: bytes, wall: float) -> None:
    """Give one signal to the detector. Raises ValueError on a message it cannot read."""
    try:
        signal = orjson.loads(data)
        kind = signal["k"]
        if kind == "p":
            partition = signal.get("p", "")
            for probe in signal["r"]:
                probe = signal_rows.upgrade_probe(probe)
                detector.probe(probe[PROBE_SIGNAL.TS], probe[PROBE_SIGNAL.SERVICE],
                               probe[PROBE_SIGNAL.SUCCESS], probe[PROBE_SIGNAL.DURATION], wall,
                               partition, probe[PROBE_SIGNAL.ERROR_CLASS])  # fmt: skip
        elif kind == "a":
            for row in signal["r"]:
                alert = signal_rows.upgrade_alert(row)
                detector.soc_alert(
                    alert[ALERT_SIGNAL.TS], alert[ALERT_SIGNAL.LEVEL], alert[ALERT_SIGNAL.AGENCY],
                    alert[ALERT_SIGNAL.AGENT], alert[ALERT_SIGNAL.RULE_ID],
                    alert[ALERT_SIGNAL.TECHNIQUES], wall, alert[ALERT_SIGNAL.SECURITY_LEVEL],
                    alert[ALERT_SIGNAL.ALERT_ID], alert[ALERT_SIGNAL.RULE_DESCRIPTION],
                )  # fmt: skip
            if "t" in signal:
                detector.clocks["soc"].observe(signal["t"], wall)
        elif kind == "d":
            if signal["r"] is not None:
                detector.dossier_received(signal["r"], wall)
            detector.dossier_clock(signal["t"], wall)
        elif kind == "o":
            detector.overdue_counts(signal["p"], signal["c"])
        else:
            raise ValueError(f"unknown signal kind {kind!r}")
    except (orjson.JSONDecodeError, KeyError, TypeError) as exc:
        raise ValueError(f"unreadable signal: {exc}") from None
