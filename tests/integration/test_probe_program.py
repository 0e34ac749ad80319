"""`ioc probe` as the province runs it: a process, real HTTP servers, the real broker."""

from __future__ import annotations

import asyncio
import signal
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from ioc.config import Settings, TopicNames, load_settings
from ioc.contracts.events import UptimeProbe
from ioc.runtime import EmbeddedBroker, free_port
from ioc.runtime.command import IocCommand
from streams.topics import ensure_topics
from tests.sources.helpers import catalog_with_services, http_service, read_topic, sample, scrape
from tests.sources.helpers import platform as local_platform

pytestmark = pytest.mark.integration


@pytest.fixture
def platform() -> Iterator[int]:
    with local_platform() as port:
        yield port


def test_ioc_probe_publishes_each_result_keyed_by_its_service(
    settings: Settings, platform: int, tmp_path: Path
) -> None:
    base = f"http://127.0.0.1:{platform}"
    catalog = catalog_with_services(
        tmp_path,
        [http_service("cong-dvc", f"{base}/up"), http_service("lgsp", f"{base}/down")],
    )
    metrics_port = free_port()
    with IocCommand(
        settings,
        ["probe", "--metrics-port", str(metrics_port)],
        tmp_path / "probe.log",
        env={"IOC_CATALOG_PATH": str(catalog)},
    ) as prober:
        records = read_topic(settings, settings.topics.uptime, until=8, timeout=30)
        time.sleep(0.5)
        metrics = scrape(metrics_port)
        assert prober.running(), prober.log()
    events = [UptimeProbe.model_validate_json(r.value) for r in records]
    by_service = {e.service: e for e in events}
    assert {r.key.decode() for r in records} == {"cong-dvc", "lgsp"}
    assert all(r.key.decode() == e.service for r, e in zip(records, events, strict=True))
    assert (by_service["cong-dvc"].success, by_service["cong-dvc"].http_status) == (True, 200)
    assert (by_service["lgsp"].success, by_service["lgsp"].error_class) == (False, "http_5xx")
    assert len({e.event_id for e in events}) == len(events)
    published = sample(metrics, "ioc_source_events_published_total", program="probe")
    assert published is not None and published >= 8


def test_ioc_probe_stops_on_sigterm_with_status_0(
    settings: Settings, platform: int, tmp_path: Path
) -> None:
    catalog = catalog_with_services(
        tmp_path, [http_service("cong-dvc", f"http://127.0.0.1:{platform}/up")]
    )
    prober = IocCommand(
        settings,
        ["probe", "--metrics-port", "0"],
        tmp_path / "p.log",
        env={"IOC_CATALOG_PATH": str(catalog)},
    ).start()
    try:
        records = read_topic(settings, settings.topics.uptime, until=1, timeout=30)
        prober.signal(signal.SIGTERM)
        status = prober.wait(15)
    finally:
        prober.stop()
    assert records, prober.log()
    assert status == 0, prober.log()


def test_results_probed_before_the_broker_is_up_are_published_once_it_is(
    platform: int, tmp_path: Path
) -> None:
    port = free_port()
    settings = load_settings(
        broker_url=f"kafka://127.0.0.1:{port}",
        app_id="t" + uuid.uuid4().hex[:10],
        topics=TopicNames.prefixed("t" + uuid.uuid4().hex[:10]),
    )
    catalog = catalog_with_services(
        tmp_path, [http_service("cong-dvc", f"http://127.0.0.1:{platform}/up")]
    )
    with IocCommand(
        settings,
        ["probe", "--metrics-port", "0"],
        tmp_path / "probe.log",
        env={"IOC_CATALOG_PATH": str(catalog)},
    ) as prober:
        time.sleep(4)  # four probes while nothing listens on the broker's port
        broker_up = time.time()
        with EmbeddedBroker(port=port, log_file=tmp_path / "tansu.log"):
            asyncio.run(ensure_topics(settings))
            records = read_topic(settings, settings.topics.uptime, until=6, timeout=45)
        assert prober.running(), prober.log()
    probed = sorted(
        UptimeProbe.model_validate_json(r.value).event_time.timestamp() for r in records
    )
    assert len([t for t in probed if t < broker_up]) >= 3, prober.log()
