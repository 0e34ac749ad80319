"""Runs every service's probe on its schedule and hands each result on as an UptimeProbe.

The clock, the sleep and the checks are given: the same loop runs on the wall clock in
production and on a simulated clock in tests (ten minutes of probing in a moment).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from ioc.catalog.model import Service
from ioc.contracts.events import UptimeProbe
from ioc.sources.probe.outcome import ProbeOutcome, to_event
from ioc.sources.probe.schedule import Schedule, event_id

log = logging.getLogger("ioc.probe")

Now = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]
CheckFn = Callable[[], Awaitable[ProbeOutcome]]


class ProbeMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.runs = Counter(
            "ioc_probe_runs",
            "Probes run, by outcome: ok, or the reason the platform counted as down.",
            ["service", "reason"],
            registry=registry,
        )
        self.duration = Histogram(
            "ioc_probe_duration_seconds",
            "Time from the probe's first byte sent to its last byte read.",
            ["service"],
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30),
            registry=registry,
        )
        self.skipped = Counter(
            "ioc_probe_slots_skipped",
            "Scheduled probes not run because the one before overran its interval.",
            ["service"],
            registry=registry,
        )
        self.tls_days_left = Gauge(
            "ioc_probe_tls_certificate_days_left",
            "Days until the service's TLS certificate expires, at the last probe that read it.",
            ["service"],
            registry=registry,
        )
        self.last_run = Gauge(
            "ioc_probe_last_run_timestamp_seconds",
            "When the service was last probed (the prober's clock).",
            ["service"],
            registry=registry,
        )


class Prober:
    def __init__(
        self,
        services: Sequence[Service],
        checks: Mapping[str, CheckFn],
        emit: Callable[[UptimeProbe], None],
        metrics: ProbeMetrics,
        *,
        now: Now,
        sleep: Sleep = asyncio.sleep,
        concurrency: int = 16,
    ) -> None:
        self.services = list(services)
        self.checks = checks
        self.emit = emit
        self.metrics = metrics
        self.now = now
        self.sleep = sleep
        self._slots = asyncio.Semaphore(concurrency)

    async def run(self) -> None:
        """Probe until cancelled."""
        await asyncio.gather(*(self.run_service(s) for s in self.services))

    async def run_service(self, service: Service) -> None:
        schedule = Schedule.for_service(service.id, service.interval_seconds)
        slot = schedule.first_slot_after(self.now())
        while True:
            delay = schedule.time_of(slot) - self.now()
            if delay > 0:
                await self.sleep(delay)
            async with self._slots:
                started = self.now()
                outcome = await self.checks[service.id]()
            self._record(service, schedule, slot, started, outcome)
            following = schedule.next_slot(slot, self.now())
            if following > slot + 1:
                self.metrics.skipped.labels(service.id).inc(following - slot - 1)
            slot = following

    def _record(
        self, service: Service, schedule: Schedule, slot: int, started: float, outcome: ProbeOutcome
    ) -> None:
        m = self.metrics
        m.runs.labels(service.id, outcome.reason).inc()
        m.duration.labels(service.id).observe(outcome.duration_seconds)
        m.last_run.labels(service.id).set(started)
        if outcome.tls_days_left is not None:
            m.tls_days_left.labels(service.id).set(outcome.tls_days_left)
        if not outcome.success:
            log.info("%s down (%s): %s", service.id, outcome.reason, outcome.detail)
        self.emit(
            to_event(
                service.id,
                service.probe_kind,
                outcome,
                event_id(service.id, schedule, slot),
                datetime.fromtimestamp(started, UTC),
            )
        )
