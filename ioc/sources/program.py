"""What every source program shares: stop on SIGTERM or Ctrl-C, wait for a broker that is
not up yet, and serve its own /metrics."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from typing import Any

from aiokafka.errors import KafkaError
from prometheus_client import CollectorRegistry, start_http_server

from ioc.sources.publisher import EventPublisher

log = logging.getLogger("ioc.sources")


def stop_event() -> asyncio.Event:
    """An event set by SIGTERM or SIGINT, so that a program ends its loop and flushes."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    return stop


async def start_publisher(publisher: EventPublisher, stop: asyncio.Event) -> bool:
    """Start the producer, retrying while the broker is down; False if stopped first."""
    delay = 1.0
    while not stop.is_set():
        try:
            await publisher.start()
            return True
        except KafkaError as exc:
            log.warning("broker not reachable (%r); retrying in %.0f s", exc, delay)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), delay)
            delay = min(delay * 2, 30.0)
    return False


def serve_metrics(port: int, registry: CollectorRegistry, host: str = "0.0.0.0") -> Any:
    """Serve ``registry`` on http://host:port/metrics (port 0: no server)."""
    if not port:
        return None
    server, _thread = start_http_server(port, addr=host, registry=registry)
    return server
