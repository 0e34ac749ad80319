"""A real Prometheus (Debian package) scrapes a real worker with the project's scrape config."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from ioc.alerting.promrules import RULES_DIR
from ioc.catalog import Catalog
from ioc.config import Settings
from ioc.runtime import PrometheusServer, WorkerProcess, free_port
from ioc.runtime.alertmanager import AlertmanagerServer
from ioc.runtime.alertmanager import local_config as local_alertmanager_config
from ioc.runtime.prometheus import local_config
from tests.integration.conftest import simulate, wait_for_truth

pytestmark = pytest.mark.integration


def test_promql_over_scraped_worker_returns_the_ground_truth(
    settings: Settings, catalog: Catalog, worker: WorkerProcess, tmp_path: Path
) -> None:
    truth = simulate(settings, catalog, 5_000, bad_ratio=0.02)
    assert wait_for_truth(worker, truth) == []
    received = sum(v for (n, _), v in truth.samples.items() if n == "ioc_dossiers_received_total")
    config = local_config([f"127.0.0.1:{worker.web_port}"], scrape_interval="1s")
    with PrometheusServer(tmp_path / "prometheus", config) as prom:
        assert prom.wait_for_value("sum(ioc_events_processed_total)", 5_000) == 5_000
        assert (
            prom.wait_for_value(
                'sum(ioc_dossiers_received_total{level=~"province|commune"})', received
            )
            == received
        )
        up = prom.query('up{job="ioc-worker"}')
        assert [float(r["value"][1]) for r in up] == [1.0]


def test_project_rules_load_and_a_dead_worker_pages_through_alertmanager(
    tmp_path: Path,
) -> None:
    # The worker target is a closed port: IocWorkerDown (for: 1m) must reach Alertmanager.
    with AlertmanagerServer(tmp_path / "am", local_alertmanager_config("http://127.0.0.1:9")) as am:
        config = local_config(
            [f"127.0.0.1:{free_port()}"],
            scrape_interval="1s",
            alertmanager=f"127.0.0.1:{am.port}",
            rules_dir=RULES_DIR,
        )
        with PrometheusServer(tmp_path / "prometheus", config) as prom:
            groups = prom.get("/api/v1/rules")["groups"]
            assert {f"{g['file']}".rsplit("/", 1)[1] for g in groups} == {
                p.name for p in RULES_DIR.glob("*.yml")
            }
            assert all(r["health"] != "err" for g in groups for r in g["rules"])
            deadline = time.monotonic() + 120
            names: set[str] = set()
            while time.monotonic() < deadline and "IocWorkerDown" not in names:
                names = {a["labels"]["alertname"] for a in am.alerts()}
                time.sleep(1)
            assert names == {"IocWorkerDown"}
