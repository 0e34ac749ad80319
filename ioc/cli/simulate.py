"""``ioc simulate``: simulated SOC, uptime and dossier events."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import timedelta
from typing import Any

from ioc.cli.common import add_broker_and_catalog, aware_time, settings_from
from ioc.config import ConfigError


def add_parser(sub: Any) -> None:
    p = sub.add_parser("simulate", help="produce simulated SOC, uptime and dossier events")
    add_broker_and_catalog(p)
    p.add_argument("--count", type=int, help="stop after N events, sent as fast as possible")
    p.add_argument(
        "--duration",
        type=float,
        help="stop after N simulated seconds; without --count the events are paced in real time",
    )
    p.add_argument("--rate", type=float, default=100.0, help="events per simulated second")
    p.add_argument("--seed", type=int, default=1, help="random seed: same seed, same events")
    p.add_argument(
        "--start",
        help="simulation start, ISO time with offset (default: now on the province clock, "
        "or with --count history that ends now)",
    )
    p.add_argument("--scenario", help="scenario YAML file (outages, campaigns, surges)")
    p.add_argument(
        "--bad-ratio",
        type=float,
        default=0.0,
        help="fraction of extra malformed messages, for the dead-letter path",
    )
    p.add_argument(
        "--disorder",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="shuffle events within windows of this many event-time seconds",
    )
    p.add_argument(
        "--duplicate-ratio",
        type=float,
        default=0.0,
        help="send this fraction of events twice (same event_id)",
    )
    p.add_argument(
        "--repeat-step-ratio",
        type=float,
        default=0.0,
        help="send this fraction of dossier steps and SOC status changes again under a new "
        "event_id (a portal's retry): counted as duplicate steps",
    )
    p.add_argument(
        "--late-ratio", type=float, default=0.0, help="hold back this fraction of events ..."
    )
    p.add_argument(
        "--late-by",
        type=float,
        default=600.0,
        metavar="SECONDS",
        help="... until the stream is this far ahead of them (default 600)",
    )
    p.add_argument("--truth", help="write the ground truth (expected metrics) to this JSON file")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_simulate)


def cmd_simulate(args: argparse.Namespace) -> int:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from ioc.catalog import load_catalog
    from ioc.simulate import GroundTruth, Simulator, load_scenarios
    from ioc.simulate.disturb import Disturbance
    from ioc.simulate.publish import publish

    settings = settings_from(args)
    if args.count is None and args.duration is None:
        raise ConfigError("simulate: give --count N, --duration SECONDS, or both")
    catalog = load_catalog(settings.catalog_path)
    scenarios = load_scenarios(args.scenario) if args.scenario else None
    realtime = args.count is None
    if args.start:
        start = aware_time("--start", args.start)
    elif realtime:
        start = settings.clock().now_datetime()
    else:
        # History that ends now, so no event time lies in the future.
        start = settings.clock().now_datetime() - timedelta(seconds=args.count / args.rate + 1)
    sim = Simulator(catalog, seed=args.seed, start=start, rate=args.rate, scenarios=scenarios)
    truth = GroundTruth(catalog, late_grace_seconds=settings.late_grace_seconds)
    disturbance = Disturbance(
        disorder_seconds=args.disorder,
        duplicate_ratio=args.duplicate_ratio,
        late_ratio=args.late_ratio,
        late_by_seconds=args.late_by,
        repeat_step_ratio=args.repeat_step_ratio,
        seed=args.seed,
    )
    total = args.count
    with Progress(
        TextColumn("simulate"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("events"),
        disable=args.quiet or not sys.stderr.isatty(),
    ) as bar:
        task = bar.add_task("events", total=total)
        result = asyncio.run(
            publish(
                settings,
                sim,
                truth,
                count=args.count,
                duration=args.duration,
                realtime=realtime,
                bad_ratio=args.bad_ratio,
                disturbance=disturbance,
                on_progress=lambda n: bar.update(task, completed=n),
            )
        )
    if args.truth:
        truth.write(args.truth)
    rate = result.good / result.seconds if result.seconds else 0.0
    print(
        f"sent {result.good} events and {result.bad} bad messages in {result.seconds:.1f} s "
        f"({rate:,.0f} events/s)"
    )
    return 0
