"""``ioc oncall``: a webhook receiver that prints notifications."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def add_parser(sub: Any) -> None:
    p = sub.add_parser("oncall", help="webhook receiver that prints Alertmanager notifications")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on")
    p.add_argument("--port", type=int, default=9095, help="port to listen on")
    p.add_argument("--record", help="also append each notification to this JSON-lines file")
    p.set_defaults(func=cmd_oncall)


def cmd_oncall(args: argparse.Namespace) -> int:
    from ioc.runtime.oncall import serve

    print(f"on-call receiver on http://{args.host}:{args.port}/<receiver>", flush=True)
    serve(args.host, args.port, Path(args.record) if args.record else None)
    return 0
