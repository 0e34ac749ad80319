"""Run one worker process: create topics, then start faust with the ingest service."""

from __future__ import annotations

import asyncio
import logging

import faust

from ioc.catalog import load_catalog
from ioc.config import Settings
from streams.app import create_app
from streams.topics import ensure_topics


def run_worker(settings: Settings, loglevel: str = "info") -> None:
    catalog = load_catalog(settings.catalog_path)  # fail fast on a bad catalog
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
    # Keep aiokafka's debug records from being built: see docs/benchmarks.md.
    logging.getLogger("aiokafka").setLevel(logging.WARNING)
    worker = faust.Worker(app, loglevel=loglevel, loop=loop)
    worker.execute_from_commandline()
