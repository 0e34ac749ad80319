"""An ``ioc`` subcommand run as a child process with given settings (tests, the demo)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Self

from ioc.config import Settings
from ioc.runtime.process import ChildProcess
from ioc.runtime.worker import settings_env


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
