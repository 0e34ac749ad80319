"""Delivery bookkeeping for Alertmanager: resends, resolution, merging, bounds, backoff."""

from __future__ import annotations

from ioc.alerting import Alert, AlertChange
from ioc.alerting.delivery import DeliveryQueue, alertmanager_body


def alert(name: str = "ServiceDown", service: str = "lgsp") -> Alert:
    labels = {"alertname": name, "severity": "page", "domain": "uptime", "service": service}
    return Alert(labels, {"summary": "x"}, starts_at=1_000.0)


def queue(size: int = 10) -> DeliveryQueue:
    return DeliveryQueue(buffer_size=size, resend_interval=60, max_backoff=30)


def test_firing_alert_is_sent_with_ends_at_four_resend_intervals_ahead() -> None:
    q = queue()
    q.submit(AlertChange(alert(), "firing", 1_000.0), wall=2_000.0)
    [item] = q.due(2_000.0)
    assert item["startsAt"] == "1970-01-01T00:16:40.000Z"
    assert item["endsAt"] == "1970-01-01T00:37:20.000Z"  # 2,000 + 240 s


def test_firing_alert_is_resent_after_the_resend_interval() -> None:
    q = queue()
    q.submit(AlertChange(alert(), "firing", 1_000.0), wall=2_000.0)
    q.delivered(q.due(2_000.0), 2_000.0)
    assert q.due(2_030.0) == []
    assert len(q.due(2_061.0)) == 1


def test_resolution_replaces_the_waiting_firing_state() -> None:
    q = queue()
    q.submit(AlertChange(alert(), "firing", 1_000.0), wall=2_000.0)
    q.submit(AlertChange(alert(), "resolved", 1_100.0), wall=2_001.0)
    [item] = q.due(2_002.0)
    assert item["endsAt"] == "1970-01-01T00:33:21.000Z"  # resolved at wall 2,001


def test_resolution_submitted_while_a_post_is_in_flight_still_waits() -> None:
    q = queue()
    q.submit(AlertChange(alert(), "firing", 1_000.0), wall=2_000.0)
    sent = q.due(2_000.0)
    q.submit(AlertChange(alert(), "resolved", 1_100.0), wall=2_000.5)
    q.delivered(sent, 2_001.0)
    [item] = q.due(2_001.0)
    assert item["endsAt"] == "1970-01-01T00:33:20.500Z"


def test_resolved_alert_is_not_resent_once_delivered() -> None:
    q = queue()
    q.submit(AlertChange(alert(), "resolved", 1_100.0), wall=2_000.0)
    q.delivered(q.due(2_000.0), 2_000.0)
    assert q.due(3_000.0) == []


def test_oldest_waiting_alert_is_dropped_and_counted_past_the_bound() -> None:
    q = queue(size=2)
    for service in ("a", "b", "c"):
        q.submit(AlertChange(alert(service=service), "resolved", 1_000.0), wall=2_000.0)
    assert q.dropped == 1
    assert [i["labels"]["service"] for i in q.due(2_000.0)] == ["b", "c"]  # type: ignore[index]


def test_failures_back_off_exponentially_up_to_the_maximum() -> None:
    q = queue()
    q.submit(AlertChange(alert(), "firing", 1_000.0), wall=2_000.0)
    delays = [q.failed(2_000.0) for _ in range(8)]
    assert delays == [0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0]
    assert q.due(2_010.0) == []
    assert len(q.due(2_031.0)) == 1


def test_alertmanager_body_has_no_bookkeeping_fields() -> None:
    q = queue()
    q.submit(AlertChange(alert(), "firing", 1_000.0), wall=2_000.0)
    [item] = alertmanager_body(q.due(2_000.0))
    assert set(item) == {"labels", "annotations", "startsAt", "endsAt", "generatorURL"}


def test_a_dropped_firing_alert_comes_back_with_its_resend() -> None:
    q = queue(size=1)
    q.submit(AlertChange(alert(service="a"), "firing", 1_000.0), wall=2_000.0)
    q.submit(AlertChange(alert(service="b"), "firing", 1_000.0), wall=2_000.0)
    assert q.dropped == 1
    assert sorted(i["labels"]["service"] for i in q.due(2_000.0)) == ["a", "b"]  # type: ignore[index]


def test_ends_at_is_written_on_alertmanagers_clock_when_ours_is_off() -> None:
    q = queue()
    q.observe_peer_clock(peer_now=2_600.0, wall=2_000.0)  # Alertmanager 10 minutes ahead
    q.submit(AlertChange(alert(), "firing", 1_000.0), wall=2_000.0)
    [item] = q.due(2_000.0)
    assert item["endsAt"] == "1970-01-01T00:47:20.000Z"  # 2,600 + 240 s


def test_a_resolution_ends_at_its_moment_on_alertmanagers_clock() -> None:
    q = queue()
    q.observe_peer_clock(peer_now=1_000.0, wall=2_000.0)  # Alertmanager 1,000 s behind
    q.submit(AlertChange(alert(), "resolved", 1_100.0), wall=2_001.0)
    [item] = q.due(2_002.0)
    assert item["endsAt"] == "1970-01-01T00:16:41.000Z"  # 2,001 - 1,000


def test_a_skew_under_two_seconds_is_the_date_headers_resolution_not_a_skew() -> None:
    q = queue()
    q.observe_peer_clock(peer_now=2_001.4, wall=2_000.0)
    assert q.peer_clock_offset == 0.0


def test_a_new_skew_resends_every_firing_alert_at_once() -> None:
    q = queue()
    q.submit(AlertChange(alert(), "firing", 1_000.0), wall=2_000.0)
    q.delivered(q.due(2_000.0), 2_000.0)
    assert q.due(2_001.0) == []
    q.observe_peer_clock(peer_now=9_000.0, wall=2_001.0)
    [item] = q.due(2_001.0)
    assert item["endsAt"] == "1970-01-01T02:34:00.000Z"  # 2,001 + 6,999 + 240 s
