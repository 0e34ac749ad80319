"""A Debian-packaged server (Prometheus, Alertmanager) run from a YAML config the project writes:
find the binary, write the config, spawn it, and wait until it says it is ready."""

from __future__ import annotations

import shutil
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Self

import yaml

from ioc.runtime.broker import free_port
from ioc.runtime.errors import Unavailable
from ioc.runtime.process import ChildProcess


class PackagedServer(ChildProcess):
    #: Names the binary may have on PATH, in order of preference.
    binaries: tuple[str, ...] = ()
    #: The Debian package to suggest when none is found.
    package = ""
    config_name = "config.yml"
    ready_timeout = 30.0

    def __init__(self, workdir: Path, config: dict[str, Any], port: int | None = None) -> None:
        super().__init__()
        self.workdir = workdir
        self.config = config
        self.port = port or free_port()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def arguments(self, config_file: Path) -> list[str]:
        raise NotImplementedError

    def start(self) -> Self:
        binary = next((b for b in map(shutil.which, self.binaries) if b), None)
        if binary is None:
            raise Unavailable(
                f"{self.binaries[0]} is not installed: run scripts/bootstrap.sh, or "
                f"apt-get install {self.package}"
            )
        self.workdir.mkdir(parents=True, exist_ok=True)
        config_file = self.workdir / self.config_name
        config_file.write_text(yaml.safe_dump(self.config, sort_keys=False))
        log = self.workdir / f"{self.binaries[0]}.log"
        self._spawn([binary, *self.arguments(config_file)], log)
        self._wait_ready(log)
        return self

    def _wait_ready(self, log: Path) -> None:
        # Both answer 503 on /-/ready while they load: a listening port is not enough.
        deadline = time.monotonic() + self.ready_timeout
        while time.monotonic() < deadline:
            if not self.running():
                raise Unavailable(f"{self.binaries[0]} exited at start; see {log}")
            try:
                with urllib.request.urlopen(f"{self.url}/-/ready", timeout=2) as resp:
                    if resp.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.1)
        name, limit = self.binaries[0], self.ready_timeout
        raise Unavailable(f"{name} not ready after {limit:g} s; see {log}")
