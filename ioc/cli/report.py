"""``ioc report``: the weekly or monthly report for the province."""

from __future__ import annotations

import argparse
import os
from datetime import date, datetime
from pathlib import Path
from typing import Any

from ioc.cli.common import add_broker_and_catalog, settings_from
from ioc.config import ConfigError


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "report", help="weekly or monthly report for the leadership, from Prometheus (PDF, HTML)"
    )
    add_broker_and_catalog(p)
    p.add_argument(
        "--period", choices=["week", "month", "quarter"], default="week", help="which period"
    )
    p.add_argument(
        "--before",
        metavar="YYYY-MM-DD",
        help="report the last complete period before this day (default: today, province time)",
    )
    p.add_argument("--out", type=Path, help="write the PDF here")
    p.add_argument("--html", type=Path, help="write the HTML here")
    p.add_argument(
        "--allow-empty",
        action="store_true",
        help="write the report even when Prometheus holds no IOC data for the period "
        "(marked as empty on its first page; without it, the command refuses)",
    )
    p.add_argument(
        "--prometheus", help="Prometheus base URL (env IOC_PROMETHEUS_URL; 127.0.0.1:9090)"
    )
    p.set_defaults(func=cmd_report)


def cmd_report(args: argparse.Namespace) -> int:
    from zoneinfo import ZoneInfo

    from ioc.catalog import load_catalog
    from ioc.report.collect import collect
    from ioc.report.pdf import write_pdf
    from ioc.report.period import last_complete
    from ioc.report.render import to_html
    from ioc.runtime.errors import Unavailable
    from ioc.runtime.prometheus import PrometheusClient

    settings = settings_from(args)
    catalog = load_catalog(settings.catalog_path)
    tz = ZoneInfo(catalog.province.timezone)
    now = settings.clock().now_datetime().astimezone(tz)
    if args.before:
        try:
            day = date.fromisoformat(args.before)
        except ValueError:
            raise ConfigError(
                f"--before: expected a day as YYYY-MM-DD, got {args.before!r}"
            ) from None
        now = datetime.combine(day, datetime.min.time(), tz)
    period = last_complete(args.period, now)
    url = args.prometheus or os.environ.get("IOC_PROMETHEUS_URL", "http://127.0.0.1:9090")
    try:
        data = collect(PrometheusClient(url), catalog, period)
    except OSError as exc:
        raise Unavailable(f"Prometheus at {url} does not answer ({exc})") from None
    data.generated_at = settings.clock().now_datetime().astimezone(tz)
    if data.empty and not args.allow_empty:
        raise ConfigError(
            f"Prometheus at {url} holds no IOC data for {period.title_en} (no event applied "
            "in the period): is it the IOC's Prometheus, and does its retention cover the "
            "period? --allow-empty writes the report anyway, marked as empty"
        )
    if data.empty:
        print(f"warning: no IOC data for {period.title_en}; the report says so on its first page")
    html = to_html(data)
    if args.html:
        args.html.write_text(html)
        print(f"wrote {args.html}")
    if args.out:
        write_pdf(html, args.out)
        print(f"wrote {args.out}")
    print(f"{period.title_vi} / {period.title_en}: {len(data.agencies)} agencies with dossiers")
    return 0
