"""Paused clocks: the days a dossier waits for the citizen's documents are not the agency's.
Its due time moves by the office time it waited (the working calendar), in the state and in
the ground truth alike; while it waits it is not overdue."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson
import pytest

from ioc.aggregate import PartitionState, apply_batch
from ioc.aggregate.gauges import gauges
from ioc.aggregate.state import PAUSED, Lookups
from ioc.catalog import Catalog, load_catalog
from ioc.contracts import DossierEvent
from ioc.metrics import spec
from ioc.simulate import GroundTruth
from tests.conftest import dossier
from tests.unit.test_aggregate import batch, count

# Received Monday 23/11/2026 09:00, due Wednesday 25/11 17:00. The agency asks for more
# documents on Tuesday 10:00; they come on Thursday 10:00: 7 + 9.5 + 2.5 = 19 office hours
# waited, so the due time moves to Friday 27/11 17:00.
DUE = "2026-11-25T17:00:00+07:00"
REQUESTED = "2026-11-24T10:00:00+07:00"
SUBMITTED = "2026-11-26T10:00:00+07:00"


@pytest.fixture(scope="module")
def lookups() -> Lookups:
    return Lookups.from_catalog(load_catalog())


def step(lifecycle: str, at: str, n: int) -> dict[str, Any]:
    return dossier(lifecycle=lifecycle, event_time=at, due_time=DUE, event_id=f"d-{n}")


def paused_then(*closing: tuple[str, str]) -> list[dict[str, Any]]:
    events = [
        step("received", "2026-11-23T09:00:00+07:00", 0),
        step("additional_docs_requested", REQUESTED, 1),
    ]
    return events + [step(lifecycle, at, 2 + i) for i, (lifecycle, at) in enumerate(closing)]


def apply(events: list[dict[str, Any]], lookups: Lookups) -> PartitionState:
    state = PartitionState()
    apply_batch(state, batch(events, source="dossier"), lookups)
    return state


def timeliness(state: PartitionState, when: str) -> float:
    return count(state, spec.DOSSIERS_RESOLVED_TIMELINESS, "so-tnmt", "province", when)


def at(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


def overdue(state: PartitionState, lookups: Lookups, now: str) -> float:
    exported = gauges([state], at(now), lookups)[spec.DOSSIERS_OVERDUE.name]
    return exported.get(spec.label_key("so-tnmt", "province"), 0)


def test_a_dossier_resolved_within_its_moved_due_time_is_on_time(lookups: Lookups) -> None:
    state = apply(
        paused_then(("additional_docs_submitted", SUBMITTED),
                    ("resolved", "2026-11-27T16:00:00+07:00")),
        lookups,
    )  # fmt: skip
    assert timeliness(state, "on_time") == 1
    assert timeliness(state, "late") == 0


def test_the_same_resolution_without_the_pause_is_late(lookups: Lookups) -> None:
    state = apply(
        [step("received", "2026-11-23T09:00:00+07:00", 0),
         step("resolved", "2026-11-27T16:00:00+07:00", 1)],
        lookups,
    )  # fmt: skip
    assert timeliness(state, "late") == 1


def test_a_dossier_resolved_after_its_moved_due_time_is_late(lookups: Lookups) -> None:
    state = apply(
        paused_then(("additional_docs_submitted", SUBMITTED),
                    ("resolved", "2026-11-30T08:00:00+07:00")),
        lookups,
    )  # fmt: skip
    assert timeliness(state, "late") == 1


def test_a_dossier_waiting_for_the_citizen_is_not_overdue(lookups: Lookups) -> None:
    state = apply(paused_then(), lookups)
    assert overdue(state, lookups, "2026-11-26T09:00:00+07:00") == 0  # past the first due
    assert (
        gauges([state], at("2026-11-26T09:00:00+07:00"), lookups)[spec.DOSSIERS_IN_PROGRESS.name][
            spec.label_key("so-tnmt", "province")
        ]
        == 1
    )


def test_after_the_documents_come_it_is_overdue_only_past_the_moved_due_time(
    lookups: Lookups,
) -> None:
    state = apply(paused_then(("additional_docs_submitted", SUBMITTED)), lookups)
    assert overdue(state, lookups, "2026-11-27T16:59:00+07:00") == 0
    assert overdue(state, lookups, "2026-11-27T17:01:00+07:00") == 1


def test_a_dossier_closed_while_still_waiting_is_judged_with_the_wait_up_to_its_closing(
    lookups: Lookups,
) -> None:
    # Closed on Thursday 10:00 without the documents: 19 office hours waited, due Friday.
    state = apply(paused_then(("resolved", SUBMITTED)), lookups)
    assert timeliness(state, "late") == 0
    assert PAUSED not in state.entities or not state.kind(PAUSED)


def test_a_second_request_while_waiting_keeps_the_first_ones_start(lookups: Lookups) -> None:
    state = apply(
        paused_then(("additional_docs_requested", "2026-11-25T10:00:00+07:00"),
                    ("additional_docs_submitted", SUBMITTED),
                    ("resolved", "2026-11-27T16:00:00+07:00")),
        lookups,
    )  # fmt: skip
    assert timeliness(state, "on_time") == 1


def test_a_wait_across_tet_counts_only_its_office_hours(lookups: Lookups) -> None:
    # Asked on Friday 13/02/2026 16:00, documents on Monday 23/02 08:30: 2 office hours,
    # so a dossier due Monday 23/02 10:00 is due at 12:00 (not nine days later).
    due = "2026-02-23T10:00:00+07:00"
    events = [
        dossier(event_id="t-0", event_time="2026-02-12T09:00:00+07:00", due_time=due),
        dossier(event_id="t-1", lifecycle="additional_docs_requested", due_time=due,
                event_time="2026-02-13T16:00:00+07:00"),
        dossier(event_id="t-2", lifecycle="additional_docs_submitted", due_time=due,
                event_time="2026-02-23T08:30:00+07:00"),
    ]  # fmt: skip
    state = apply(events, lookups)
    assert overdue(state, lookups, "2026-02-23T11:59:00+07:00") == 0
    assert overdue(state, lookups, "2026-02-23T12:01:00+07:00") == 1


@pytest.mark.parametrize(
    "closing",
    [
        [("additional_docs_submitted", SUBMITTED), ("resolved", "2026-11-27T16:00:00+07:00")],
        [("additional_docs_submitted", SUBMITTED), ("resolved", "2026-11-30T08:00:00+07:00")],
        [("resolved", SUBMITTED)],
        [("additional_docs_submitted", SUBMITTED), ("additional_docs_submitted", SUBMITTED),
         ("resolved", "2026-11-27T16:00:00+07:00")],
    ],
    ids=["on-time", "late", "closed-waiting", "submitted-twice"],
)  # fmt: skip
def test_the_ground_truth_judges_a_paused_dossier_as_the_state_does(
    lookups: Lookups, closing: list[tuple[str, str]]
) -> None:
    events = paused_then(*closing)
    state = apply(events, lookups)
    truth = GroundTruth(load_catalog())
    for doc in events:
        truth.record(DossierEvent.model_validate_json(orjson.dumps(doc)))
    name = spec.DOSSIERS_RESOLVED_TIMELINESS.name + "_total"
    expected = {
        dict(labels)["timeliness"]: v for (n, labels), v in truth.samples.items() if n == name
    }
    for when in ("early", "on_time", "late"):
        assert timeliness(state, when) == expected.get(when, 0), when


def test_catalog_fixture_is_the_bundled_one(catalog: Catalog) -> None:
    assert catalog.calendar  # the paused-clock figures above need the 2026 calendar


def late_bucket(lookups: Lookups, due: str, now: str) -> dict[str, float]:
    state = apply([dossier(event_time="2026-02-02T09:00:00+07:00", due_time=due)], lookups)
    series = gauges([state], at(now), lookups)[spec.DOSSIERS_OVERDUE_WORKING_DAYS.name]
    return {k.rsplit("|", 1)[1]: v for k, v in series.items()}


def test_overdue_days_are_working_days_so_tet_does_not_make_a_dossier_later(
    lookups: Lookups,
) -> None:
    # Due Friday 13/02/2026, the last office day before Tết; on Monday 23/02 it is 1
    # working day late, not 10 calendar days.
    assert late_bucket(lookups, "2026-02-13T17:00:00+07:00", "2026-02-23T09:00:00+07:00") == {
        "1": 1
    }


def test_a_dossier_due_earlier_today_is_late_by_zero_working_days(lookups: Lookups) -> None:
    assert late_bucket(lookups, "2026-02-09T10:00:00+07:00", "2026-02-09T11:00:00+07:00") == {
        "0": 1
    }


def test_a_week_of_office_days_late_falls_in_the_two_to_five_bucket(lookups: Lookups) -> None:
    assert late_bucket(lookups, "2026-02-02T17:00:00+07:00", "2026-02-09T09:00:00+07:00") == {
        "2-5": 1
    }
