"""``ioc bench``: the benchmarks."""

from __future__ import annotations

import argparse
from typing import Any


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "bench",
        help="worker events/s against raw aiokafka consume; --latency: event → Alertmanager",
    )
    p.add_argument("--events", type=int, default=200_000, help="backlog size, in events")
    p.add_argument("--partitions", type=int, default=4, help="partitions per source topic")
    p.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="N worker processes on one backlog: their aggregate events/s, the ratio to raw "
        "consume, and the ground truth over all of them",
    )
    p.add_argument(
        "--latency", action="store_true", help="measure event → Alertmanager latency instead"
    )
    p.add_argument(
        "--realtime",
        type=float,
        metavar="RATE",
        help="send RATE events/s for --seconds and measure the end-to-end lag instead",
    )
    p.add_argument("--seconds", type=float, default=30.0, help="how long --realtime sends")
    p.add_argument(
        "--core",
        action="store_true",
        help="time the hot path's pure-Python stages offline (no broker) instead",
    )
    p.add_argument(
        "--profile",
        action="store_true",
        help="profile the worker (cProfile) and print its hottest functions",
    )
    p.add_argument("--samples", type=int, default=100, help="latency samples (one per agency)")
    p.add_argument("--background-rate", type=float, default=100.0, help="events/s meanwhile")
    p.set_defaults(func=cmd_bench)


def cmd_bench(args: argparse.Namespace) -> int:
    if args.latency:
        from benchmarks.alert_latency import main as latency_main

        return latency_main(samples=args.samples, background_rate=args.background_rate)
    if args.core:
        from benchmarks.core import main as core_main

        return core_main(events=args.events, partitions=args.partitions)
    if args.workers:
        from benchmarks.workers import main as workers_main

        return workers_main(events=args.events, partitions=args.partitions, workers=args.workers)
    if args.realtime:
        from benchmarks.realtime import main as realtime_main

        return realtime_main(rate=args.realtime, seconds=args.seconds, partitions=args.partitions)
    from benchmarks.throughput import main as bench_main

    return bench_main(events=args.events, partitions=args.partitions, profile=args.profile)
