"""What tests of the real sources share: a small catalog of their own, a topic reader."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import threading
import time
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import orjson
import yaml
from aiokafka import AIOKafkaConsumer

from ioc.catalog.loader import DEFAULT_CATALOG_PATH
from ioc.config import Settings
from ioc.runtime import free_port
from ioc.runtime.command import IocCommand


def catalog_with_services(directory: Path, services: list[dict[str, Any]]) -> Path:
    """The bundled catalog with these services (and no maintenance), written to a file."""
    doc = yaml.safe_load(DEFAULT_CATALOG_PATH.read_text())
    doc["services"] = services
    doc["maintenance"] = []
    path = directory / "catalog.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True))
    return path


def read_topic(
    settings: Settings,
    topic: str,
    until: int,
    timeout: float = 30.0,
) -> list[Any]:
    """Records of ``topic`` from the beginning, until ``until`` of them or the timeout."""

    async def read() -> list[Any]:
        consumer = AIOKafkaConsumer(
            topic,
            bootstrap_servers=settings.bootstrap_servers(),
            auto_offset_reset="earliest",
            enable_auto_commit=False,
        )
        await consumer.start()
        records: list[Any] = []
        deadline = time.monotonic() + timeout
        try:
            while len(records) < until and time.monotonic() < deadline:
                batches = await consumer.getmany(timeout_ms=500)
                for batch in batches.values():
                    records.extend(batch)
        finally:
            await consumer.stop()
        return records

    return asyncio.run(read())


def scrape(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as resp:
        text: str = resp.read().decode()
    return text


def sample(text: str, name: str, **labels: str) -> float | None:
    from prometheus_client.parser import text_string_to_metric_families

    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
                return float(s.value)
    return None


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


@contextlib.contextmanager
def platform(tls: ssl.SSLContext | None = None) -> Iterator[int]:
    """A platform to probe: /up answers 200, anything else 500; HTTPS with ``tls``."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Platform)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def http_service(service_id: str, url: str, **over: Any) -> dict[str, Any]:
    return {
        "id": service_id,
        "name": service_id,
        "tier": 1,
        "probe_kind": "http",
        "target": url,
        "agency": "so-tttt",
        "interval_seconds": 1,
        "timeout_seconds": 0.5,
        **over,
    }


@contextlib.contextmanager
def real_sources(settings: Settings, tmp_path: Path) -> Iterator[list[int]]:
    """The prober (an HTTPS platform, up, and an HTTP one, down), the Wazuh intake (three
    alert lines, one not an alert) and the HTTP intake (one post, one good and one bad
    item), each running and having published; yields their /metrics ports."""
    from tests.conftest import dossier
    from tests.sources.wazuh_lines import line, wazuh_alert
    from tests.tls import expiring_in, server_context

    cert, key = expiring_in(tmp_path, days=40)
    alerts = tmp_path / "alerts.json"
    alerts.write_bytes(line(wazuh_alert("1.1")) + b"not an alert\n" + line(wazuh_alert("1.2")))
    ports = [free_port(), free_port(), free_port()]
    token = "dashboard-test-token-0123456789"
    with platform(server_context(cert, key)) as tls_port, platform() as plain_port:
        catalog = catalog_with_services(
            tmp_path,
            [
                http_service("cong-dvc", f"https://localhost:{tls_port}/up", ca_file=str(cert)),
                http_service("lgsp", f"http://127.0.0.1:{plain_port}/down"),
            ],
        )
        commands = [
            IocCommand(
                settings,
                ["probe", "--metrics-port", str(ports[0])],
                tmp_path / "probe.log",
                env={"IOC_CATALOG_PATH": str(catalog)},
            ),
            IocCommand(
                settings,
                [
                    "intake",
                    "wazuh",
                    "--alerts-file",
                    str(alerts),
                    "--from-beginning",
                    "--checkpoint",
                    str(tmp_path / "wazuh.checkpoint"),
                    "--metrics-port",
                    str(ports[1]),
                ],
                tmp_path / "wazuh.log",
            ),
            IocCommand(
                settings,
                ["intake", "http", "--host", "127.0.0.1", "--port", str(ports[2])],
                tmp_path / "http.log",
                env={"IOC_INTAKE_TOKENS": token},
            ),
        ]
        with contextlib.ExitStack() as stack:
            for command in commands:
                stack.enter_context(command)
            _wait_http(f"http://127.0.0.1:{ports[2]}/healthz")
            request = urllib.request.Request(
                f"http://127.0.0.1:{ports[2]}/v1/events",
                data=orjson.dumps(dossier(event_id="dash-1"))
                + b"\n"
                + orjson.dumps(dossier(agency="nowhere"))
                + b"\n",
                headers={
                    "Authorization": f"Bearer {token}",
                    "Content-Type": "application/x-ndjson",
                },
                method="POST",
            )
            with urllib.request.urlopen(request, timeout=30) as resp:
                assert resp.status == 200
            read_topic(settings, settings.topics.soc, until=2)
            read_topic(settings, settings.topics.uptime, until=4)
            yield ports


def _wait_http(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
