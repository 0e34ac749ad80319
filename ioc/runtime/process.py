"""A child process owned by the project: started in its own session, stopped with TERM then KILL."""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path
from types import TracebackType
from typing import IO, Self


class ChildProcess:
    stop_timeout = 15.0

    def __init__(self) -> None:
        self._proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Self:
        raise NotImplementedError

    def _spawn(
        self,
        argv: list[str],
        log_file: Path | None,
        env: dict[str, str] | None = None,
        inherit_output: bool = False,
    ) -> None:
        out: IO[bytes] | int | None = None  # None: a person watches it in this terminal
        if inherit_output:
            pass
        elif log_file is not None:
            log_file.parent.mkdir(parents=True, exist_ok=True)
            out = open(log_file, "ab")  # noqa: SIM115 - the child keeps it open
        else:
            out = subprocess.DEVNULL
        self._proc = subprocess.Popen(
            argv, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )

    @property
    def pid(self) -> int | None:
        return None if self._proc is None else self._proc.pid

    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def returncode(self) -> int | None:
        return None if self._proc is None else self._proc.poll()

    def wait(self, timeout: float | None = None) -> int | None:
        """Wait for the process to exit; kill it if it takes longer than ``timeout``."""
        if self._proc is None:
            return None
        try:
            return self._proc.wait(timeout=timeout or self.stop_timeout)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            return self._proc.wait()

    def signal(self, sig: signal.Signals) -> None:
        if self._proc is not None:
            self._proc.send_signal(sig)

    def stop(self) -> None:
        if self.running():
            assert self._proc is not None
            self._proc.terminate()
            self._proc.send_signal(signal.SIGCONT)  # a paused process acts on TERM only then
            self.wait()
        self._proc = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
