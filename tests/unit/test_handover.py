"""A detector taking over: firing alerts from the alerts topic, windows from the signals."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import orjson

from ioc.alerting import AlertChange, Detector
from ioc.alerting.handover import firing_alerts, last_changes, lookback_seconds, replay
from ioc.alerting.model import Alert
from ioc.alerting.rules import AlertRules
from ioc.catalog import load_catalog

CATALOG = load_catalog()
RULES = AlertRules()
T0 = datetime(2026, 11, 17, 10, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")).timestamp()


def record(alert: Alert, status: str, at: float) -> bytes:
    return orjson.dumps(AlertChange(alert, status, at).to_record())  # type: ignore[arg-type]


def burst_alert(agency: str = "so-tc") -> Alert:
    labels = {"alertname": "SocBurst", "severity": "page", "domain": "soc", "agency": agency}
    return Alert(labels, {"summary": "burst"}, T0)


def soc_signals(n: int, agency: str = "so-tc", level: int = 12) -> list[tuple[bytes, float]]:
    """``n`` high alerts a second apart, one signal each, sent as they happened."""
    return [
        (orjson.dumps({"k": "a", "t": T0 + i,
                       "r": [[T0 + i, level, agency, f"a{i}", "5712", ["T1110"]]]}), T0 + i)
        for i in range(n)
    ]  # fmt: skip


def test_an_alert_last_recorded_firing_is_firing() -> None:
    alert = burst_alert()
    changes = last_changes([record(alert, "firing", T0)])
    assert firing_alerts(changes) == {alert.fingerprint: alert}


def test_an_alert_resolved_after_it_fired_is_not_firing() -> None:
    alert = burst_alert()
    changes = last_changes([record(alert, "firing", T0), record(alert, "resolved", T0 + 60)])
    assert firing_alerts(changes) == {}
    assert changes[alert.fingerprint].status == "resolved"


def test_an_alert_that_fired_again_is_firing_with_its_new_start() -> None:
    first, again = burst_alert(), Alert(burst_alert().labels, {"summary": "burst"}, T0 + 600)
    changes = last_changes([record(first, "firing", T0), record(first, "resolved", T0 + 60),
                            record(again, "firing", T0 + 600)])  # fmt: skip
    assert firing_alerts(changes)[first.fingerprint].starts_at == T0 + 600


def test_unreadable_or_forged_alert_records_are_skipped() -> None:
    alert = burst_alert()
    forged = orjson.loads(record(burst_alert("phuong-cua-lo"), "firing", T0))
    forged["fingerprint"] = alert.fingerprint  # labels that do not give its fingerprint
    records = [b"{", b"null", orjson.dumps({"status": "firing"}), orjson.dumps(forged),
               record(alert, "firing", T0)]  # fmt: skip
    assert firing_alerts(last_changes(records)) == {alert.fingerprint: alert}


def test_the_lookback_covers_the_longest_rule_window() -> None:
    assert lookback_seconds(RULES) > RULES.intake_stall.window
    assert lookback_seconds(RULES) > RULES.soc_campaign.window


def test_replayed_signals_rebuild_a_burst_in_progress() -> None:
    original, successor = Detector(RULES, CATALOG), Detector(RULES, CATALOG)
    signals = soc_signals(10)
    replay(original, signals)
    original.evaluate(T0 + 10)
    fed, bad = replay(successor, signals)
    assert (fed, bad) == (10, 0)
    successor.active = firing_alerts(
        last_changes(record(a, "firing", a.starts_at) for a in original.active.values())
    )
    assert successor.evaluate(T0 + 10) == []  # still firing: no new page, no resolution
    assert successor.active.keys() == original.active.keys()


def test_a_restored_alert_whose_condition_cleared_resolves() -> None:
    successor = Detector(RULES, CATALOG)
    replay(successor, soc_signals(3))  # three alerts: no burst
    alert = burst_alert()
    successor.active = {alert.fingerprint: alert}
    assert [(c.alert.name, c.status) for c in successor.evaluate(T0 + 10)] == [
        ("SocBurst", "resolved")
    ]


def test_unreadable_signals_are_counted_and_skipped() -> None:
    fed, bad = replay(Detector(RULES, CATALOG), [(b"not json", T0), *soc_signals(1)])
    assert (fed, bad) == (1, 1)
