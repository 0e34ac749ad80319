"""Run the Debian-packaged Prometheus against the project's scrape config, and query it."""

from __future__ import annotations

import shutil
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any, Self

import orjson
import yaml

from ioc.runtime.broker import free_port, wait_for_port
from ioc.runtime.process import ChildProcess

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SCRAPE_CONFIG = PROJECT_ROOT / "deploy" / "prometheus" / "prometheus.yml"


def local_config(worker_targets: list[str], scrape_interval: str = "5s") -> dict[str, Any]:
    """The project's scrape config, pointed at workers on this machine."""
    config: dict[str, Any] = yaml.safe_load(SCRAPE_CONFIG.read_text())
    config["global"]["scrape_interval"] = scrape_interval
    config["global"]["evaluation_interval"] = scrape_interval
    for job in config["scrape_configs"]:
        if job["job_name"] == "ioc-worker":
            job["static_configs"] = [{"targets": worker_targets}]
            job.pop("dns_sd_configs", None)
    config.pop("rule_files", None)
    config.pop("alerting", None)
    return config


class PrometheusServer(ChildProcess):
    def __init__(self, workdir: Path, config: dict[str, Any], port: int | None = None) -> None:
        super().__init__()
        self.workdir = workdir
        self.config = config
        self.port = port or free_port()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Self:
        binary = shutil.which("prometheus")
        if binary is None:
            raise RuntimeError(
                "prometheus is not installed: apt-get install prometheus (see README.md)"
            )
        self.workdir.mkdir(parents=True, exist_ok=True)
        config_file = self.workdir / "prometheus.yml"
        config_file.write_text(yaml.safe_dump(self.config, sort_keys=False))
        self._spawn(
            [
                binary,
                f"--config.file={config_file}",
                f"--storage.tsdb.path={self.workdir / 'data'}",
                f"--web.listen-address=127.0.0.1:{self.port}",
                "--web.enable-lifecycle",
            ],
            self.workdir / "prometheus.log",
        )
        wait_for_port("127.0.0.1", self.port, timeout=30)
        return self

    def query(self, promql: str) -> list[dict[str, Any]]:
        """Instant query; returns the result vector (raises on an API error)."""
        url = f"{self.url}/api/v1/query?" + urllib.parse.urlencode({"query": promql})
        with urllib.request.urlopen(url, timeout=10) as resp:
            body = orjson.loads(resp.read())
        if body.get("status") != "success":
            raise RuntimeError(f"query {promql!r} failed: {body}")
        result: list[dict[str, Any]] = body["data"]["result"]
        return result

    def wait_for_value(self, promql: str, expected: float, timeout: float = 60.0) -> float | None:
        """Poll until the query's single value equals ``expected``; return the last value."""
        deadline = time.monotonic() + timeout
        last: float | None = None
        while time.monotonic() < deadline:
            result = self.query(promql)
            if result:
                last = float(result[0]["value"][1])
                if last == expected:
                    return last
            time.sleep(0.5)
        return last
