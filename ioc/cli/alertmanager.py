"""``ioc alertmanager config``: Alertmanager's configuration from the catalog."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def add_parser(sub: Any) -> None:
    p = sub.add_parser("alertmanager", help="Alertmanager configuration")
    asub = p.add_subparsers(dest="alertmanager_command", required=True, metavar="ACTION")
    a = asub.add_parser(
        "config", help="the config with webhooks and, from env IOC_EMAIL_*, email receivers"
    )
    a.add_argument(
        "--webhook-url", default="http://oncall:9095", help="base URL of the on-call webhooks"
    )
    a.add_argument(
        "--templates",
        default="/etc/alertmanager/templates",
        help="directory of the email templates as Alertmanager sees it",
    )
    a.add_argument(
        "--oncall",
        type=Path,
        help="the on-call file (env IOC_ONCALL_PATH): pages and tickets also go to the people "
        "on call and each agency's contacts, by e-mail (IOC_EMAIL_*) and Telegram "
        "(IOC_TELEGRAM_BOT_TOKEN, IOC_TELEGRAM_API_URL)",
    )
    a.add_argument("--catalog", help="province catalog YAML (env IOC_CATALOG_PATH)")
    a.add_argument("--out", type=Path, help="write here instead of standard output")
    a.set_defaults(func=cmd_alertmanager_config)


def cmd_alertmanager_config(args: argparse.Namespace) -> int:
    import os

    import yaml

    from ioc.catalog import load_catalog
    from ioc.catalog.oncall import load_oncall
    from ioc.runtime.alertmanager import email_channel_from_env, local_config
    from ioc.runtime.people_routes import PeopleRouting, telegram_channel_from_env

    email = email_channel_from_env()
    oncall_file = args.oncall or os.environ.get("IOC_ONCALL_PATH") or None
    people = None
    telegram = telegram_channel_from_env()
    if oncall_file is not None:
        catalog = load_catalog(args.catalog or os.environ.get("IOC_CATALOG_PATH") or None)
        people = PeopleRouting(load_oncall(oncall_file, catalog), catalog, telegram)
    config = local_config(args.webhook_url, email=email, people=people, templates=args.templates)
    text = yaml.safe_dump(config, allow_unicode=True, sort_keys=False)
    if args.out is None:
        print(text, end="")
    else:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text)
        # Alertmanager runs as another user; an inline SMTP password, a bot token or people's
        # addresses keep the file private.
        private = (email is not None and email.password) or people is not None
        args.out.chmod(0o600 if private else 0o644)
        receivers = "webhooks" + (" and email" if email is not None else "")
        if people is not None:
            receivers += f", routes to {len(people.oncall.people)} people"
            receivers += " by Telegram" if telegram is not None else ""
        print(f"wrote {args.out} ({receivers})")
    return 0
