"""`ioc probe` as the province runs it: a process, real HTTP servers, the real broker."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from ioc.config import Settings
from ioc.contracts.events import UptimeProbe
from ioc.runtime import free_port
from ioc.runtime.command import IocCommand
from tests.sources.helpers import catalog_with_services, read_topic, sample, scrape

pytestmark = pytest.mark.integration


class _Platform(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        status = 200 if self.path == "/up" else 500
        body = b"<title>ok</title>"
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def platform() -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Platform)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()


def test_ioc_probe_publishes_each_result_keyed_by_its_service(
    settings: Settings, platform: int, tmp_path: Path
) -> None:
    def http(service_id: str, path: str) -> dict[str, object]:
        return {
            "id": service_id,
            "name": service_id,
            "tier": 1,
            "probe_kind": "http",
            "target": f"http://127.0.0.1:{platform}{path}",
            "agency": "so-tttt",
            "interval_seconds": 1,
            "timeout_seconds": 0.5,
        }

    catalog = catalog_with_services(tmp_path, [http("cong-dvc", "/up"), http("lgsp", "/down")])
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
        tmp_path,
        [
            {
                "id": "cong-dvc",
                "name": "x",
                "tier": 1,
                "probe_kind": "http",
                "target": f"http://127.0.0.1:{platform}/up",
                "agency": "so-tttt",
                "interval_seconds": 1,
                "timeout_seconds": 0.5,
            }
        ],
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
