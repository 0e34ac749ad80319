"""``ioc worker``, ``ioc broker``, ``ioc topics``: the processes of the pipeline."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from ioc.cli.common import add_broker_and_catalog, add_loglevel, settings_from


def add_parser(sub: Any) -> None:
    p = sub.add_parser("worker", help="run a stream worker (ingest, aggregation, /metrics)")
    add_broker_and_catalog(p)
    p.add_argument("--web-port", type=int, help="HTTP port for /metrics (env IOC_WEB_PORT)")
    p.add_argument("--app-id", help="faust app id, the consumer group prefix (env IOC_APP_ID)")
    add_loglevel(p, "log level of the worker and faust")
    p.set_defaults(func=cmd_worker)

    p = sub.add_parser("broker", help="run the embedded Tansu broker in the foreground")
    p.add_argument("--port", type=int, default=9092, help="port to listen on (127.0.0.1)")
    p.set_defaults(func=cmd_broker)

    p = sub.add_parser("topics", help="create the source, dead-letter and batch topics")
    add_broker_and_catalog(p)
    p.set_defaults(func=cmd_topics)


def cmd_worker(args: argparse.Namespace) -> int:
    from streams.worker import run_worker

    run_worker(settings_from(args), loglevel=args.loglevel)
    return 0


def cmd_broker(args: argparse.Namespace) -> int:
    import time

    from ioc.runtime import EmbeddedBroker

    with EmbeddedBroker(port=args.port) as broker:
        print(f"Tansu broker listening on {broker.url} (memory storage). Ctrl-C stops it.")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
    return 0


def cmd_topics(args: argparse.Namespace) -> int:
    from streams.topics import ensure_topics

    created = asyncio.run(ensure_topics(settings_from(args)))
    print("created: " + (", ".join(created) if created else "nothing, all topics exist"))
    return 0
