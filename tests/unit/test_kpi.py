from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from ioc.aggregate import kpi

HCM = ZoneInfo("Asia/Ho_Chi_Minh")


def flap(results: str, start: list[int] | None = None) -> int:
    """Run 'F'ailure / 'S'uccess results through the flapping control; return the status."""
    state = start or [kpi.UNKNOWN, 0, 0]
    for r in results:
        state = kpi.next_flap_state(state, r == "S", down_after=3, up_after=2)
    return state[0]


def test_two_failures_then_a_success_never_report_down() -> None:
    assert flap("SFFS") == kpi.UP
    assert flap("SFF") == kpi.UP


def test_three_failures_in_a_row_report_down() -> None:
    assert flap("SFFF") == kpi.DOWN


def test_two_successes_in_a_row_restore_up() -> None:
    assert flap("SFFFS") == kpi.DOWN
    assert flap("SFFFSS") == kpi.UP


def test_a_failure_between_successes_restarts_the_recovery_count() -> None:
    assert flap("SFFFSFS") == kpi.DOWN


def test_a_service_first_seen_failing_is_down_only_after_three_failures() -> None:
    assert flap("FF") == kpi.UNKNOWN
    assert flap("FFF") == kpi.DOWN


def at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=HCM).timestamp()


def test_resolved_before_the_due_day_is_early() -> None:
    assert kpi.timeliness(at("2026-11-20T10:00"), at("2026-11-23T17:00"), HCM) == "early"


def test_resolved_on_the_due_day_before_the_due_time_is_on_time() -> None:
    assert kpi.timeliness(at("2026-11-23T08:00"), at("2026-11-23T17:00"), HCM) == "on_time"


def test_resolved_exactly_at_the_due_time_is_on_time() -> None:
    due = at("2026-11-23T17:00")
    assert kpi.timeliness(due, due, HCM) == "on_time"


def test_resolved_after_the_due_time_is_late() -> None:
    assert kpi.timeliness(at("2026-11-23T17:00:01"), at("2026-11-23T17:00"), HCM) == "late"


def test_the_due_day_is_the_local_day_not_utc() -> None:
    # 23:30 on the 22nd in Hà Nội time is 16:30 UTC on the 22nd; due 06:00 on the 23rd local
    # is 23:00 UTC on the 22nd: same UTC day, different local days.
    assert kpi.timeliness(at("2026-11-22T23:30"), at("2026-11-23T06:00"), HCM) == "early"


def test_on_time_rate_counts_early_and_on_time() -> None:
    assert kpi.on_time_rate(early=2, on_time=6, late=2) == pytest.approx(0.8)


def test_no_dossier_resolved_gives_no_rate_instead_of_a_division_by_zero() -> None:
    assert kpi.on_time_rate(0, 0, 0) is None
    assert kpi.satisfaction_rate(0, 0, 0) is None


def test_satisfaction_follows_decision_766() -> None:
    assert kpi.satisfaction_rate(all_dossiers=200, unsatisfied=6, complaints=2) == 0.96


def test_untracked_label_values_become_other() -> None:
    tracked = frozenset({"T1110"})
    assert kpi.bounded_label("T1110", tracked) == "T1110"
    assert kpi.bounded_label("T9999", tracked) == "other"


def test_risk_score_weights_open_alerts_by_severity() -> None:
    weights = {"low": 0.0, "medium": 1.0, "high": 5.0, "critical": 20.0}
    assert kpi.risk_score({"medium": 3, "high": 2, "critical": 1}, weights) == 33.0
    assert kpi.risk_score({}, weights) == 0.0


def test_a_dossier_is_overdue_only_past_its_due_time() -> None:
    assert kpi.is_overdue(100.0, 100.5)
    assert not kpi.is_overdue(100.0, 100.0)
    assert not kpi.is_overdue(None, 1e12)  # no due time: never overdue
