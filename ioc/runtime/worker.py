"""A worker as a child process (``ioc worker``), for the demo, tests and benchmarks."""

from __future__ import annotations

import json
import signal
import time
import urllib.request
from pathlib import Path
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from ioc.config import Settings
from ioc.metrics.spec import SampleKey, without_partitions
from ioc.runtime.command import IocCommand
from ioc.runtime.errors import Unavailable

# A worker is ready when both of its stages own partitions.
_OWNED_PARTITIONS = ("ioc_ingest_partitions_assigned", "ioc_aggregate_partitions_assigned")


class WorkerProcess(IocCommand):
    stop_timeout = 30.0

    def __init__(self, settings: Settings, web_port: int, log_file: Path) -> None:
        super().__init__(
            settings,
            ["worker", "--loglevel", "info"],
            log_file,
            env={"IOC_WEB_PORT": str(web_port)},
        )
        self.web_port = web_port

    @property
    def metrics_url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}/metrics"

    @property
    def progress_url(self) -> str:
        """Applied offset per owned source partition, as JSON (``streams.pages``)."""
        return f"http://127.0.0.1:{self.web_port}/progress"

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Wait until the ingest owns partitions and the aggregators own theirs, recovered
        (the ingest starts first: it needs no table)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.returncode() is not None:
                raise Unavailable(f"worker exited with {self.returncode()}; see {self.log_file}")
            try:
                samples = self.samples()
                if all(samples.get((name, ()), 0) > 0 for name in _OWNED_PARTITIONS):
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

    def applied(self) -> int:
        """Source messages applied to the state, summed over the owned partitions (``/progress``:
        cheap to read often, unlike /metrics, which walks the whole state)."""
        with urllib.request.urlopen(self.progress_url, timeout=5) as resp:
            applied = json.loads(resp.read())["applied"]
        return int(sum(sum(partitions.values()) for partitions in applied.values()))

    def state_size(self) -> dict[str, Any]:
        """What the worker's state weighs, per source (``/state``)."""
        url = f"http://127.0.0.1:{self.web_port}/state"
        with urllib.request.urlopen(url, timeout=60) as resp:
            return dict(json.loads(resp.read()))

    def total(self, name: str) -> float:
        """The sum of all series of one sample name."""
        return sum(v for (n, _), v in self.samples().items() if n == name)

    def signal(self, sig: signal.Signals) -> None:
        if self._proc is not None:
            self._proc.send_signal(sig)
