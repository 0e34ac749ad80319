"""``ioc demo``: the whole pipeline on this machine."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ioc.cli.common import DEMO_CLOCK_START_TEXT, aware_time


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "demo", help="embedded broker, worker, simulator, Prometheus, Alertmanager, on-call"
    )
    p.add_argument(
        "--duration", type=float, default=None, help="stop after N seconds (default: Ctrl-C)"
    )
    p.add_argument("--rate", type=float, default=100.0, help="simulated events per second")
    p.add_argument("--seed", type=int, default=1, help="simulator seed")
    p.add_argument(
        "--clock-start",
        default=DEMO_CLOCK_START_TEXT,
        help="province time at the start of the demo, moving at real speed; 'now' for the "
        "wall clock (the scenarios' dossier pages need office hours)",
    )
    p.add_argument("--workdir", default="var/demo", help="logs and Prometheus data")
    p.add_argument(
        "--render", help="at the end, draw the overview dashboard from Prometheus into this PNG"
    )
    p.set_defaults(func=cmd_demo)


def cmd_demo(args: argparse.Namespace) -> int:
    from ioc.demo import run_demo

    clock_start = (
        None if args.clock_start == "now" else aware_time("--clock-start", args.clock_start)
    )
    return run_demo(
        duration=args.duration,
        rate=args.rate,
        workdir=Path(args.workdir),
        render=Path(args.render) if args.render else None,
        seed=args.seed,
        clock_start=clock_start,
    )
