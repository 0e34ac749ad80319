"""Signals: what the aggregators tell the detector, one small message per applied batch.

Only what detection needs travels: probe results, SOC alerts at or above the lowest level a
rule looks at, and per dossier batch its newest event time and newest intake. Overdue counts
come separately, per dossier partition, from a timer (time passing makes dossiers overdue).

Layouts (orjson)::

    {"k": "p", "p": "uptime:2", "r": [[ts, service, success, duration], ...]}
    {"k": "a", "t": newest_ts, "r": [[ts, level, agency, agent, rule_id, [techniques],
                                       security_level | null], ...]}
    {"k": "d", "t": newest_event_ts, "r": newest_received_ts | null}
    {"k": "o", "p": "dossier:3", "c": {agency: overdue}}
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import orjson

from ioc.alerting.detect import Detector

Row = Sequence[Any]  # a batch row: (offset, kind, event id, ts, ...fact)


def signal_of(rows: Iterable[Row], min_soc_level: int, partition: str = "") -> bytes | None:
    """The signal of one batch's freshly applied rows, or None if it has nothing to say."""
    probes: list[list[Any]] = []
    alerts: list[list[Any]] = []
    newest = received = soc_newest = None
    for row in rows:
        kind = row[1]
        if kind == "p":
            probes.append([row[3], row[4], row[5], row[6]])
        elif kind == "a":
            soc_newest = row[3] if soc_newest is None else max(soc_newest, row[3])
            level = row[11] if len(row) > 11 else 0
            if level >= min_soc_level:
                security_level = row[13] if len(row) > 13 else None
                alerts.append([row[3], level, row[6], row[8], row[12], row[9], security_level])
        elif kind == "d":
            ts = row[3]
            newest = ts if newest is None else max(newest, ts)
            if row[4] == "received":
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
            for ts, service, success, duration in signal["r"]:
                detector.probe(ts, service, success, duration, wall, partition)
        elif kind == "a":
            for row in signal["r"]:
                # Signals written before the security level was carried have six fields.
                ts, level, agency, agent, rule, techniques = row[:6]
                security_level = row[6] if len(row) > 6 else None
                detector.soc_alert(ts, level, agency, agent, rule, techniques, wall, security_level)
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
