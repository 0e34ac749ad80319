"""The hand-computed month of tests/worked_month.py through a real worker and a real
Prometheus with the project's rules: the recording rules give the rates worked out by hand."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer

from ioc.aggregate.portal766 import BY_CODE
from ioc.alerting.promrules import RULES_DIR
from ioc.config import Settings
from ioc.runtime import EmbeddedBroker, PrometheusServer, WorkerProcess, free_port
from ioc.runtime.prometheus import local_config
from tests.integration.conftest import make_settings
from tests.worked_month import AGENCY, AGENCY_RATES, COMMUNE, COMMUNE_RATES, NOW, events

pytestmark = pytest.mark.integration


async def _send(settings: Settings) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=settings.bootstrap_servers())
    await producer.start()
    try:
        for doc in events():
            if doc["event_type"] == "feedback":
                topic, key = settings.topics.feedback, doc["feedback_id"]
            else:
                topic, key = settings.topics.dossier, doc["dossier_id"]
            await producer.send(topic, json.dumps(doc).encode(), key=key.encode())
        await producer.flush()
    finally:
        await producer.stop()


@dataclass(frozen=True)
class MonthRun:
    settings: Settings
    prom: PrometheusServer
    workdir: Path


@pytest.fixture(scope="module")
def month_run(
    broker: EmbeddedBroker, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[MonthRun]:
    """One run for the module: a worker on a clock that reads NOW, Prometheus with the
    project's rules scraping it, and the month sent."""
    tmp_path = tmp_path_factory.mktemp("portal766")
    settings = make_settings(broker, tmp_path, NOW)
    with WorkerProcess(settings, free_port(), tmp_path / "worker.log") as worker:
        worker.wait_ready()
        config = local_config(
            [f"127.0.0.1:{worker.web_port}"], scrape_interval="1s", rules_dir=RULES_DIR
        )
        yield from _run(settings, config, tmp_path)


def _run(settings: Settings, config: dict[str, Any], tmp_path: Path) -> Iterator[MonthRun]:
    with PrometheusServer(tmp_path / "prometheus", config) as prom:
        asyncio.run(_send(settings))
        # Every dossier counted, then a scrape and a rule evaluation after it.
        received = 'sum(ioc_dossiers_in_period{period="month",measure="received"})'
        assert prom.wait_for_value(received, 15, timeout=90) == 15
        # The recording rules' group evaluates every 30 s, rule after rule: wait until its
        # last 766 rule (the province's, after the agencies' and the kinds') has been
        # evaluated after the scrape that saw every dossier.
        seen_all = prom.now()
        fresh = f"timestamp(province:ioc_766_score_max:points) > {seen_all}"
        # Its month, quarter and year.
        assert prom.wait_for_value(f"count({fresh})", 3, timeout=90) == 3
        yield MonthRun(settings, prom, tmp_path)


@pytest.fixture(scope="module")
def prometheus(month_run: MonthRun) -> PrometheusServer:
    return month_run.prom


def _rates(prom: PrometheusServer, agency: str) -> dict[str, float]:
    result = prom.query(f'agency:ioc_766_indicator:ratio{{agency="{agency}",period="month"}}')
    return {r["metric"]["indicator"]: float(r["value"][1]) for r in result}


def test_the_worked_month_gives_the_hand_computed_rates_through_worker_and_prometheus(
    prometheus: PrometheusServer,
) -> None:
    assert _rates(prometheus, AGENCY) == pytest.approx(AGENCY_RATES)
    assert _rates(prometheus, COMMUNE) == pytest.approx(COMMUNE_RATES)


def test_the_worked_months_score_is_the_points_of_its_rates_beside_their_maximum(
    prometheus: PrometheusServer,
) -> None:
    def one(expr: str) -> float:
        (sample,) = prometheus.query(expr)
        return float(sample["value"][1])

    selector = f'{{agency="{AGENCY}",period="month"}}'
    points = sum(BY_CODE[code].points * rate for code, rate in AGENCY_RATES.items())
    maximum = sum(BY_CODE[code].points for code in AGENCY_RATES)
    assert one(f"agency:ioc_766_score:points{selector}") == pytest.approx(points)
    assert one(f"agency:ioc_766_score_max:points{selector}") == maximum
    # phuong-cua-lo had no citizen feedback: its dossier satisfaction is worth 6 + 6 / 2.
    selector = f'{{agency="{COMMUNE}",period="month"}}'
    assert one(f"agency:ioc_766_score:points{selector}") == pytest.approx(6 + 10 + 0 + 9 + 10)
    assert one(f"agency:ioc_766_score_max:points{selector}") == 6 + 20 + 4 + 9 + 10


def test_the_provinces_rates_sum_its_agencies_and_keep_each_rows_scope(
    prometheus: PrometheusServer,
) -> None:
    result = prometheus.query('province:ioc_766_indicator:ratio{period="month"}')
    rates = {r["metric"]["indicator"]: float(r["value"][1]) for r in result}
    # Resolved on time 6 + 1, within due 2 + 0, of resolved 8 + 1 and in progress 3 + 1.
    assert rates["progress"] == pytest.approx((7 + 2) / (9 + 4))
    # Row 6 is scored for the province's own agencies only: C01's eligible dossier is not in it.
    assert rates["full_online"] == pytest.approx(6 / 9)


def test_an_imported_portal_file_shows_the_difference_per_agency_and_sub_indicator(
    month_run: MonthRun,
) -> None:
    # What the portal published for so-tnmt in November: progress 14 (ours 20 x 8/11),
    # online payment 10 (ours 10 x 5/7), and a row this project does not measure.
    scores = month_run.workdir / "portal-2026-11.csv"
    scores.write_text(
        "agency,month,row,points\n"
        f'{AGENCY},2026-11,5,"14,0"\n{AGENCY},2026-11,24,10\n{AGENCY},2026-11,1,6\n'
    )
    settings = month_run.settings
    env = {
        **os.environ,
        "IOC_BROKER_URL": settings.broker_url,
        "IOC_TOPICS__PORTAL_SCORES": settings.topics.portal_scores,
    }
    done = subprocess.run(
        [sys.executable, "-m", "ioc.cli.main", "portal", "import", str(scores)],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    prom = month_run.prom
    distance = f'agency:ioc_766_portal_distance:points{{agency="{AGENCY}"}}'
    expected = abs(20 * 8 / 11 - 14) + abs(10 * 5 / 7 - 10)
    # Within a tolerance: PromQL and Python add the floats in their own orders.
    close = f"abs({distance} - {expected!r}) < bool 1e-9"
    assert prom.wait_for_value(close, 1, timeout=120) == 1
    result = prom.query(f'agency:ioc_766_portal_difference:points{{agency="{AGENCY}"}}')
    by_indicator = {r["metric"]["indicator"]: float(r["value"][1]) for r in result}
    assert by_indicator == pytest.approx(
        {"progress": 20 * 8 / 11 - 14, "online_payment": 10 * 5 / 7 - 10}
    )
