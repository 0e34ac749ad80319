"""``ioc portal import``: the scores the national portal published, for the wall to compare."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
from typing import Any

from ioc.cli.common import add_broker_and_catalog, settings_from


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "portal", help="the national portal's published Decision 766 scores, to compare with ours"
    )
    psub = p.add_subparsers(dest="portal_command", required=True, metavar="ACTION")
    i = psub.add_parser(
        "import",
        help="import a CSV (agency,month,row,points) of the portal's published scores",
        description="Each line is one agency's points on one row (1-24, or 'total') of the "
        "portal's sheet for one month (YYYY-MM). A later import of an agency's month replaces "
        "the earlier one. Nothing of a file with an error is imported.",
    )
    i.add_argument("file", type=Path, help="the CSV file (UTF-8)")
    add_broker_and_catalog(i)
    i.set_defaults(func=cmd_portal_import)


def cmd_portal_import(args: argparse.Namespace) -> int:
    from ioc.catalog import load_catalog
    from ioc.portal.scores import parse_scores

    settings = settings_from(args)
    scores = parse_scores(args.file, load_catalog(settings.catalog_path))
    asyncio.run(_publish(settings, scores))
    months = sorted({s.month for s in scores})
    print(
        f"imported {len(scores)} agency-months of the portal's scores "
        f"({', '.join(months) or 'none'}) from {args.file}"
    )
    return 0


async def _publish(settings: Any, scores: list[Any]) -> None:
    from ioc.portal.publish import publish_scores
    from streams.topics import ensure_topics

    await ensure_topics(settings)
    await publish_scores(settings, scores)
