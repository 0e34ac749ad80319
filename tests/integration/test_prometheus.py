"""A real Prometheus (Debian package) scrapes a real worker with the project's scrape config."""

from __future__ import annotations

from pathlib import Path

import pytest

from ioc.catalog import Catalog
from ioc.config import Settings
from ioc.runtime import PrometheusServer, WorkerProcess
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
