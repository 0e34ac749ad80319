"""The ingest's poll pacing: at once under light traffic, spaced under load."""

from __future__ import annotations

import pytest

from ioc.ingest.pace import PollPacer


def test_the_first_poll_does_not_wait() -> None:
    assert PollPacer(busy_interval=0.05).delay(now=10.0) == 0.0


def test_light_traffic_is_polled_at_once() -> None:
    pacer = PollPacer(busy_interval=0.05, busy_rate=2_000)
    pacer.polled(started=10.00, messages=5)
    pacer.polled(started=10.01, messages=10)  # 1,000 messages a second
    assert pacer.delay(now=10.012) == 0.0


def test_under_load_the_next_poll_waits_until_the_interval_after_the_last() -> None:
    pacer = PollPacer(busy_interval=0.05, busy_rate=2_000)
    pacer.polled(started=10.00, messages=5)
    pacer.polled(started=10.01, messages=300)  # 30,000 messages a second
    assert pacer.delay(now=10.02) == pytest.approx(0.04)


def test_a_poll_that_waited_its_interval_stays_busy_at_the_same_rate() -> None:
    pacer = PollPacer(busy_interval=0.05, busy_rate=2_000)
    pacer.polled(started=10.00, messages=5)
    pacer.polled(started=10.01, messages=300)
    pacer.polled(started=10.06, messages=1_000)  # 20,000 a second over the interval
    assert pacer.delay(now=10.07) == pytest.approx(0.04)


def test_when_the_load_falls_polling_is_at_once_again() -> None:
    pacer = PollPacer(busy_interval=0.05, busy_rate=2_000)
    pacer.polled(started=10.00, messages=5)
    pacer.polled(started=10.01, messages=300)
    pacer.polled(started=10.06, messages=20)  # 400 a second
    assert pacer.delay(now=10.07) == 0.0


def test_a_zero_interval_never_waits() -> None:
    pacer = PollPacer(busy_interval=0.0)
    pacer.polled(started=10.00, messages=5)
    pacer.polled(started=10.01, messages=50_000)
    assert pacer.delay(now=10.01) == 0.0
