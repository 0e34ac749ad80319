"""``ioc``: worker, simulator, embedded broker, demo, benchmark and catalog tools."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from ioc.config import ConfigError, Settings, load_settings


def _settings(args: argparse.Namespace) -> Settings:
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


def cmd_worker(args: argparse.Namespace) -> int:
    from streams.worker import run_worker

    run_worker(_settings(args), loglevel=args.loglevel)
    return 0


def cmd_broker(args: argparse.Namespace) -> int:
    import time

    from ioc.runtime import EmbeddedBroker

    with EmbeddedBroker(port=args.port) as broker:
        print(f"Tansu broker listening on {broker.url} (memory storage). Ctrl-C stops it.")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
    return 0


def cmd_topics(args: argparse.Namespace) -> int:
    from streams.topics import ensure_topics

    created = asyncio.run(ensure_topics(_settings(args)))
    print("created: " + (", ".join(created) if created else "nothing, all topics exist"))
    return 0


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


def _logging(level: str = "info") -> None:
    from ioc.lograte import QuietRepeats

    logging.basicConfig(
        level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    quiet = QuietRepeats()  # a broker that is down: aiokafka's errors once per 10 s, counted
    for handler in logging.getLogger().handlers:
        handler.addFilter(quiet)


def cmd_probe(args: argparse.Namespace) -> int:
    from ioc.catalog import load_catalog
    from ioc.sources.probe.program import run_prober

    settings = _settings(args)
    catalog = load_catalog(settings.catalog_path)
    _logging(args.loglevel)
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

    settings = _settings(args)
    catalog = load_catalog(settings.catalog_path)
    tokens = load_tokens(os.environ.get("IOC_INTAKE_TOKENS"), args.tokens_file)
    _logging(args.loglevel)
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

    settings = _settings(args)
    catalog = load_catalog(settings.catalog_path)
    register = load_register(args.assets, catalog)
    bucket = unregistered_bucket(catalog, args.unregistered_agency, args.unregistered_asset_type)
    _logging(args.loglevel)
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


def cmd_report(args: argparse.Namespace) -> int:
    from zoneinfo import ZoneInfo

    from ioc.catalog import load_catalog
    from ioc.report.collect import collect
    from ioc.report.pdf import write_pdf
    from ioc.report.period import last_complete
    from ioc.report.render import to_html
    from ioc.runtime.errors import Unavailable
    from ioc.runtime.prometheus import PrometheusClient

    settings = _settings(args)
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


def cmd_simulate(args: argparse.Namespace) -> int:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from ioc.catalog import load_catalog
    from ioc.simulate import GroundTruth, Simulator, load_scenarios
    from ioc.simulate.disturb import Disturbance
    from ioc.simulate.publish import publish

    settings = _settings(args)
    if args.count is None and args.duration is None:
        raise ConfigError("simulate: give --count N, --duration SECONDS, or both")
    catalog = load_catalog(settings.catalog_path)
    scenarios = load_scenarios(args.scenario) if args.scenario else None
    realtime = args.count is None
    if args.start:
        start = aware_time("--start", args.start)
    elif realtime:
        start = settings.clock().now_datetime()
    else:
        # History that ends now, so no event time lies in the future.
        start = settings.clock().now_datetime() - timedelta(seconds=args.count / args.rate + 1)
    sim = Simulator(catalog, seed=args.seed, start=start, rate=args.rate, scenarios=scenarios)
    truth = GroundTruth(catalog, late_grace_seconds=settings.late_grace_seconds)
    disturbance = Disturbance(
        disorder_seconds=args.disorder,
        duplicate_ratio=args.duplicate_ratio,
        late_ratio=args.late_ratio,
        late_by_seconds=args.late_by,
        repeat_step_ratio=args.repeat_step_ratio,
        seed=args.seed,
    )
    total = args.count
    with Progress(
        TextColumn("simulate"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("events"),
        disable=args.quiet or not sys.stderr.isatty(),
    ) as bar:
        task = bar.add_task("events", total=total)
        result = asyncio.run(
            publish(
                settings,
                sim,
                truth,
                count=args.count,
                duration=args.duration,
                realtime=realtime,
                bad_ratio=args.bad_ratio,
                disturbance=disturbance,
                on_progress=lambda n: bar.update(task, completed=n),
            )
        )
    if args.truth:
        truth.write(args.truth)
    rate = result.good / result.seconds if result.seconds else 0.0
    print(
        f"sent {result.good} events and {result.bad} bad messages in {result.seconds:.1f} s "
        f"({rate:,.0f} events/s)"
    )
    return 0


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


def cmd_demo(args: argparse.Namespace) -> int:
    from ioc.demo import run_demo

    clock_start = (
        None if args.clock_start == "now" else aware_time("--clock-start", args.clock_start)
    )
    return run_demo(
        duration=args.duration,
        rate=args.rate,
        workdir=Path(args.workdir),
        render=Path(args.render) if args.render else None,
        seed=args.seed,
        clock_start=clock_start,
    )


def cmd_bench(args: argparse.Namespace) -> int:
    if args.latency:
        from benchmarks.alert_latency import main as latency_main

        return latency_main(samples=args.samples, background_rate=args.background_rate)
    if args.core:
        from benchmarks.core import main as core_main

        return core_main(events=args.events, partitions=args.partitions)
    if args.workers:
        from benchmarks.workers import main as workers_main

        return workers_main(events=args.events, partitions=args.partitions, workers=args.workers)
    if args.realtime:
        from benchmarks.realtime import main as realtime_main

        return realtime_main(rate=args.realtime, seconds=args.seconds, partitions=args.partitions)
    from benchmarks.throughput import main as bench_main

    return bench_main(events=args.events, partitions=args.partitions, profile=args.profile)


def cmd_rules_generate(args: argparse.Namespace) -> int:
    from ioc.alerting.promrules import RULES_DIR, rule_files
    from ioc.catalog import load_catalog
    from ioc.generated import generate_or_check

    files = rule_files(load_catalog(args.catalog))
    directory = Path(args.out) if args.out else RULES_DIR
    return generate_or_check(files, directory, "*.yml", args.check, "ioc rules generate")


def cmd_oncall(args: argparse.Namespace) -> int:
    from ioc.runtime.oncall import serve

    print(f"on-call receiver on http://{args.host}:{args.port}/<receiver>", flush=True)
    serve(args.host, args.port, Path(args.record) if args.record else None)
    return 0


def cmd_dashboards_generate(args: argparse.Namespace) -> int:
    from dashboards.build import GENERATED, render
    from ioc.catalog import load_catalog
    from ioc.generated import generate_or_check

    files = render(load_catalog(args.catalog))
    directory = Path(args.out) if args.out else GENERATED
    return generate_or_check(files, directory, "*.json", args.check, "ioc dashboards generate")


def cmd_dashboards_push(args: argparse.Namespace) -> int:
    import json

    from dashboards.build import render
    from dashboards.push import PushError, push
    from ioc.catalog import load_catalog

    boards = [json.loads(text) for text in render(load_catalog(args.catalog)).values()]
    token = args.token or os.environ.get("GRAFANA_TOKEN", "")
    try:
        pushed = push(args.url, token, boards, args.folder)
    except PushError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for p in pushed:
        print(f"pushed {p.uid:<14} v{p.version:<3} {p.title}  {args.url.rstrip('/')}{p.url}")
    return 0


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

    def loglevel(p: argparse.ArgumentParser, help: str = "log level") -> None:
        p.add_argument(
            "--loglevel", default="info", choices=["debug", "info", "warning", "error"], help=help
        )

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--broker", help="bootstrap servers, kafka://host:port (env IOC_BROKER_URL)")
        p.add_argument("--catalog", help="province catalog YAML (env IOC_CATALOG_PATH)")

    p = sub.add_parser("worker", help="run a stream worker (ingest, aggregation, /metrics)")
    common(p)
    p.add_argument("--web-port", type=int, help="HTTP port for /metrics (env IOC_WEB_PORT)")
    p.add_argument("--app-id", help="faust app id, the consumer group prefix (env IOC_APP_ID)")
    loglevel(p, "log level of the worker and faust")
    p.set_defaults(func=cmd_worker)

    p = sub.add_parser("broker", help="run the embedded Tansu broker in the foreground")
    p.add_argument("--port", type=int, default=9092, help="port to listen on (127.0.0.1)")
    p.set_defaults(func=cmd_broker)

    p = sub.add_parser("topics", help="create the source, dead-letter and batch topics")
    common(p)
    p.set_defaults(func=cmd_topics)

    p = sub.add_parser("catalog", help="catalog tools")
    csub = p.add_subparsers(dest="catalog_command", required=True, metavar="ACTION")
    c = csub.add_parser("check", help="validate a province catalog YAML file")
    c.add_argument("file", nargs="?", help="the file (default: the bundled Nghệ An catalog)")
    c.set_defaults(func=cmd_catalog_check)

    p = sub.add_parser("probe", help="probe the catalog's platforms; publish UptimeProbe events")
    common(p)
    p.add_argument("--service", action="append", help="probe only this service id (repeatable)")
    p.add_argument("--metrics-port", type=int, default=9110, help="port of its /metrics (0: none)")
    p.add_argument("--concurrency", type=int, default=16, help="probes in flight at most")
    loglevel(p)
    p.set_defaults(func=cmd_probe)

    p = sub.add_parser("intake", help="real sources in: Wazuh alerts, events posted over HTTP")
    isub = p.add_subparsers(dest="intake_command", required=True, metavar="SOURCE")
    i = isub.add_parser(
        "http", help="HTTP endpoint for DossierEvent and SocAlertStatus (POST /v1/events)"
    )
    common(i)
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
    loglevel(i)
    i.set_defaults(func=cmd_intake_http)

    i = isub.add_parser("wazuh", help="tail a Wazuh manager's alerts.json; publish SocAlert")
    common(i)
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
    loglevel(i)
    i.set_defaults(func=cmd_intake_wazuh)

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

    p = sub.add_parser(
        "report", help="weekly or monthly report for the leadership, from Prometheus (PDF, HTML)"
    )
    common(p)
    p.add_argument("--period", choices=["week", "month"], default="week", help="which period")
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

    p = sub.add_parser("simulate", help="produce simulated SOC, uptime and dossier events")
    common(p)
    p.add_argument("--count", type=int, help="stop after N events, sent as fast as possible")
    p.add_argument(
        "--duration",
        type=float,
        help="stop after N simulated seconds; without --count the events are paced in real time",
    )
    p.add_argument("--rate", type=float, default=100.0, help="events per simulated second")
    p.add_argument("--seed", type=int, default=1, help="random seed: same seed, same events")
    p.add_argument(
        "--start",
        help="simulation start, ISO time with offset (default: now on the province clock, "
        "or with --count history that ends now)",
    )
    p.add_argument("--scenario", help="scenario YAML file (outages, campaigns, surges)")
    p.add_argument(
        "--bad-ratio",
        type=float,
        default=0.0,
        help="fraction of extra malformed messages, for the dead-letter path",
    )
    p.add_argument(
        "--disorder",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="shuffle events within windows of this many event-time seconds",
    )
    p.add_argument(
        "--duplicate-ratio",
        type=float,
        default=0.0,
        help="send this fraction of events twice (same event_id)",
    )
    p.add_argument(
        "--repeat-step-ratio",
        type=float,
        default=0.0,
        help="send this fraction of dossier steps and SOC status changes again under a new "
        "event_id (a portal's retry): counted as duplicate steps",
    )
    p.add_argument(
        "--late-ratio", type=float, default=0.0, help="hold back this fraction of events ..."
    )
    p.add_argument(
        "--late-by",
        type=float,
        default=600.0,
        metavar="SECONDS",
        help="... until the stream is this far ahead of them (default 600)",
    )
    p.add_argument("--truth", help="write the ground truth (expected metrics) to this JSON file")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_simulate)

    p = sub.add_parser(
        "demo", help="embedded broker, worker, simulator, Prometheus, Alertmanager, on-call"
    )
    p.add_argument(
        "--duration", type=float, default=None, help="stop after N seconds (default: Ctrl-C)"
    )
    p.add_argument("--rate", type=float, default=100.0, help="simulated events per second")
    p.add_argument("--seed", type=int, default=1, help="simulator seed")
    p.add_argument(
        "--clock-start",
        default=DEMO_CLOCK_START_TEXT,
        help="province time at the start of the demo, moving at real speed; 'now' for the "
        "wall clock (the scenarios' dossier pages need office hours)",
    )
    p.add_argument("--workdir", default="var/demo", help="logs and Prometheus data")
    p.add_argument(
        "--render", help="at the end, draw the overview dashboard from Prometheus into this PNG"
    )
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("rules", help="Prometheus rule files generated from the catalog")
    rsub = p.add_subparsers(dest="rules_command", required=True, metavar="ACTION")
    r = rsub.add_parser("generate", help="write deploy/prometheus/rules/*.yml")
    r.add_argument("--catalog", help="province catalog YAML (env IOC_CATALOG_PATH)")
    r.add_argument("--out", help="directory (default: deploy/prometheus/rules)")
    r.add_argument("--check", action="store_true", help="fail if the committed files are stale")
    r.set_defaults(func=cmd_rules_generate)

    d = sub.add_parser("dashboards", help="Grafana dashboards: generate JSON, push to Grafana")
    dsub = d.add_subparsers(dest="action", required=True, metavar="ACTION")
    g = dsub.add_parser("generate", help="write dashboards/generated/*.json from the catalog")
    g.add_argument("--catalog", help="province catalog YAML (default: IOC_CATALOG_PATH/bundled)")
    g.add_argument("--out", help="directory (default: dashboards/generated)")
    g.add_argument("--check", action="store_true", help="exit 1 if the files are stale")
    g.set_defaults(func=cmd_dashboards_generate)
    g = dsub.add_parser("push", help="upload to an existing Grafana (overwrite by UID)")
    g.add_argument(
        "--url",
        default=os.environ.get("GRAFANA_URL", "http://localhost:3000"),
        help="Grafana base URL (env GRAFANA_URL)",
    )
    g.add_argument("--token", help="service-account token (default: $GRAFANA_TOKEN)")
    g.add_argument("--folder", default="IOC", help="folder title (uid 'ioc')")
    g.add_argument("--catalog", help="province catalog YAML (default: IOC_CATALOG_PATH/bundled)")
    g.set_defaults(func=cmd_dashboards_push)

    p = sub.add_parser("oncall", help="webhook receiver that prints Alertmanager notifications")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on")
    p.add_argument("--port", type=int, default=9095, help="port to listen on")
    p.add_argument("--record", help="also append each notification to this JSON-lines file")
    p.set_defaults(func=cmd_oncall)

    p = sub.add_parser(
        "bench",
        help="worker events/s against raw aiokafka consume; --latency: event → Alertmanager",
    )
    p.add_argument("--events", type=int, default=200_000, help="backlog size, in events")
    p.add_argument("--partitions", type=int, default=4, help="partitions per source topic")
    p.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="N worker processes on one backlog: their aggregate events/s, the ratio to raw "
        "consume, and the ground truth over all of them",
    )
    p.add_argument(
        "--latency", action="store_true", help="measure event → Alertmanager latency instead"
    )
    p.add_argument(
        "--realtime",
        type=float,
        metavar="RATE",
        help="send RATE events/s for --seconds and measure the end-to-end lag instead",
    )
    p.add_argument("--seconds", type=float, default=30.0, help="how long --realtime sends")
    p.add_argument(
        "--core",
        action="store_true",
        help="time the hot path's pure-Python stages offline (no broker) instead",
    )
    p.add_argument(
        "--profile",
        action="store_true",
        help="profile the worker (cProfile) and print its hottest functions",
    )
    p.add_argument("--samples", type=int, default=100, help="latency samples (one per agency)")
    p.add_argument("--background-rate", type=float, default=100.0, help="events/s meanwhile")
    p.set_defaults(func=cmd_bench)
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
