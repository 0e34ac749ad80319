"""Every dashboard query runs on a real Prometheus that scraped a real worker run.

Grafana cannot run on these machines, so its part is played by the substitution Grafana does
(built-in intervals, template variables at "All") and by Prometheus' HTTP API, which is what
Grafana's Prometheus datasource calls.
"""

from __future__ import annotations

import asyncio
import math
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from dashboards.build import (
    PanelQuery,
    all_values,
    load,
    metric_names,
    panel_queries,
    substitute,
)
from ioc.alerting.promrules import RULES_DIR
from ioc.catalog import Catalog, load_catalog
from ioc.config import Settings
from ioc.portal.publish import publish_scores
from ioc.portal.scores import PortalScore
from ioc.runtime import EmbeddedBroker, PrometheusServer, WorkerProcess, free_port
from ioc.runtime.prometheus import local_config
from ioc.simulate import ScenarioFile, load_scenarios
from ioc.simulate.disturb import Disturbance
from tests.conftest import HCM
from tests.integration.conftest import make_settings, simulate, wait_for_truth
from tests.sources.helpers import real_sources, scrape

pytestmark = pytest.mark.integration

DEMO = Path(__file__).parents[2] / "ioc" / "simulate" / "scenarios" / "demo.yaml"
# Prometheus makes these itself; everything else must come from the worker or a rule.
PROMETHEUS_SERIES = {"up", "ALERTS"}


@pytest.fixture(scope="module")
def scraped_run(
    broker: EmbeddedBroker, catalog: Catalog, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Run]:
    """Prometheus (with the project's rules) scraping a worker while the simulator runs with
    the demo scenarios, bad messages, duplicates and late events, and an outage that is still
    on at the end (so that an alert is firing when the panels are read). One run for the
    module: it takes about a minute and a half."""
    tmp_path = tmp_path_factory.mktemp("dashboards")
    settings = make_settings(broker, tmp_path)
    demo = load_scenarios(DEMO).model_dump()
    demo["scenarios"].append(
        {"kind": "service_outage", "service": "lgsp", "start": "60s", "duration": "30m"}
    )
    scenarios = ScenarioFile.model_validate(demo)
    # The real sources publish to topics of their own: the worker's ground truth stays exact.
    sources_dir = tmp_path / "sources"
    sources_dir.mkdir()
    with (
        WorkerProcess(settings, free_port(), tmp_path / "worker.log") as worker,
        real_sources(make_settings(broker, sources_dir), sources_dir) as source_ports,
    ):
        worker.wait_ready()
        config = local_config([f"127.0.0.1:{worker.web_port}"], scrape_interval="1s",
                              rules_dir=RULES_DIR,
                              source_targets=[f"127.0.0.1:{p}" for p in source_ports])  # fmt: skip
        with PrometheusServer(tmp_path / "prometheus", config) as prom:
            started = prom.now()  # Prometheus' clock: the suite may run under faketime
            truth = simulate(
                # 300 simulated seconds replayed in 30: Prometheus sees the counters grow.
                settings, catalog, 30_000, rate=100.0, bad_ratio=0.01, scenarios=scenarios,
                pace=10.0,
                disturbance=Disturbance(duplicate_ratio=0.02, late_ratio=0.01,
                                        late_by_seconds=30, seed=9),
            )  # fmt: skip
            assert wait_for_truth(worker, truth) == []
            # The portal's published scores of this month for two agencies, as imported.
            asyncio.run(publish_scores(settings, _portal_scores(settings)))
            prom.wait_for_value("count(agency:ioc_766_portal_distance:points)", 2, timeout=90)
            # A few more scrapes and rule evaluations after the last event.
            prom.wait_for_value("count(province:ioc_dossiers_on_time:ratio)", 1)
            time.sleep(5)
            yield Run(prom, worker, started, source_ports)


def _portal_scores(settings: Settings) -> list[PortalScore]:
    month = datetime.fromtimestamp(settings.clock().now(), HCM).strftime("%Y-%m")
    points = {"5": 15.0, "24": 8.0, "23": 5.5, "total": 70.0}
    return [PortalScore(agency, "province", month, points) for agency in ("so-tnmt", "so-tc")]


@dataclass(frozen=True)
class Run:
    prom: PrometheusServer
    worker: WorkerProcess
    started: float
    source_ports: list[int]

    def panel_data(self, q: PanelQuery, variables: dict[str, str]) -> list[dict[str, Any]]:
        """What Grafana would get for the query, over the run as the dashboard's time range."""
        expr = substitute(q.expr, variables)
        if q.instant:
            return self.prom.query(expr)
        return self.prom.query_range(expr, self.started, self.prom.now(), step=5)


def _finite(result: list[dict[str, Any]]) -> bool:
    values = [v for r in result for v in ([r["value"]] if "value" in r else r["values"])]
    return any(math.isfinite(float(v[1])) for v in values)


def test_every_panel_query_returns_finite_data(scraped_run: Run) -> None:
    failures = []
    count = 0
    for board in load():
        variables = all_values(board)
        for q in panel_queries(board):
            count += 1
            result = scraped_run.panel_data(q, variables)
            if not _finite(result):
                failures.append(f"{q.dashboard} / {q.panel}: {q.expr} -> {result}")
    assert count > 50
    assert not failures, "\n".join(failures)


def test_every_template_variable_has_values(scraped_run: Run) -> None:
    prom = scraped_run.prom
    for board in load():
        for var in board["templating"]["list"]:
            if var["definition"].startswith("query_result("):
                values = [text for text, _ in picker(prom, var)]
            else:
                metric = var["definition"].split("(", 1)[1].split(",", 1)[0]
                values = prom.get(f"/api/v1/label/{var['name']}/values", **{"match[]": metric})
            assert values, f"{board['uid']}: ${var['name']} has no values"


def picker(prom: PrometheusServer, var: dict[str, Any]) -> list[tuple[str, str]]:
    """(text, value) of each option Grafana shows for a query_result variable: the query's
    series as Grafana prints them, through the variable's regex."""
    expr = var["definition"].removeprefix("query_result(").removesuffix(")")
    pattern = re.compile(var["regex"].strip("/").replace("(?<", "(?P<"))
    options = []
    for series in prom.query(expr):
        labels = ", ".join(f'{k}="{v}"' for k, v in sorted(series["metric"].items()))
        found = pattern.search("{" + labels + "} " + series["value"][1])
        assert found, labels
        options.append((found["text"], found["value"]))
    return options


def test_the_agency_and_service_pickers_show_names_and_keep_ids_as_values(
    scraped_run: Run,
) -> None:
    catalog = load_catalog()
    names = {a.id: a.name for a in catalog.agencies} | {s.id: s.name for s in catalog.services}
    pickers = [
        var for board in load() for var in board["templating"]["list"]
        if var["name"] in ("agency", "service")
    ]  # fmt: skip
    assert len(pickers) == 3
    for var in pickers:
        options = picker(scraped_run.prom, var)
        assert options and all(names[value] == text for text, value in options)


def test_annotation_queries_are_valid_promql(scraped_run: Run) -> None:
    prom = scraped_run.prom
    for board in load():
        for annotation in board["annotations"]["list"]:
            prom.query(annotation["expr"])  # raises on a PromQL error
    # The outage still on at the end is firing in the detector: the stream annotation shows it.
    assert prom.query(load()[0]["annotations"]["list"][1]["expr"])


def test_every_metric_in_a_panel_is_exported_or_recorded(scraped_run: Run) -> None:
    worker = scraped_run.worker
    exported = {name for name, _ in worker.samples()}
    for port in scraped_run.source_ports:
        exported |= {
            s.name for f in text_string_to_metric_families(scrape(port)) for s in f.samples
        }
    recorded = {
        rule["record"]
        for path in RULES_DIR.glob("*.yml")
        for group in yaml.safe_load(path.read_text())["groups"]
        for rule in group["rules"]
        if "record" in rule
    }
    used = {name for board in load() for q in panel_queries(board) for name in metric_names(q.expr)}
    assert used - exported - recorded - PROMETHEUS_SERIES == set()
