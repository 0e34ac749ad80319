"""A worker as a child process (``ioc worker``), for the demo, tests and benchmarks."""

from __future__ import annotations

import os
import signal
import sys
import time
import urllib.request
from pathlib import Path
from typing import Self

from prometheus_client.parser import text_string_to_metric_families

from ioc.config import Settings
from ioc.metrics.spec import SampleKey, without_partitions
from ioc.runtime.errors import Unavailable
from ioc.runtime.process import ChildProcess


def settings_env(settings: Settings) -> dict[str, str]:
    """The ``IOC_*`` variables that give a child process these settings."""
    env = {
        "IOC_BROKER_URL": settings.broker_url,
        "IOC_APP_ID": settings.app_id,
        "IOC_PARTITIONS": str(settings.partitions),
        "IOC_DATA_DIR": str(settings.data_dir),
        "IOC_WEB_PORT": str(settings.web_port),
        "IOC_LATE_GRACE_SECONDS": str(settings.late_grace_seconds),
        "IOC_CLOCK_OFFSET_SECONDS": repr(settings.clock_offset_seconds),
        "IOC_DEDUP_WINDOW_SECONDS": str(settings.dedup_window_seconds),
        "IOC_FETCH_MAX_WAIT_MS": str(settings.fetch_max_wait_ms),
        "IOC_BATCH_HEARTBEAT_SECONDS": str(settings.batch_heartbeat_seconds),
    }
    for name, topic in settings.topics.model_dump().items():
        env[f"IOC_TOPICS__{name.upper()}"] = topic
    optional = {
        "IOC_CATALOG_PATH": settings.catalog_path,
        "IOC_ALERT_RULES_PATH": settings.alert_rules_path,
        "IOC_ALERTMANAGER_URL": settings.alertmanager_url,
        "IOC_PUBLIC_URL": settings.public_url,
    }
    env.update({k: str(v) for k, v in optional.items() if v is not None})
    return env


class WorkerProcess(ChildProcess):
    stop_timeout = 30.0

    def __init__(self, settings: Settings, web_port: int, log_file: Path) -> None:
        super().__init__()
        self.env = {**settings_env(settings), "IOC_WEB_PORT": str(web_port)}
        self.web_port = web_port
        self.log_file = log_file

    @property
    def metrics_url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}/metrics"

    def start(self) -> Self:
        self._spawn(
            [sys.executable, "-m", "ioc.cli.main", "worker", "--loglevel", "info"],
            self.log_file,
            env={**os.environ, **self.env},
        )
        return self

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Wait until /metrics answers (after table recovery) and ingest owns partitions."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.returncode() is not None:
                raise Unavailable(f"worker exited with {self.returncode()}; see {self.log_file}")
            try:
                if self.samples().get(("ioc_ingest_partitions_assigned", ()), 0) > 0:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise Unavailable(f"worker not ready after {timeout:g} s; see {self.log_file}")

    def scrape_text(self) -> str:
        with urllib.request.urlopen(self.metrics_url, timeout=5) as resp:
            return str(resp.read().decode())

    def samples(self) -> dict[SampleKey, float]:
        """Every sample of /metrics keyed like the ground truth: (name, sorted labels), the
        state's series summed over their source partitions."""
        return without_partitions(self.raw_samples())

    def raw_samples(self) -> dict[SampleKey, float]:
        """Every sample of /metrics as exported: (name, sorted labels)."""
        out = {}
        for family in text_string_to_metric_families(self.scrape_text()):
            for s in family.samples:
                out[(s.name, tuple(sorted(s.labels.items())))] = s.value
        return out

    def total(self, name: str) -> float:
        """The sum of all series of one sample name."""
        return sum(v for (n, _), v in self.samples().items() if n == name)

    def signal(self, sig: signal.Signals) -> None:
        if self._proc is not None:
            self._proc.send_signal(sig)
