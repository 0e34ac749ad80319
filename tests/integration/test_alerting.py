"""Scenarios end to end: simulator → broker → worker's detector → a real Alertmanager.

Each scenario's history is published in two parts: up to a moment inside the incident (the
expected alerts must then be active in Alertmanager, and nothing else), then the rest, up to
now, well after the incident (every alert must then be resolved).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer

from ioc.catalog import Catalog
from ioc.config import Settings
from ioc.runtime.alertmanager import AlertmanagerServer, local_config
from ioc.runtime.broker import free_port
from ioc.runtime.worker import WorkerProcess
from ioc.simulate import Simulator
from ioc.simulate.generator import Emitted
from ioc.simulate.profile import ScenarioFile
from tests.conftest import SUNDAY, WEEKDAY_MORNING, WEEKDAY_NIGHT

RATE = 20.0  # events per simulated second: a quiet hour is 72,000 events


@pytest.fixture
def alertmanager(tmp_path: Path) -> Iterator[AlertmanagerServer]:
    # Webhooks point at a closed port: these tests read Alertmanager's API, not notifications.
    config = local_config("http://127.0.0.1:9", fast=True)
    with AlertmanagerServer(tmp_path / "alertmanager", config) as am:
        yield am


@pytest.fixture
def alerting_worker(
    settings: Settings, alertmanager: AlertmanagerServer, tmp_path: Path
) -> Iterator[WorkerProcess]:
    s = settings.model_copy(update={"alertmanager_url": alertmanager.url})
    with WorkerProcess(s, free_port(), tmp_path / "worker.log") as w:
        w.wait_ready()
        yield w


def history(
    settings: Settings, catalog: Catalog, scenarios: dict[str, Any], minutes: float
) -> tuple[datetime, list[Emitted]]:
    """``minutes`` of simulated events ending now on the pipeline's clock (a named province
    time, not the hour the suite runs at), with the scenarios at their offsets."""
    start = settings.clock().now_datetime() - timedelta(minutes=minutes)
    sim = Simulator(
        catalog,
        seed=7,
        start=start,
        rate=RATE,
        scenarios=ScenarioFile.model_validate({"background_incidents": False, **scenarios}),
    )
    end = start.timestamp() + minutes * 60
    events = []
    for emitted in sim.events():
        if emitted.event.event_time.timestamp() >= end:
            break
        events.append(emitted)
    return start, events


def send(settings: Settings, events: list[Emitted]) -> None:
    topics = settings.topics.of_source()

    async def run() -> None:
        producer = AIOKafkaProducer(bootstrap_servers=settings.bootstrap_servers(), linger_ms=20)
        await producer.start()
        try:
            for e in events:
                await producer.send(
                    topics[e.source], e.event.model_dump_json().encode(), key=e.key.encode()
                )
            await producer.flush()
        finally:
            await producer.stop()

    asyncio.run(run())


def split(
    start: datetime, events: list[Emitted], at_minute: float
) -> tuple[list[Emitted], list[Emitted]]:
    cut = start.timestamp() + at_minute * 60
    before = [e for e in events if e.event.event_time.timestamp() < cut]
    return before, events[len(before) :]


# (alertname, agency, service, technique) of an alert in Alertmanager.
AlertKey = tuple[str, str, str, str]


def active(am: AlertmanagerServer) -> dict[AlertKey, bool]:
    """Active alerts as (alertname, agency, service, technique) → inhibited?"""
    out: dict[AlertKey, bool] = {}
    for a in am.alerts():
        labels = a["labels"]
        key = tuple(labels.get(k, "") for k in ("alertname", "agency", "service", "technique"))
        out[key] = bool(a["status"]["inhibitedBy"])
    return out


def wait_for(
    am: AlertmanagerServer, expected: Mapping[AlertKey, bool], timeout: float = 60
) -> dict[AlertKey, bool]:
    deadline = time.monotonic() + timeout
    seen = active(am)
    while time.monotonic() < deadline:
        seen = active(am)
        if seen == expected:
            # Stay equal a moment: nothing else arrives late.
            time.sleep(3)
            return active(am)
        time.sleep(0.5)
    return seen


def run_scenario(
    settings: Settings,
    catalog: Catalog,
    am: AlertmanagerServer,
    scenarios: dict[str, Any],
    inside_minute: float,
    expected: Mapping[AlertKey, bool],
) -> None:
    start, events = history(settings, catalog, scenarios, minutes=45)
    during, after = split(start, events, inside_minute)
    send(settings, during)
    assert wait_for(am, expected) == expected
    send(settings, after)
    assert wait_for(am, {}) == {}


def test_service_outage_pages_service_down_then_resolves(
    settings: Settings,
    catalog: Catalog,
    alertmanager: AlertmanagerServer,
    alerting_worker: WorkerProcess,
) -> None:
    scenarios = {
        "scenarios": [
            {"kind": "service_outage", "service": "cong-dvc", "start": "2m", "duration": "5m"}
        ]
    }
    expected: dict[AlertKey, bool] = {("ServiceDown", "so-tttt", "cong-dvc", ""): False}
    run_scenario(settings, catalog, alertmanager, scenarios, 5, expected)


def test_soc_campaign_pages_campaign_and_bursts_then_resolves(
    settings: Settings,
    catalog: Catalog,
    alertmanager: AlertmanagerServer,
    alerting_worker: WorkerProcess,
) -> None:
    scenarios = {"scenarios": [{
        "kind": "soc_campaign", "technique": "T1110.001", "agencies": ["so-tc", "so-tp"],
        "agents": 12, "alerts_per_second": 1.0, "level": 12, "start": "2m", "duration": "6m",
    }]}  # fmt: skip
    expected: dict[AlertKey, bool] = {
        ("SocCampaign", "", "", "T1110.001"): False,
        ("SocBurst", "so-tc", "", ""): False,
        ("SocBurst", "so-tp", "", ""): False,
    }
    run_scenario(settings, catalog, alertmanager, scenarios, 6, expected)


def test_outage_under_attack_is_one_correlated_incident_inhibiting_its_parts(
    settings: Settings,
    catalog: Catalog,
    alertmanager: AlertmanagerServer,
    alerting_worker: WorkerProcess,
) -> None:
    scenarios = {"scenarios": [
        {"kind": "service_outage", "service": "cong-dvc", "start": "4m", "duration": "5m"},
        # 12 agents: the campaign's sample of so-tttt's 219 assets (merged with Science and
        # Technology's in 2025) then holds one of its level-3 systems.
        {"kind": "soc_campaign", "technique": "T1190", "agencies": ["so-tttt"], "agents": 12,
         "alerts_per_second": 0.5, "level": 13, "start": "2m", "duration": "6m"},
    ]}  # fmt: skip
    expected: dict[AlertKey, bool] = {
        ("CorrelatedIncident", "so-tttt", "cong-dvc", ""): False,
        ("ServiceDown", "so-tttt", "cong-dvc", ""): True,
        ("SocBurst", "so-tttt", "", ""): True,
        # The campaign's level-13 alerts hit so-tttt's security level 3 systems: critical
        # there (rules.yaml), and one more part of the incident, inhibited with the rest.
        ("SocCritical", "so-tttt", "", ""): True,
    }
    run_scenario(settings, catalog, alertmanager, scenarios, 7, expected)


def test_backlog_surge_tickets_the_agency_then_resolves_as_it_clears(
    settings: Settings,
    catalog: Catalog,
    alertmanager: AlertmanagerServer,
    alerting_worker: WorkerProcess,
) -> None:
    # Slowed 2.5x for 6 minutes, so-tnmt's overdue dossiers peak near 60 around minute 12
    # (threshold 25) and fall under 10 by minute 40, as its late dossiers get resolved.
    scenarios = {"scenarios": [{
        "kind": "dossier_backlog_surge", "agency": "so-tnmt", "arrival_multiplier": 6,
        "slowdown": 2.5, "start": "2m", "duration": "6m",
    }]}  # fmt: skip
    expected: dict[AlertKey, bool] = {("DossierOverdueBacklog", "so-tnmt", "", ""): False}
    run_scenario(settings, catalog, alertmanager, scenarios, 12, expected)


@pytest.mark.parametrize(
    "province_now", [WEEKDAY_MORNING, WEEKDAY_NIGHT, SUNDAY], ids=["weekday-10h", "night", "sunday"]
)
def test_quiet_baseline_raises_nothing(
    settings: Settings,
    catalog: Catalog,
    alertmanager: AlertmanagerServer,
    alerting_worker: WorkerProcess,
) -> None:
    _, events = history(settings, catalog, {}, minutes=45)
    send(settings, events)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        assert active(alertmanager) == {}
        time.sleep(1)
    assert alerting_worker.total("ioc_alerts_fired_total") == 0


def test_alerts_raised_while_alertmanager_is_down_arrive_when_it_is_back(
    settings: Settings, catalog: Catalog, tmp_path: Path
) -> None:
    config = local_config("http://127.0.0.1:9", fast=True)
    am = AlertmanagerServer(tmp_path / "am", config)
    s = settings.model_copy(update={"alertmanager_url": am.url})
    with WorkerProcess(s, free_port(), tmp_path / "worker.log") as worker:
        worker.wait_ready()
        _, events = history(settings, catalog, {"scenarios": [
            {"kind": "service_outage", "service": "lgsp", "start": "2m", "duration": "30m"}
        ]}, minutes=10)  # fmt: skip
        send(settings, events)
        deadline = time.monotonic() + 60
        while worker.total("ioc_alert_delivery_failures_total") < 2 and time.monotonic() < deadline:
            time.sleep(0.5)
        assert worker.total("ioc_alert_delivery_failures_total") >= 2
        with am:
            expected: dict[AlertKey, bool] = {("ServiceDown", "so-tttt", "lgsp", ""): False}
            assert wait_for(am, expected) == expected
        assert worker.total("ioc_alerts_dropped_total") == 0
