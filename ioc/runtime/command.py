"""An ``ioc`` subcommand run as a child process with given settings (tests, the demo)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Self

from ioc.config import Settings
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
        "IOC_STATE_SHARDS": str(settings.state_shards),
    }
    for name, topic in settings.topics.model_dump().items():
        env[f"IOC_TOPICS__{name.upper()}"] = topic
    optional = {
        "IOC_CATALOG_PATH": settings.catalog_path,
        "IOC_ALERT_RULES_PATH": settings.alert_rules_path,
        "IOC_ALERTMANAGER_URL": settings.alertmanager_url,
        "IOC_PUBLIC_URL": settings.public_url,
        "IOC_GRAFANA_URL": settings.grafana_url,
    }
    env.update({k: str(v) for k, v in optional.items() if v is not None})
    return env


class IocCommand(ChildProcess):
    def __init__(
        self,
        settings: Settings,
        args: list[str],
        log_file: Path,
        env: dict[str, str] | None = None,
    ) -> None:
        super().__init__()
        self.args = args
        self.log_file = log_file
        self.env = {**settings_env(settings), **(env or {})}

    def start(self) -> Self:
        self._spawn(
            [sys.executable, "-m", "ioc.cli.main", *self.args],
            self.log_file,
            env={**os.environ, **self.env},
        )
        return self

    def log(self) -> str:
        return self.log_file.read_text(errors="replace") if self.log_file.exists() else ""
