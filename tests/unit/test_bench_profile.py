"""`ioc bench --profile` prints the worker's hottest functions from its cProfile dump."""

from __future__ import annotations

import cProfile
from pathlib import Path

import pytest

from benchmarks.throughput import print_profile


def _busy() -> int:
    return sum(i * i for i in range(20_000))


def test_the_profile_names_the_functions_that_took_the_time(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    profiler = cProfile.Profile()
    profiler.runcall(_busy)
    profiler.dump_stats(tmp_path / "worker.prof")
    print_profile(tmp_path / "worker.prof")
    assert "_busy" in capsys.readouterr().out


def test_a_missing_profile_is_said_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    print_profile(tmp_path / "worker.prof")
    assert capsys.readouterr().out.startswith("no profile at")
