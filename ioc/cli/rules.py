"""``ioc rules generate``: Prometheus rule files from the catalog."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def add_parser(sub: Any) -> None:
    p = sub.add_parser("rules", help="Prometheus rule files generated from the catalog")
    rsub = p.add_subparsers(dest="rules_command", required=True, metavar="ACTION")
    r = rsub.add_parser("generate", help="write deploy/prometheus/rules/*.yml")
    r.add_argument("--catalog", help="province catalog YAML (env IOC_CATALOG_PATH)")
    r.add_argument("--out", help="directory (default: deploy/prometheus/rules)")
    r.add_argument("--check", action="store_true", help="fail if the committed files are stale")
    r.set_defaults(func=cmd_rules_generate)


def cmd_rules_generate(args: argparse.Namespace) -> int:
    from ioc.alerting.promrules import RULES_DIR, rule_files
    from ioc.catalog import load_catalog
    from ioc.generated import generate_or_check

    files = rule_files(load_catalog(args.catalog))
    directory = Path(args.out) if args.out else RULES_DIR
    return generate_or_check(files, directory, "*.yml", args.check, "ioc rules generate")
