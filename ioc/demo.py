"""``ioc demo``: the whole pipeline on this machine, started and stopped by the project."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from ioc.alerting.promrules import RULES_DIR
from ioc.catalog import Catalog, load_catalog
from ioc.clock import Clock
from ioc.config import Settings, load_settings
from ioc.runtime import EmbeddedBroker, PrometheusServer, WorkerProcess, free_port
from ioc.runtime.alertmanager import AlertmanagerServer
from ioc.runtime.alertmanager import local_config as local_alertmanager_config
from ioc.runtime.errors import Unavailable
from ioc.runtime.oncall import OncallReceiver
from ioc.runtime.prometheus import local_config
from ioc.simulate import GroundTruth, Simulator, load_scenarios
from ioc.simulate.publish import publish
from streams.topics import ensure_topics

DEMO_SCENARIOS = Path(__file__).parent / "simulate" / "scenarios" / "demo.yaml"


def _port(preferred: int) -> int:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", preferred))
        except OSError:
            return free_port()
    return preferred


# The demo's province clock starts here and moves at real speed, whatever the hour it runs
# at: a weekday morning, when dossiers arrive at full rate and the intake-stall rule and
# Alertmanager's office hours are on. The same run gives the same pages at 03:00 or on Sunday.
DEMO_CLOCK_START = datetime(2026, 11, 24, 9, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))


def run_demo(
    duration: float | None,
    rate: float,
    workdir: Path,
    render: Path | None = None,
    *,
    seed: int = 1,
    clock_start: datetime | None = DEMO_CLOCK_START,
) -> int:
    """``clock_start`` None runs on the wall clock."""
    workdir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    clock = Clock.starting_at(clock_start) if clock_start is not None else Clock()
    with contextlib.ExitStack() as stack:
        broker = stack.enter_context(
            EmbeddedBroker(port=_port(9092), log_file=workdir / "tansu.log")
        )
        settings = load_settings(
            broker_url=broker.url,
            app_id=f"ioc-demo-{stamp}",
            data_dir=workdir / "worker",
            clock_offset_seconds=clock.offset_seconds,
        )
        asyncio.run(ensure_topics(settings))
        oncall = stack.enter_context(OncallReceiver(port=_port(9095)))
        am_config = local_alertmanager_config(
            oncall.url, fast=True, clock_offset_seconds=clock.offset_seconds
        )
        am = stack.enter_context(
            AlertmanagerServer(workdir / "alertmanager", am_config, port=_port(9093))
        )
        settings = settings.model_copy(update={"alertmanager_url": am.url})
        worker = stack.enter_context(WorkerProcess(settings, _port(6066), workdir / "worker.log"))
        config = local_config(
            [f"127.0.0.1:{worker.web_port}"],
            scrape_interval="5s",
            alertmanager=f"127.0.0.1:{am.port}",
            rules_dir=RULES_DIR,
        )
        prom = stack.enter_context(
            PrometheusServer(workdir / "prometheus", config, port=_port(9090))
        )
        print(f"broker        {broker.url}  (Tansu, in memory; log {workdir / 'tansu.log'})")
        print(f"worker        {worker.metrics_url}  (log {workdir / 'worker.log'})")
        alerts_page = worker.metrics_url.rsplit("/", 1)[0] + "/alerts"
        print(f"              {alerts_page}  (the detector's firing alerts)")
        print(
            f"prometheus    {prom.url}/graph  try: sum by (source) "
            "(rate(ioc_events_processed_total[1m]))"
        )
        print(f"alertmanager  {am.url}  (pages and tickets; amtool --alertmanager.url={am.url})")
        print(f"on-call       {oncall.url}  notifications print below as they arrive")
        print("waiting for the worker to join its consumer groups...", flush=True)
        worker.wait_ready(timeout=120)
        tz = ZoneInfo(load_catalog(settings.catalog_path).province.timezone)
        print(
            f"simulating {rate:g} events/s with scenarios from {DEMO_SCENARIOS.name}"
            + (f" for {duration:g} s" if duration else "; Ctrl-C stops")
            + f"; province clock {clock.now_datetime().astimezone(tz):%a %d %b %Y %H:%M}"
            + (" (demo clock, real speed)" if clock.offset_seconds else ""),
            flush=True,
        )
        catalog = load_catalog(settings.catalog_path)
        started = prom.now()
        sim = Simulator(
            catalog,
            seed=seed,
            start=clock.now_datetime(),
            rate=rate,
            scenarios=load_scenarios(DEMO_SCENARIOS),
        )
        try:
            asyncio.run(
                _simulate_and_report(settings, sim, GroundTruth(catalog), worker, duration, tz)
            )
        except KeyboardInterrupt:
            print("\nstopping...")
        else:
            _report_prometheus(prom)
            if render is not None:
                _render_overview(prom, catalog, render, since=started)
    print("stopped: broker, worker, Prometheus, Alertmanager and the on-call receiver are down.")
    return 0


async def _simulate_and_report(
    settings: Settings,
    sim: Simulator,
    truth: GroundTruth,
    worker: WorkerProcess,
    duration: float | None,
    tz: ZoneInfo,
) -> None:
    task = asyncio.create_task(publish(settings, sim, truth, duration=duration, realtime=True))
    clock = settings.clock()
    while not task.done():
        await asyncio.wait({task}, timeout=10)
        if not worker.running():
            task.cancel()
            raise Unavailable(
                f"the worker stopped (exit status {worker.returncode()}; its log: "
                f"{worker.log_file}); the demo stops with it"
            )
        _report(worker, clock, tz)
    await task
    await asyncio.sleep(3)
    _report(worker, clock, tz)


def _report(worker: WorkerProcess, clock: Clock, tz: ZoneInfo) -> None:
    try:
        samples = worker.samples()
    except OSError as exc:
        print(f"worker /metrics unreachable: {exc}")
        return
    by_source: dict[str, float] = {}
    dead = 0.0
    for (name, labels), value in samples.items():
        if name == "ioc_events_processed_total":
            by_source[dict(labels)["source"]] = value
        elif name == "ioc_events_dead_lettered_total":
            dead += value
    failures = sum(
        v
        for (n, lab), v in samples.items()
        if n == "ioc_uptime_probes_total" and dict(lab)["result"] == "failure"
    )
    high = sum(
        v
        for (n, lab), v in samples.items()
        if n == "ioc_soc_alerts_total" and dict(lab)["severity"] in ("high", "critical")
    )
    parts = ", ".join(f"{k} {int(v)}" for k, v in sorted(by_source.items()))
    at = clock.now_datetime().astimezone(tz)
    print(
        f"{at:%H:%M:%S} processed: {parts or 'nothing yet'}; dead-lettered "
        f"{int(dead)}; failed probes {int(failures)}; high/critical SOC alerts {int(high)}",
        flush=True,
    )


def _report_prometheus(prom: PrometheusServer) -> None:
    """Show that Prometheus has the same numbers, scraped from the worker."""
    query = "sum by (source) (ioc_events_processed_total)"
    time.sleep(6)  # one more scrape
    try:
        rows = prom.query(query)
    except OSError as exc:
        print(f"prometheus unreachable: {exc}")
        return
    values = ", ".join(f"{r['metric']['source']} {r['value'][1]}" for r in rows)
    print(f"prometheus: {query} -> {values or 'no data yet'}")


def _render_overview(prom: PrometheusServer, catalog: Catalog, out: Path, since: float) -> None:
    import json

    from dashboards.build import render as render_json
    from dashboards.render import render as draw

    board = json.loads(render_json(catalog)["ioc-overview.json"])
    try:
        print(f"overview drawn from Prometheus: {draw(prom, board, out, since)}")
    except RuntimeError as exc:
        print(f"overview not drawn: {exc}")
