"""``ioc catalog check`` / ``ioc catalog oncall``: validate a province catalog and its
on-call file."""

from __future__ import annotations

import argparse
from typing import Any


def add_parser(sub: Any) -> None:
    p = sub.add_parser("catalog", help="catalog tools")
    csub = p.add_subparsers(dest="catalog_command", required=True, metavar="ACTION")
    c = csub.add_parser("check", help="validate a province catalog YAML file")
    c.add_argument("file", nargs="?", help="the file (default: the bundled Nghệ An catalog)")
    c.set_defaults(func=cmd_catalog_check)
    o = csub.add_parser(
        "oncall", help="validate the on-call file (people, teams, contacts) against the catalog"
    )
    o.add_argument("file", nargs="?", help="the file (default: env IOC_ONCALL_PATH or the example)")
    o.add_argument("--catalog", help="province catalog YAML (env IOC_CATALOG_PATH)")
    o.set_defaults(func=cmd_catalog_oncall)


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


def cmd_catalog_oncall(args: argparse.Namespace) -> int:
    import os

    from ioc.catalog import load_catalog
    from ioc.catalog.oncall import load_oncall

    catalog = load_catalog(args.catalog or os.environ.get("IOC_CATALOG_PATH") or None)
    file = args.file or os.environ.get("IOC_ONCALL_PATH") or None
    oncall = load_oncall(file, catalog)
    # Counts only: names and addresses are personal data and stay out of the terminal's log.
    print(
        f"{file or 'bundled example'}: valid. {len(oncall.people)} people; "
        f"{len(oncall.incident_response.rotation.order)} in incident response, "
        f"{len(oncall.it_operations.rotation.order)} in IT operations; contacts for all "
        f"{len(catalog.agencies)} agencies"
    )
    return 0
