"""``ioc ack``: acknowledge a page (an Alertmanager silence with your name, and an audit
record on Kafka); the page stops repeating and escalating."""

from __future__ import annotations

import argparse
import asyncio
import os
from typing import Any

from ioc.cli.common import settings_from


def add_parser(sub: Any) -> None:
    p = sub.add_parser("ack", help="acknowledge a page: silence it with your name, stop escalation")
    p.add_argument("page", metavar="PAGE",
                   help="the page's fingerprint, as the page or e-mail prints it")  # fmt: skip
    p.add_argument("--as", dest="person", required=True,
                   help="your id in the on-call file (ir-1, attt-so-tc ...)")  # fmt: skip
    p.add_argument("--comment", default="", help="what you are doing about it")
    p.add_argument("--oncall", help="on-call file (env IOC_ONCALL_PATH; the example if unset)")
    p.add_argument("--alertmanager", help="Alertmanager URL (env IOC_ALERTMANAGER_URL)")
    p.add_argument("--broker", help="bootstrap servers for the audit record (env IOC_BROKER_URL)")
    p.set_defaults(func=cmd_ack)


def cmd_ack(args: argparse.Namespace) -> int:
    from ioc.alerting import load_rules
    from ioc.alerting.model import iso
    from ioc.catalog.oncall import load_oncall
    from ioc.config import ConfigError
    from ioc.runtime.ack import acknowledge
    from ioc.runtime.oncall import province_time

    settings = settings_from(args)
    url = args.alertmanager or settings.alertmanager_url
    if not url:
        raise ConfigError("--alertmanager: expected Alertmanager's URL (or IOC_ALERTMANAGER_URL)")
    oncall = load_oncall(args.oncall or os.environ.get("IOC_ONCALL_PATH"))
    rules = load_rules(settings.alert_rules_path)
    ack_for = rules.escalation.ack_for
    done = asyncio.run(
        acknowledge(settings, url, oncall, args.page, args.person, args.comment, ack_for)
    )
    record = done.record
    print(f"Đã nhận xử lý / acknowledged by {record.person_name}: {done.summary}")
    print(f"    im lặng đến / silenced until {province_time(iso(done.silence_until))} "
          f"(silence {record.silence_id})")  # fmt: skip
    return 0
