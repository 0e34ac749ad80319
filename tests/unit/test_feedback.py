"""Citizen feedback (PAKN) in the aggregation state: each step counts once, whatever its
event id or order, and the portal's measures follow."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from ioc.aggregate import PartitionState, apply_batch
from ioc.aggregate.gauges import gauges
from ioc.aggregate.state import FEEDBACK, Lookups, close_abandoned
from ioc.catalog import Catalog
from ioc.ingest.batch import Batch
from ioc.metrics import spec
from tests.conftest import as_fact, feedback

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
WHERE = ("so-tnmt", "province")


def step(n: int, lifecycle: str, when: str, **over: Any) -> dict[str, Any]:
    doc = feedback(event_id=f"f-{n}", lifecycle=lifecycle, event_time=when, **over)
    if lifecycle != "received":
        doc.pop("due_time")
    return doc


RECEIVED = step(0, "received", "2026-11-23T09:00:00+07:00")


@pytest.fixture
def lookups(catalog: Catalog) -> Lookups:
    return Lookups.from_catalog(catalog)


def apply(state: PartitionState, lookups: Lookups, *docs: dict[str, Any]) -> None:
    start = state.next_offset
    rows = [[start + i, *as_fact(d)] for i, d in enumerate(docs)]
    apply_batch(state, Batch("feedback", 0, start, start + len(rows), rows, []), lookups)


def count(state: PartitionState, metric: spec.CounterSpec, *labels: str) -> float:
    return state.counters.get(metric.name, {}).get(spec.label_key(*labels), 0)


def month(state: PartitionState, lookups: Lookups, measure: str) -> float:
    now = datetime(2026, 11, 30, 12, tzinfo=HCM).timestamp()
    series = gauges([state], now, lookups)[spec.DOSSIERS_IN_PERIOD.name]
    return series.get(spec.label_key(*WHERE, "month", measure), 0)


def test_a_feedback_received_twice_under_two_ids_counts_once(lookups: Lookups) -> None:
    state = PartitionState()
    apply(state, lookups, RECEIVED, {**RECEIVED, "event_id": "f-again"})
    assert count(state, spec.FEEDBACK_RECEIVED, *WHERE) == 1
    assert count(state, spec.FEEDBACK_DUPLICATE_STEPS, "received") == 1


def test_a_resolution_that_comes_before_its_receipt_counts_once_and_closes_it(
    lookups: Lookups,
) -> None:
    state = PartitionState()
    resolved = step(1, "resolved", "2026-11-25T09:00:00+07:00")
    apply(state, lookups, resolved, RECEIVED, {**resolved, "event_id": "f-again"})
    assert count(state, spec.FEEDBACK_RECEIVED, *WHERE) == 1
    assert count(state, spec.FEEDBACK_DUPLICATE_STEPS, "resolved") == 1
    assert not state.kind(FEEDBACK)  # not left in progress


def test_a_resolution_without_its_due_time_is_judged_by_the_receipts(lookups: Lookups) -> None:
    state = PartitionState()
    apply(state, lookups, RECEIVED, step(1, "resolved", "2026-12-04T09:00:00+07:00"))
    assert count(state, spec.FEEDBACK_RESOLVED_TIMELINESS, *WHERE, "late") == 1


def test_late_unsatisfied_and_complained_about_counts_once_against_satisfaction(
    lookups: Lookups,
) -> None:
    state = PartitionState()
    apply(
        state,
        lookups,
        RECEIVED,
        step(1, "resolved", "2026-12-04T09:00:00+07:00"),
        step(2, "rated", "2026-12-04T10:00:00+07:00", rating="unsatisfied"),
        step(3, "complaint", "2026-12-05T10:00:00+07:00"),
    )
    now = datetime(2026, 12, 6, 12, tzinfo=HCM).timestamp()
    series = gauges([state], now, lookups)[spec.DOSSIERS_IN_PERIOD.name]
    assert series[spec.label_key(*WHERE, "month", "feedback_dissatisfied")] == 1
    assert count(state, spec.FEEDBACK_COMPLAINTS, *WHERE) == 1
    assert count(state, spec.FEEDBACK_RATED, *WHERE, "unsatisfied") == 1


def test_a_feedback_past_its_due_time_is_overdue_without_a_new_event(lookups: Lookups) -> None:
    state = PartitionState()
    apply(state, lookups, RECEIVED)
    key = spec.label_key(*WHERE)
    before = datetime(2026, 12, 3, 16, tzinfo=HCM).timestamp()
    after = datetime(2026, 12, 3, 18, tzinfo=HCM).timestamp()
    assert gauges([state], before, lookups)[spec.FEEDBACK_OVERDUE.name][key] == 0
    assert gauges([state], after, lookups)[spec.FEEDBACK_OVERDUE.name][key] == 1
    assert gauges([state], after, lookups)[spec.FEEDBACK_IN_PROGRESS.name][key] == 1


def test_a_feedback_never_resolved_is_closed_out_after_the_retention(lookups: Lookups) -> None:
    state = PartitionState()
    apply(state, lookups, RECEIVED)
    state.max_event_ts = datetime(2027, 6, 1, tzinfo=HCM).timestamp()
    close_abandoned(state, lookups)
    assert not state.kind(FEEDBACK)
    assert count(state, spec.FEEDBACK_ABANDONED, *WHERE) == 1


def test_the_period_measures_count_resolutions_on_time_in_their_own_month(
    lookups: Lookups,
) -> None:
    state = PartitionState()
    apply(state, lookups, RECEIVED, step(1, "resolved", "2026-11-27T09:00:00+07:00"))
    assert month(state, lookups, "feedback_received") == 1
    assert month(state, lookups, "feedback_resolved_with_due") == 1
    assert month(state, lookups, "feedback_resolved_on_time") == 1
    assert month(state, lookups, "feedback_dissatisfied") == 0
