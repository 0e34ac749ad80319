"""`ioc probe`: the long-running prober (the imperative shell around ``runner``)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Collection

from prometheus_client import CollectorRegistry

from ioc.catalog.model import Catalog, Service
from ioc.config import ConfigError, Settings
from ioc.sources.probe.checks import SUPPORTED_KINDS, check_for
from ioc.sources.probe.runner import ProbeMetrics, Prober
from ioc.sources.program import serve_metrics, start_publisher, stop_event
from ioc.sources.publisher import EventPublisher, PendingQueue

log = logging.getLogger("ioc.probe")
FLUSH_SECONDS = 0.5


def probed_services(catalog: Catalog, only: Collection[str] = ()) -> list[Service]:
    """The catalog's services this prober runs: ``only`` those named, if any."""
    known = {s.id for s in catalog.services}
    unknown = sorted(set(only) - known)
    if unknown:
        raise ConfigError(
            f"--service {', '.join(unknown)}: not a service of the catalog "
            f"(expected one of {', '.join(sorted(known))})"
        )
    services = [s for s in catalog.services if not only or s.id in only]
    for service in services:
        if service.probe_kind not in SUPPORTED_KINDS:
            log.warning(
                "%s: %s probes are not run by ioc probe (use blackbox_exporter's %s module)",
                service.id,
                service.probe_kind,
                service.probe_kind,
            )
    return [s for s in services if s.probe_kind in SUPPORTED_KINDS]


async def run_prober(
    settings: Settings,
    catalog: Catalog,
    *,
    metrics_port: int,
    only: Collection[str] = (),
    concurrency: int = 16,
) -> int:
    services = probed_services(catalog, only)
    stop = stop_event()
    registry = CollectorRegistry()
    clock = settings.clock()
    checks = {s.id: check_for(s, clock.now) for s in services}
    publisher = EventPublisher(settings, registry, "probe", sources=("uptime",))
    queue = PendingQueue(publisher)
    prober = Prober(
        services, checks, queue.add, ProbeMetrics(registry), now=clock.now, concurrency=concurrency
    )
    serve_metrics(metrics_port, registry)
    log.info("probing %d services: %s", len(services), ", ".join(s.id for s in services))
    # Probing starts at once: results wait in the queue while the broker is not up yet.
    probing = asyncio.create_task(prober.run())
    try:
        if await start_publisher(publisher, stop):
            while not stop.is_set() and not probing.done():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), FLUSH_SECONDS)
                await queue.flush()
            await queue.flush()
    finally:
        probing.cancel()
        await asyncio.gather(probing, return_exceptions=True)
        for check in checks.values():
            await check.close()
        await publisher.stop()
    if len(queue):
        log.warning("%d probe results not published: the broker did not acknowledge", len(queue))
    if probing.done() and not probing.cancelled() and probing.exception() is not None:
        raise probing.exception()  # type: ignore[misc]
    return 0
