"""Run one worker process: create topics, then start faust with the ingest service."""

from __future__ import annotations

import asyncio
import cProfile
import ctypes
import ctypes.util
import gc
import logging
import os
import socket
from typing import Any

import faust
from aiokafka.errors import KafkaError
from faust.exceptions import ConsistencyError

from ioc.catalog import load_catalog
from ioc.config import ConfigError, Settings
from ioc.lograte import QuietRepeats
from ioc.runtime.errors import BrokerLost, Unavailable
from streams.app import create_app
from streams.topics import ensure_topics

# glibc's mallopt parameters (malloc.h).
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_LARGE_BLOCK_BYTES = 128 * 1024
# Batches allocate many short-lived dicts; the default gen-0 threshold (700) runs the
# collector thousands of times a second. Measured: 5x faster batch decoding.
GC_THRESHOLDS = (50_000, 20, 100)


def return_large_blocks_to_the_os() -> bool:
    """Allocate blocks of 128 KiB and more with mmap, always, so that freeing one gives its
    memory back at once. glibc raises that threshold each time such a block is freed (up to
    32 MiB): the worker's large transients (fetched batches, state records of up to ~330 KiB)
    then come from the heap, and the holes between long-lived objects stay resident.
    Measured, ``ioc bench --events 1000000``: 524-533 MiB resident with glibc's default,
    347-364 MiB with this, and no events/s difference this host could resolve
    (docs/benchmarks.md). False where there is no glibc ``mallopt`` (or it refuses): nothing
    changes there."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    return bool(
        mallopt(_M_MMAP_THRESHOLD, _LARGE_BLOCK_BYTES)
        and mallopt(_M_TRIM_THRESHOLD, _LARGE_BLOCK_BYTES)
    )


def check_port_free(host: str, port: int) -> None:
    """Before anything joins a consumer group: a second worker on a taken port would join,
    force a rebalance on the others, then fail on the bind."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise Unavailable(
                f"port {port} on {host} is taken ({exc.strerror}): another worker runs "
                "here? give this one IOC_WEB_PORT"
            ) from None


# What a broker that went away or lost its data raises through faust: not a bug of this
# program, so no traceback.
BROKER_LOSS = (ConsistencyError, KafkaError)


class _OneLineCrash(logging.Filter):
    """mode logs a crash with its traceback; the CLI says what happened in one line."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        # After a crash, mode may stop the consumer's thread after its loop closed (a race
        # in mode.threads): the error says so in its one line.
        closing = isinstance(error, RuntimeError) and str(error) == "Event loop is closed"
        if isinstance(error, BROKER_LOSS) or closing:
            record.exc_info = None
            record.exc_text = None
        return True


class IocWorker(faust.Worker):  # type: ignore[misc]
    def on_setup_root_logger(self, logger: logging.Logger, level: int) -> None:
        super().on_setup_root_logger(logger, level)
        quiet, one_line = QuietRepeats(), _OneLineCrash()
        for handler in logger.handlers:
            handler.addFilter(quiet)
            handler.addFilter(one_line)


def execute(worker: Any, broker_url: str) -> None:
    """Run the worker to its end. A changelog whose offsets went back (the broker restarted
    on memory storage), or a broker error that crashed faust, ends as BrokerLost, like the
    ingest's lost topics."""
    try:
        try:
            worker.execute_from_commandline()
        except SystemExit:
            # mode turns a crash into exit 1; its reason is kept on the worker.
            if isinstance(worker.crash_reason, BROKER_LOSS):
                raise worker.crash_reason from None
            raise
    except BROKER_LOSS as exc:
        what = (
            "lost the worker's changelog (restarted with memory storage?)"
            if isinstance(exc, ConsistencyError)
            else "failed under the worker"
        )
        first = (str(exc).splitlines() or [type(exc).__name__])[0][:200]
        raise BrokerLost(
            f"the broker at {broker_url} {what}: {first}; exiting so that the worker is "
            "restarted afresh"
        ) from None


def run_worker(settings: Settings, loglevel: str = "info") -> None:
    catalog = load_catalog(settings.catalog_path)  # fail fast on a bad catalog
    check_port_free(settings.web_host, settings.web_port)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    asyncio.run(ensure_topics(settings))
    try:
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    except ImportError:  # pragma: no cover - uvloop is optional off Linux
        pass
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    app = create_app(settings, catalog)

    @app.task  # type: ignore[untyped-decorator]
    async def _freeze_startup_objects() -> None:
        # Everything alive after start-up lives as long as the process: move it out of the
        # collector's sight so that full collections stay cheap.
        gc.freeze()

    gc.set_threshold(*GC_THRESHOLDS)
    return_large_blocks_to_the_os()
    # Keep aiokafka's debug records from being built: see docs/benchmarks.md.
    logging.getLogger("aiokafka").setLevel(logging.WARNING)
    worker = IocWorker(app, loglevel=loglevel, loop=loop)
    # Set by `ioc bench --profile`: the event loop's thread profiled until the worker stops.
    profile_path = os.environ.get("IOC_PROFILE_PATH")
    profiler = cProfile.Profile() if profile_path else None
    if profiler is not None:
        profiler.enable()
    try:
        execute(worker, settings.broker_url)
    except SystemExit:
        if app.fatal_config_error:
            raise ConfigError(app.fatal_config_error) from None
        raise
    finally:
        if profiler is not None and profile_path:
            profiler.disable()
            profiler.dump_stats(profile_path)
