"""``ioc``: worker, simulator, embedded broker, demo, benchmark and catalog tools. Each
command group is a module of its own with its parser and its handlers."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from collections.abc import Sequence
from typing import Any

from ioc.cli import (
    ack,
    alertmanager,
    bench,
    catalog,
    dashboards,
    demo,
    oncall,
    portal,
    report,
    rules,
    runtime,
    simulate,
    sources,
)
from ioc.cli.runtime import cmd_worker
from ioc.config import ConfigError, Settings

# The groups in the order ``ioc --help`` lists their commands.
GROUPS = (
    runtime,
    catalog,
    sources,
    alertmanager,
    report,
    portal,
    simulate,
    demo,
    rules,
    dashboards,
    oncall,
    ack,
    bench,
)


class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows each option's default, except where there is none to show."""

    def _get_help_string(self, action: argparse.Action) -> str:
        if action.default in (None, False, argparse.SUPPRESS) or "default" in (action.help or ""):
            return action.help or ""
        return super()._get_help_string(action) or ""


def _show_defaults(sub: Any) -> None:
    """Every parser made by ``sub`` (and its own sub-commands) shows option defaults."""
    make = sub.add_parser

    def add_parser(*args: Any, **kwargs: Any) -> argparse.ArgumentParser:
        kwargs.setdefault("formatter_class", _HelpFormatter)
        kwargs.setdefault("description", kwargs.get("help"))
        parser: argparse.ArgumentParser = make(*args, **kwargs)
        make_subparsers = parser.add_subparsers

        def add_subparsers(**kw: Any) -> Any:
            inner = make_subparsers(**kw)
            _show_defaults(inner)
            return inner

        parser.add_subparsers = add_subparsers  # type: ignore[method-assign]
        return parser

    sub.add_parser = add_parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ioc", description="IOC event-stream service: SOC, uptime and dossier streams."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _show_defaults(sub)
    for group in GROUPS:
        group.add_parser(sub)
    return parser


def _broker_url(args: argparse.Namespace) -> str:
    return str(
        getattr(args, "broker", None)
        or os.environ.get("IOC_BROKER_URL")
        or Settings.model_fields["broker_url"].default
    )


def _stop_on_sigterm() -> None:
    """SIGTERM unwinds like Ctrl-C, so that every ``with`` that started a child process (broker,
    worker, Prometheus, Alertmanager) stops it: the children run in sessions of their own and
    would outlive a parent killed by the default handler. SIGINT is handled too even where it
    was inherited as ignored (a non-interactive shell's background job, or CI): then Python
    would not raise KeyboardInterrupt, and Ctrl-C or a supervisor's SIGINT would do nothing."""

    def handler(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, signal.default_int_handler)


def main(argv: Sequence[str] | None = None) -> int:
    from aiokafka.errors import KafkaConnectionError, KafkaError

    from ioc.runtime.errors import EXIT_BROKER_LOST, BrokerLost, Unavailable

    args = build_parser().parse_args(argv)
    # Before logging is configured, Python prints aiokafka's connection errors through its
    # last-resort handler, above our one-line error. A NullHandler stops that; once the
    # worker configures logging, the records still reach its handlers.
    logging.getLogger("aiokafka").addHandler(logging.NullHandler())
    if args.func is not cmd_worker:  # faust installs its own signal handling
        _stop_on_sigterm()
    try:
        return int(args.func(args))
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except Unavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 3
    except BrokerLost as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BROKER_LOST
    except KafkaConnectionError:
        print(
            f"error: no Kafka broker answers at {_broker_url(args)}: start one with "
            "`ioc broker`, or point IOC_BROKER_URL (or --broker) at yours",
            file=sys.stderr,
        )
        return 3
    except KafkaError as exc:
        print(
            f"error: the Kafka broker at {_broker_url(args)} failed: {exc} "
            "(did it stop or restart? `ioc broker` keeps topics in memory only)",
            file=sys.stderr,
        )
        return 3
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
