"""Run the Debian-packaged Alertmanager (``prometheus-alertmanager``) and read its alerts."""

from __future__ import annotations

import urllib.request
from pathlib import Path
from typing import Any

import orjson
import yaml

from ioc.runtime.packaged import PackagedServer

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CONFIG = PROJECT_ROOT / "deploy" / "alertmanager" / "alertmanager.yml"


def local_config(webhook_url: str, fast: bool = False) -> dict[str, Any]:
    """The project's Alertmanager config with every webhook pointed at ``webhook_url``
    (``/oncall`` and ``/operations`` kept). ``fast`` shortens grouping waits for tests."""
    config: dict[str, Any] = yaml.safe_load(CONFIG.read_text())
    for receiver in config["receivers"]:
        for hook in receiver.get("webhook_configs", []):
            hook["url"] = webhook_url.rstrip("/") + "/" + hook["url"].rsplit("/", 1)[1]
    if fast:
        routes = [config["route"], *config["route"].get("routes", [])]
        for route in routes:
            for key, value in (("group_wait", "1s"), ("group_interval", "1s")):
                if key in route or route is config["route"]:
                    route[key] = value
    return config


class AlertmanagerServer(PackagedServer):
    binaries = ("prometheus-alertmanager", "alertmanager")
    package = "prometheus-alertmanager"
    config_name = "alertmanager.yml"

    def arguments(self, config_file: Path) -> list[str]:
        return [
            f"--config.file={config_file}",
            f"--storage.path={self.workdir / 'data'}",
            f"--web.listen-address=127.0.0.1:{self.port}",
            # No gossip: one instance, and no port clash between test runs.
            "--cluster.listen-address=",
        ]

    def alerts(self) -> list[dict[str, Any]]:
        """Active alerts (``GET /api/v2/alerts``), resolved ones excluded by Alertmanager."""
        with urllib.request.urlopen(f"{self.url}/api/v2/alerts", timeout=5) as resp:
            result: list[dict[str, Any]] = orjson.loads(resp.read())
        return result
