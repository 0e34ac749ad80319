"""What the command groups share: settings from options, logging, option helpers."""

from __future__ import annotations

import argparse
import logging
from datetime import datetime

from ioc.config import ConfigError, Settings, load_settings


def settings_from(args: argparse.Namespace) -> Settings:
    overrides: dict[str, object] = {}
    if getattr(args, "broker", None):
        overrides["broker_url"] = args.broker
    if getattr(args, "catalog", None):
        overrides["catalog_path"] = args.catalog
    if getattr(args, "web_port", None):
        overrides["web_port"] = args.web_port
    if getattr(args, "app_id", None):
        overrides["app_id"] = args.app_id
    return load_settings(**overrides)


def configure_logging(level: str = "info") -> None:
    from ioc.lograte import QuietRepeats

    logging.basicConfig(
        level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    quiet = QuietRepeats()  # a broker that is down: aiokafka's errors once per 10 s, counted
    for handler in logging.getLogger().handlers:
        handler.addFilter(quiet)


DEMO_CLOCK_START_TEXT = "2026-11-24T09:00:00+07:00"  # ioc.demo.DEMO_CLOCK_START, a Tuesday


def aware_time(option: str, text: str) -> datetime:
    """An ISO time with a UTC offset, or a ConfigError that names the option."""
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        when = None
    if when is None or when.tzinfo is None:
        raise ConfigError(
            f"{option}: expected an ISO time with offset such as {DEMO_CLOCK_START_TEXT}, "
            f"got {text!r}"
        )
    return when


def add_loglevel(p: argparse.ArgumentParser, help: str = "log level") -> None:
    p.add_argument(
        "--loglevel", default="info", choices=["debug", "info", "warning", "error"], help=help
    )


def add_broker_and_catalog(p: argparse.ArgumentParser) -> None:
    p.add_argument("--broker", help="bootstrap servers, kafka://host:port (env IOC_BROKER_URL)")
    p.add_argument("--catalog", help="province catalog YAML (env IOC_CATALOG_PATH)")
