"""Every command that starts processes stops them all when it is told to stop.

The children run in sessions of their own (a Ctrl-C in the terminal must not reach
Prometheus before the worker has stopped), so they outlive a parent that dies without
stopping them. Each test starts a command, waits for its children, sends one signal, and
checks that the command and every child are gone.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ioc.runtime import free_port

pytestmark = pytest.mark.integration


def _alive(pid: int) -> bool:
    """Running (a zombie waiting for a parent that never reaps it counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state not in ("Z", "X")


def _children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.add(int(entry.name))
    return found


def _descendants(pid: int) -> set[int]:
    out: set[int] = set()
    todo = [pid]
    while todo:
        for child in _children(todo.pop()):
            if child not in out:
                out.add(child)
                todo.append(child)
    return out


@pytest.fixture
def command(tmp_path: Path) -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for proc in started:  # leave nothing behind, whatever the test found
        _kill(_descendants(proc.pid))
        proc.kill()
        proc.wait()


def _start(started: list[subprocess.Popen[bytes]], args: list[str], log: Path) -> int:
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "ioc.cli.main", *args], stdout=out, stderr=subprocess.STDOUT
        )
    started.append(proc)
    return proc.pid


def _wait_for_children(pid: int, n: int, timeout: float = 60) -> set[int]:
    deadline = time.monotonic() + timeout
    kids: set[int] = set()
    while time.monotonic() < deadline:
        kids = {k for k in _children(pid) if _alive(k)}
        if len(kids) >= n:
            time.sleep(1)  # let the last one get going
            return {k for k in _descendants(pid) if _alive(k)}
        time.sleep(0.2)
    raise AssertionError(f"{n} children expected, found {len(kids)}")


def _stops_everything(
    proc: subprocess.Popen[bytes], children: set[int], signum: int, timeout: float = 60
) -> None:
    proc.send_signal(signum)
    proc.wait(timeout=timeout)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and any(_alive(k) for k in children):
        time.sleep(0.1)
    survivors = [k for k in children if _alive(k)]
    _kill(set(survivors))  # not left running for the rest of the suite
    assert survivors == []


def _kill(pids: set[int]) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["TERM", "INT"])
def test_broker_command_stops_its_broker(
    command: list[subprocess.Popen[bytes]], tmp_path: Path, signum: int
) -> None:
    pid = _start(command, ["broker", "--port", str(free_port())], tmp_path / "out.log")
    children = _wait_for_children(pid, 1)
    _stops_everything(command[0], children, signum)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["TERM", "INT"])
def test_demo_stops_broker_worker_prometheus_alertmanager_and_oncall(
    command: list[subprocess.Popen[bytes]], tmp_path: Path, signum: int
) -> None:
    # Signalled while it waits for the worker to join: the hardest moment, nothing settled.
    pid = _start(command, ["demo", "--workdir", str(tmp_path / "demo")], tmp_path / "out.log")
    children = _wait_for_children(pid, 5)  # broker, on-call, Alertmanager, worker, Prometheus
    _stops_everything(command[0], children, signum)


def test_bench_stops_its_broker_and_worker_on_sigterm(
    command: list[subprocess.Popen[bytes]], tmp_path: Path
) -> None:
    pid = _start(command, ["bench", "--events", "20000"], tmp_path / "out.log")
    children = _wait_for_children(pid, 2, timeout=120)  # broker, then the worker
    _stops_everything(command[0], children, signal.SIGTERM)
