"""Decision 766 by period: dossiers counted in the month, quarter and year of their own
local day (Asia/Ho_Chi_Minh), exported for the current periods only, starting again at 0
when a period turns."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from ioc.aggregate import PartitionState, apply_batch
from ioc.aggregate.gauges import gauges
from ioc.aggregate.kpi import period_ids
from ioc.aggregate.state import PERIODS, Lookups, expire
from ioc.catalog import Catalog
from ioc.ingest.batch import Batch
from ioc.metrics import spec
from tests.conftest import as_fact, dossier

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def at(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


def apply(
    catalog: Catalog, docs: list[dict[str, Any]], state: PartitionState | None = None
) -> PartitionState:
    state = state or PartitionState()
    start = state.next_offset
    rows = [[start + i, *as_fact(d)] for i, d in enumerate(docs)]
    apply_batch(
        state,
        Batch("dossier", 0, start, start + len(rows), rows, []),
        Lookups.from_catalog(catalog),
    )
    return state


def in_period(
    state: PartitionState, catalog: Catalog, now: float, period: str, measure: str
) -> float | None:
    series = gauges([state], now, Lookups.from_catalog(catalog))[spec.DOSSIERS_IN_PERIOD.name]
    return series.get(spec.label_key("so-tnmt", "province", period, measure))


def received(when: str, n: int = 1, **over: Any) -> dict[str, Any]:
    return dossier(
        event_id=f"r-{when}-{n}", dossier_id=f"P{abs(hash(when)) % 10**9:09d}{n}",
        event_time=when, due_time="2027-03-31T17:00:00+07:00", **over,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("day", "ids"),
    [
        ("2026-11-30", ("2026-11", "2026-Q4", "2026")),
        ("2026-01-01", ("2026-01", "2026-Q1", "2026")),
        ("2026-07-15", ("2026-07", "2026-Q3", "2026")),
    ],
)
def test_a_local_day_falls_in_one_month_quarter_and_year(day: str, ids: tuple[str, ...]) -> None:
    assert period_ids(day) == ids


def test_a_received_dossier_counts_in_its_month_quarter_and_year(catalog: Catalog) -> None:
    state = apply(catalog, [received("2026-11-24T09:00:00+07:00", channel="online")])
    now = at("2026-11-24T10:00:00+07:00")
    for period in ("month", "quarter", "year"):
        assert in_period(state, catalog, now, period, "received") == 1
        assert in_period(state, catalog, now, period, "received_online") == 1


def test_the_periods_are_those_of_province_time_not_utc(catalog: Catalog) -> None:
    # 31 Dec 2026 18:30 UTC is 1 Jan 2027 01:30 in the province: a new year.
    state = apply(catalog, [received("2026-12-31T18:30:00+00:00")])
    new_year = at("2027-01-01T08:00:00+07:00")
    assert in_period(state, catalog, new_year, "year", "received") == 1
    assert in_period(state, catalog, at("2026-12-31T20:00:00+07:00"), "year", "received") is None


def test_a_new_month_starts_at_zero_but_the_quarter_keeps_counting(catalog: Catalog) -> None:
    state = apply(catalog, [received("2026-10-20T09:00:00+07:00")])
    november = at("2026-11-02T09:00:00+07:00")
    assert in_period(state, catalog, november, "month", "received") is None
    assert in_period(state, catalog, november, "quarter", "received") == 1


def test_a_late_event_counts_in_its_own_period_not_the_current_one(catalog: Catalog) -> None:
    state = apply(catalog, [received("2026-12-02T09:00:00+07:00")])
    state = apply(catalog, [received("2026-11-30T16:00:00+07:00", n=2)], state)
    now = at("2026-12-02T10:00:00+07:00")
    assert in_period(state, catalog, now, "month", "received") == 1
    assert in_period(state, catalog, now, "quarter", "received") == 2


def test_resolved_counts_on_time_against_its_due_time(catalog: Catalog) -> None:
    resolved = [
        dossier(event_id=f"s-{i}", dossier_id=f"P00000000{i}", lifecycle="resolved",
                event_time="2026-11-24T09:00:00+07:00", due_time=due)
        for i, due in enumerate(["2026-11-25T17:00:00+07:00", "2026-11-20T17:00:00+07:00"])
    ]  # fmt: skip
    state = apply(catalog, resolved)
    now = at("2026-11-24T10:00:00+07:00")
    counts = {
        m: in_period(state, catalog, now, "month", m)
        for m in ("resolved", "resolved_with_due", "resolved_on_time")
    }
    assert counts == {"resolved": 2, "resolved_with_due": 2, "resolved_on_time": 1}


def test_a_complaint_counts_against_satisfaction_in_its_period(catalog: Catalog) -> None:
    rated = dossier(event_id="q-1", lifecycle="rated", rating="complaint", due_time=None,
                    event_time="2026-11-24T09:00:00+07:00")  # fmt: skip
    state = apply(catalog, [rated])
    assert (
        in_period(state, catalog, at("2026-11-24T10:00:00+07:00"), "year", "rated_unsatisfied") == 1
    )


def test_periods_older_than_the_previous_ones_are_forgotten(catalog: Catalog) -> None:
    state = apply(catalog, [received("2026-08-10T09:00:00+07:00")])
    state = apply(catalog, [received("2026-11-24T09:00:00+07:00", n=2)], state)
    state.next_sweep_ts = 0.0  # sweep now
    expire(state, Lookups.from_catalog(catalog))
    kept = {key.split("|")[0] for key in state.kind(PERIODS)}
    # August's month goes; its quarter (Q3) is the previous one and stays, for the report.
    assert kept == {"2026-11", "2026-Q4", "2026-Q3", "2026"}


def due_on(due_time: str) -> dict[str, Any]:
    return dossier(event_id=f"d-{due_time}", dossier_id=f"P{abs(hash(due_time)) % 10**9:09d}",
                   event_time="2026-02-09T09:00:00+07:00", due_time=due_time)  # fmt: skip


@pytest.mark.parametrize(
    ("due_time", "flagged"),
    [
        ("2026-02-18T17:00:00+07:00", True),  # a Tết Wednesday
        ("2026-02-15T17:00:00+07:00", True),  # a Sunday
        ("2026-02-13T17:00:00+07:00", False),  # the Friday before Tết
        ("2026-08-22T10:00:00+07:00", False),  # a compensatory Saturday
        ("2026-02-17T23:30:00+07:00", True),  # Tết in province time, Tuesday in UTC too
        ("2026-02-13T18:00:00+00:00", True),  # Friday in UTC, Saturday 01:00 in the province
    ],
    ids=[
        "tet-weekday",
        "sunday",
        "friday-before-tet",
        "worked-saturday",
        "tet-night",
        "utc-friday",
    ],
)
def test_a_dossier_due_on_a_day_off_is_flagged_in_its_receipts_period(
    catalog: Catalog, due_time: str, flagged: bool
) -> None:
    state = apply(catalog, [due_on(due_time)])
    now = datetime(2026, 2, 9, 10, 0, tzinfo=TZ).timestamp()
    assert in_period(state, catalog, now, "month", "received_due_on_day_off") == (
        1 if flagged else 0
    )
