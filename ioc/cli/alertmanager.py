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
    a.add_argument("--out", type=Path, help="write here instead of standard output")
    a.set_defaults(func=cmd_alertmanager_config)


def cmd_alertmanager_config(args: argparse.Namespace) -> int:
    import yaml

    from ioc.runtime.alertmanager import email_channel_from_env, local_config, with_email

    config = local_config(args.webhook_url)
    email = email_channel_from_env()
    if email is not None:
        config = with_email(config, email, args.templates)
    text = yaml.safe_dump(config, allow_unicode=True, sort_keys=False)
    if args.out is None:
        print(text, end="")
    else:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text)
        # Alertmanager runs as another user; an inline SMTP password keeps the file private.
        args.out.chmod(0o600 if email is not None and email.password else 0o644)
        receivers = "webhooks" + (" and email" if email is not None else "")
        print(f"wrote {args.out} ({receivers})")
    return 0
