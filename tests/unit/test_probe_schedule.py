"""The prober's schedule and loop on a simulated clock: ten minutes of probing in a moment."""

from __future__ import annotations

import asyncio
import itertools
import random
import ssl
from collections.abc import Callable

import pytest
from prometheus_client import CollectorRegistry

from ioc.catalog.model import Service
from ioc.contracts.events import UptimeProbe
from ioc.sources.probe.outcome import ProbeOutcome, judge_response, reason_of_exception
from ioc.sources.probe.runner import ProbeMetrics, Prober
from ioc.sources.probe.schedule import Schedule, event_id

START = 1_796_000_000.0  # a fixed instant: the schedule never reads the wall clock


class SimulatedTime:
    def __init__(self, start: float) -> None:
        self.t = start

    def now(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        self.t += seconds
        await asyncio.sleep(0)


def service(service_id: str = "cong-dvc", interval: float = 30.0) -> Service:
    return Service(
        id=service_id,
        name=service_id,
        tier=1,
        probe_kind="http",
        target="https://dichvucong.example/",
        agency="so-tttt",
        interval_seconds=interval,
        timeout_seconds=min(10.0, interval / 2),
    )


def taking(clock: SimulatedTime, durations: Callable[[], float]) -> Callable[[], object]:
    async def check() -> ProbeOutcome:
        seconds = durations()
        clock.t += seconds
        await asyncio.sleep(0)
        return ProbeOutcome("ok", seconds)

    return check


async def run_for(
    services: list[Service], clock: SimulatedTime, seconds: float, durations: Callable[[], float]
) -> tuple[list[UptimeProbe], CollectorRegistry]:
    events: list[UptimeProbe] = []
    registry = CollectorRegistry()
    prober = Prober(
        services,
        {s.id: taking(clock, durations) for s in services},  # type: ignore[misc]
        events.append,
        ProbeMetrics(registry),
        now=clock.now,
        sleep=clock.sleep,
    )
    end = clock.t + seconds
    task = asyncio.create_task(prober.run())
    while clock.t < end:
        await asyncio.sleep(0)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    return [e for e in events if e.event_time.timestamp() < end], registry


async def test_the_interval_is_honoured_within_5_percent_over_ten_minutes() -> None:
    clock = SimulatedTime(START)
    rng = random.Random(7)
    events, _ = await run_for([service(interval=30)], clock, 600, lambda: rng.uniform(0.05, 9))
    starts = [e.event_time.timestamp() for e in events]
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert len(events) in (20, 21)
    assert all(abs(gap - 30) <= 1.5 for gap in gaps)


async def test_probe_times_do_not_drift_whatever_each_probe_takes() -> None:
    clock = SimulatedTime(START)
    rng = random.Random(3)
    events, _ = await run_for([service(interval=30)], clock, 600, lambda: rng.uniform(0.1, 12))
    schedule = Schedule.for_service("cong-dvc", 30)
    first = schedule.first_slot_after(START)
    assert [e.event_time.timestamp() for e in events] == [
        pytest.approx(schedule.time_of(first + i), abs=1e-3) for i in range(len(events))
    ]


async def test_a_probe_that_overruns_its_interval_skips_slots_and_counts_them() -> None:
    clock = SimulatedTime(START)
    events, registry = await run_for([service(interval=10)], clock, 300, lambda: 25.0)
    skipped = registry.get_sample_value("ioc_probe_slots_skipped_total", {"service": "cong-dvc"})
    # Each probe ends 25 s after its slot: the next two slots are skipped, one in three runs.
    assert len(events) in (9, 10)
    assert skipped == pytest.approx(2 * len(events), abs=2)


def test_services_start_spread_over_their_interval() -> None:
    phases = {Schedule.for_service(f"svc-{i}", 60).phase for i in range(8)}
    assert len(phases) == 8
    assert all(0 <= p < 60 for p in phases)


def test_a_restarted_prober_gives_the_same_slot_the_same_event_id() -> None:
    schedule = Schedule.for_service("lgsp", 30)
    slot = schedule.first_slot_after(START)
    again = Schedule.for_service("lgsp", 30)
    assert event_id("lgsp", schedule, slot) == event_id(
        "lgsp", again, again.first_slot_after(schedule.time_of(slot) - 0.5)
    )


def test_a_failed_probe_event_carries_its_error_class_and_passes_the_contract() -> None:
    from datetime import UTC, datetime

    from ioc.sources.probe.outcome import to_event

    event = to_event(
        "lgsp",
        "http",
        ProbeOutcome("http_status", 0.2, http_status=503),
        "probe-lgsp-1",
        datetime.fromtimestamp(START, UTC),
    )
    assert (event.success, event.error_class, event.http_status) == (False, "http_5xx", 503)


@pytest.mark.parametrize(
    ("status", "expected", "reason"),
    [
        (200, None, "ok"),
        (204, None, "ok"),
        (301, None, "http_status"),
        (404, None, "http_status"),
        (301, [301, 302], "ok"),
        (200, [204], "http_status"),
    ],
)
def test_a_status_is_up_when_expected(status: int, expected: list[int] | None, reason: str) -> None:
    assert judge_response(status, b"", expected, None) == reason


def test_a_wrong_status_is_reported_before_a_wrong_body() -> None:
    assert judge_response(500, b"", None, "Đăng nhập") == "http_status"


def test_certificate_errors_are_told_apart_by_their_openssl_code() -> None:
    def error(code: int) -> ssl.SSLCertVerificationError:
        exc = ssl.SSLCertVerificationError()
        exc.verify_code = code
        return exc

    assert [reason_of_exception(error(c)) for c in (10, 9, 18)] == [
        "certificate_expired",
        "certificate_not_yet_valid",
        "certificate_untrusted",
    ]
