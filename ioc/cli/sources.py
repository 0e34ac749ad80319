"""``ioc probe`` and ``ioc intake http|wazuh``: the real sources."""

from __future__ import annotations

import argparse
import asyncio
import os
from pathlib import Path
from typing import Any

from ioc.cli.common import add_broker_and_catalog, add_loglevel, configure_logging, settings_from


def add_parser(sub: Any) -> None:
    p = sub.add_parser("probe", help="probe the catalog's platforms; publish UptimeProbe events")
    add_broker_and_catalog(p)
    p.add_argument("--service", action="append", help="probe only this service id (repeatable)")
    p.add_argument("--metrics-port", type=int, default=9110, help="port of its /metrics (0: none)")
    p.add_argument("--concurrency", type=int, default=16, help="probes in flight at most")
    add_loglevel(p)
    p.set_defaults(func=cmd_probe)

    p = sub.add_parser("intake", help="real sources in: Wazuh alerts, events posted over HTTP")
    isub = p.add_subparsers(dest="intake_command", required=True, metavar="SOURCE")
    i = isub.add_parser(
        "http", help="HTTP endpoint for DossierEvent and SocAlertStatus (POST /v1/events)"
    )
    add_broker_and_catalog(i)
    i.add_argument("--host", default="0.0.0.0", help="address to listen on")
    i.add_argument("--port", type=int, default=8088, help="port to listen on")
    i.add_argument(
        "--tokens-file",
        type=Path,
        help="bearer tokens, one per line (besides env IOC_INTAKE_TOKENS, comma-separated)",
    )
    i.add_argument(
        "--max-body-bytes", type=int, default=1 << 20, help="larger bodies are answered 413"
    )
    i.add_argument(
        "--header-timeout",
        type=float,
        default=15.0,
        metavar="SECONDS",
        help="a connection that sends no complete request headers within this long of opening "
        "or of its last response is closed (slowloris; idle keep-alive too)",
    )
    i.add_argument(
        "--body-timeout",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="a body that has not arrived within this long is answered 408",
    )
    i.add_argument(
        "--max-connections",
        type=int,
        default=256,
        help="connections beyond this many at once are closed at once",
    )
    i.add_argument(
        "--broker-timeout",
        type=float,
        default=10.0,
        help="seconds to wait for the broker's acknowledgement before answering 503",
    )
    add_loglevel(i)
    i.set_defaults(func=cmd_intake_http)

    i = isub.add_parser("wazuh", help="tail a Wazuh manager's alerts.json; publish SocAlert")
    add_broker_and_catalog(i)
    i.add_argument(
        "--alerts-file",
        type=Path,
        default=Path("/var/ossec/logs/alerts/alerts.json"),
        help="the manager's JSON alerts log",
    )
    i.add_argument(
        "--checkpoint",
        type=Path,
        help="where the stored position is kept (default: $IOC_DATA_DIR/wazuh-intake.checkpoint)",
    )
    i.add_argument(
        "--assets",
        type=Path,
        help="asset register CSV (agent_id,agent_name,agency,asset_type,information_system,"
        "security_level); default: the catalog's synthetic register",
    )
    i.add_argument(
        "--unregistered-agency",
        default="so-tttt",
        help="agency whose bucket takes alerts of agents missing from the register",
    )
    i.add_argument(
        "--unregistered-asset-type",
        default="desktop",
        help="asset type given to agents missing from the register",
    )
    i.add_argument(
        "--from-beginning",
        action="store_true",
        help="without a checkpoint, read the file from its start (default: from its end)",
    )
    i.add_argument("--poll-seconds", type=float, default=0.5, help="how often the file is read")
    i.add_argument(
        "--rotated-glob",
        help="names of rotated files beside it, finished before the new one "
        "(default: the file's name without its suffix, then *: alerts*)",
    )
    i.add_argument("--metrics-port", type=int, default=9111, help="port of its /metrics (0: none)")
    add_loglevel(i)
    i.set_defaults(func=cmd_intake_wazuh)


def cmd_probe(args: argparse.Namespace) -> int:
    from ioc.catalog import load_catalog
    from ioc.sources.probe.program import run_prober

    settings = settings_from(args)
    catalog = load_catalog(settings.catalog_path)
    configure_logging(args.loglevel)
    return asyncio.run(
        run_prober(
            settings,
            catalog,
            metrics_port=args.metrics_port,
            only=args.service or (),
            concurrency=args.concurrency,
        )
    )


def cmd_intake_http(args: argparse.Namespace) -> int:
    from ioc.catalog import load_catalog
    from ioc.sources.http_intake.auth import load_tokens
    from ioc.sources.http_intake.server import ServerLimits, run_http_intake

    settings = settings_from(args)
    catalog = load_catalog(settings.catalog_path)
    tokens = load_tokens(os.environ.get("IOC_INTAKE_TOKENS"), args.tokens_file)
    configure_logging(args.loglevel)
    return asyncio.run(
        run_http_intake(
            settings,
            catalog,
            tokens,
            host=args.host,
            port=args.port,
            max_body_bytes=args.max_body_bytes,
            broker_timeout=args.broker_timeout,
            limits=ServerLimits(
                header_seconds=args.header_timeout,
                body_seconds=args.body_timeout,
                max_connections=args.max_connections,
            ),
        )
    )


def cmd_intake_wazuh(args: argparse.Namespace) -> int:
    from ioc.catalog import load_catalog
    from ioc.catalog.assets import load_register
    from ioc.sources.wazuh.program import run_wazuh_intake, unregistered_bucket

    settings = settings_from(args)
    catalog = load_catalog(settings.catalog_path)
    register = load_register(args.assets, catalog)
    bucket = unregistered_bucket(catalog, args.unregistered_agency, args.unregistered_asset_type)
    configure_logging(args.loglevel)
    return asyncio.run(
        run_wazuh_intake(
            settings,
            register,
            bucket,
            alerts_file=args.alerts_file,
            checkpoint_file=args.checkpoint or settings.data_dir / "wazuh-intake.checkpoint",
            from_beginning=args.from_beginning,
            poll_seconds=args.poll_seconds,
            metrics_port=args.metrics_port,
            rotated_glob=args.rotated_glob,
        )
    )
