"""``ioc dashboards generate|push``: Grafana dashboards."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any


def add_parser(sub: Any) -> None:
    d = sub.add_parser("dashboards", help="Grafana dashboards: generate JSON, push to Grafana")
    dsub = d.add_subparsers(dest="action", required=True, metavar="ACTION")
    g = dsub.add_parser("generate", help="write dashboards/generated/*.json from the catalog")
    g.add_argument("--catalog", help="province catalog YAML (default: IOC_CATALOG_PATH/bundled)")
    g.add_argument("--out", help="directory (default: dashboards/generated)")
    g.add_argument("--check", action="store_true", help="exit 1 if the files are stale")
    g.set_defaults(func=cmd_dashboards_generate)
    g = dsub.add_parser("push", help="upload to an existing Grafana (overwrite by UID)")
    g.add_argument(
        "--url",
        default=os.environ.get("GRAFANA_URL", "http://localhost:3000"),
        help="Grafana base URL (env GRAFANA_URL)",
    )
    g.add_argument("--token", help="service-account token (default: $GRAFANA_TOKEN)")
    g.add_argument("--folder", default="IOC", help="folder title (uid 'ioc')")
    g.add_argument("--catalog", help="province catalog YAML (default: IOC_CATALOG_PATH/bundled)")
    g.set_defaults(func=cmd_dashboards_push)


def cmd_dashboards_generate(args: argparse.Namespace) -> int:
    from dashboards.build import GENERATED, render
    from ioc.catalog import load_catalog
    from ioc.generated import generate_or_check

    files = render(load_catalog(args.catalog))
    directory = Path(args.out) if args.out else GENERATED
    return generate_or_check(files, directory, "*.json", args.check, "ioc dashboards generate")


def cmd_dashboards_push(args: argparse.Namespace) -> int:
    import json

    from dashboards.build import render
    from dashboards.push import PushError, push
    from ioc.catalog import load_catalog

    boards = [json.loads(text) for text in render(load_catalog(args.catalog)).values()]
    token = args.token or os.environ.get("GRAFANA_TOKEN", "")
    try:
        pushed = push(args.url, token, boards, args.folder)
    except PushError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for p in pushed:
        print(f"pushed {p.uid:<14} v{p.version:<3} {p.title}  {args.url.rstrip('/')}{p.url}")
    return 0
