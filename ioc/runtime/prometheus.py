"""Run the Debian-packaged Prometheus against the project's scrape config, and query it."""

from __future__ import annotations

import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import orjson
import yaml

from ioc.runtime.packaged import PackagedServer

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SCRAPE_CONFIG = PROJECT_ROOT / "deploy" / "prometheus" / "prometheus.yml"


def local_config(
    worker_targets: list[str],
    scrape_interval: str = "5s",
    alertmanager: str | None = None,
    rules_dir: Path | None = None,
    source_targets: list[str] | None = None,
) -> dict[str, Any]:
    """The project's scrape config, pointed at workers on this machine; with ``alertmanager``
    (host:port) and ``rules_dir`` it also evaluates the rules and sends their alerts there;
    ``source_targets`` are the real sources' /metrics (none: the job is left out)."""
    config: dict[str, Any] = yaml.safe_load(SCRAPE_CONFIG.read_text())
    config["global"]["scrape_interval"] = scrape_interval
    config["global"]["evaluation_interval"] = scrape_interval
    jobs = []
    for job in config["scrape_configs"]:
        if job["job_name"] == "ioc-worker":
            job["static_configs"] = [{"targets": worker_targets}]
            job.pop("dns_sd_configs", None)
        if job["job_name"] == "ioc-sources":
            if not source_targets:
                continue
            job["static_configs"] = [{"targets": source_targets}]
            job.pop("dns_sd_configs", None)
        if job["job_name"] == "alertmanager":
            if alertmanager is None:
                continue
            job["static_configs"] = [{"targets": [alertmanager]}]
        jobs.append(job)
    config["scrape_configs"] = jobs
    if rules_dir is None:
        config.pop("rule_files", None)
    else:
        config["rule_files"] = [str(rules_dir / "*.yml")]
    if alertmanager is None:
        config.pop("alerting", None)
    else:
        config["alerting"] = {"alertmanagers": [{"static_configs": [{"targets": [alertmanager]}]}]}
    return config


class PrometheusApi:
    """Prometheus' HTTP API at ``url``: what Grafana and ``ioc report`` ask it."""

    @property
    def url(self) -> str:
        raise NotImplementedError

    def get(self, path: str, **params: str) -> Any:
        """``data`` of an HTTP API answer (raises on an API error)."""
        url = f"{self.url}{path}"
        if params:
            url += "?" + urllib.parse.urlencode(params)
        try:
            with urllib.request.urlopen(url, timeout=10) as resp:
                body = orjson.loads(resp.read())
        except urllib.error.HTTPError as exc:  # 400/422 carry the reason in their body
            body = orjson.loads(exc.read() or b"{}")
        if body.get("status") != "success":
            raise RuntimeError(f"{path} {params} failed: {body}")
        return body["data"]

    def now(self) -> float:
        """Prometheus' own clock: what range queries are measured against. A test under a
        fake clock (faketime) must not use its own: Prometheus, a Go binary, reads the real one."""
        result = self.get("/api/v1/query", query="time()")["result"]
        return float(result[1])

    def query(self, promql: str, at: float | None = None) -> list[dict[str, Any]]:
        """Instant query; returns the result vector (raises on an API error)."""
        params = {"query": promql} if at is None else {"query": promql, "time": f"{at:.3f}"}
        result: list[dict[str, Any]] = self.get("/api/v1/query", **params)["result"]
        return result

    def query_range(
        self, promql: str, start: float, end: float, step: float
    ) -> list[dict[str, Any]]:
        """Range query, as Grafana runs a time-series panel; returns the result matrix."""
        data = self.get(
            "/api/v1/query_range", query=promql, start=f"{start:.3f}", end=f"{end:.3f}",
            step=f"{step:g}",
        )  # fmt: skip
        result: list[dict[str, Any]] = data["result"]
        return result


class PrometheusClient(PrometheusApi):
    def __init__(self, url: str) -> None:
        self._url = url.rstrip("/")

    @property
    def url(self) -> str:
        return self._url


class PrometheusServer(PackagedServer, PrometheusApi):
    binaries = ("prometheus",)
    package = "prometheus"
    config_name = "prometheus.yml"
    #: How long samples are kept; a test that backfills a past month raises it.
    retention = "15d"

    def arguments(self, config_file: Path) -> list[str]:
        return [
            f"--config.file={config_file}",
            f"--storage.tsdb.path={self.data_dir}",
            f"--storage.tsdb.retention.time={self.retention}",
            f"--web.listen-address=127.0.0.1:{self.port}",
            "--web.enable-lifecycle",
        ]

    @property
    def data_dir(self) -> Path:
        return self.workdir / "data"

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
