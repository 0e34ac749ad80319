"""``ioc catalog check``: validate a province catalog."""

from __future__ import annotations

import argparse
from typing import Any


def add_parser(sub: Any) -> None:
    p = sub.add_parser("catalog", help="catalog tools")
    csub = p.add_subparsers(dest="catalog_command", required=True, metavar="ACTION")
    c = csub.add_parser("check", help="validate a province catalog YAML file")
    c.add_argument("file", nargs="?", help="the file (default: the bundled Nghệ An catalog)")
    c.set_defaults(func=cmd_catalog_check)


def cmd_catalog_check(args: argparse.Namespace) -> int:
    from ioc.catalog import load_catalog

    catalog = load_catalog(args.file)
    assets = sum(
        a.assets.desktop + a.assets.server + a.assets.network_device for a in catalog.agencies
    )
    print(
        f"{args.file or 'bundled catalog'}: valid. {catalog.province.name}: "
        f"{len(catalog.agencies)} agencies, {assets} assets, {len(catalog.services)} services"
    )
    return 0
