"""`ioc bench --core` times the hot path's stages offline on the benchmark's backlog, and
applies every event it times (no figure is asserted: the machines are shared)."""

from __future__ import annotations

import pytest

from benchmarks.core import STAGES, main, stage_costs


def test_every_event_of_the_offline_backlog_is_applied() -> None:
    spent, applied = stage_costs(2_000)
    assert applied == 2_000
    assert set(spent) == set(STAGES)


def test_the_report_names_each_stage_and_the_ceiling(capsys: pytest.CaptureFixture[str]) -> None:
    main(events=1_000)
    out = capsys.readouterr().out
    assert all(stage in out for stage in STAGES)
    assert "events/s per process before any Kafka I/O" in out
