"""The portal's Decision 766 sub-indicators over a hand-computed month (tests/worked_month.py),
through the core: the state's period measures and gauges, then the portal's formulas."""

from __future__ import annotations

import pytest

from ioc.aggregate import PartitionState, apply_batch
from ioc.aggregate.gauges import gauges
from ioc.aggregate.portal766 import BY_CODE, SUB_INDICATORS, score
from ioc.aggregate.state import Lookups
from ioc.catalog import Catalog
from ioc.ingest.batch import Batch
from ioc.metrics import spec
from tests.conftest import as_fact
from tests.worked_month import AGENCY, AGENCY_RATES, COMMUNE, COMMUNE_RATES, NOW, events


@pytest.fixture(scope="module")
def figures(catalog: Catalog) -> dict[str, dict[str, float]]:
    rows = [[i, *as_fact(e)] for i, e in enumerate(events())]
    state = PartitionState()
    apply_batch(state, Batch("dossier", 0, 0, len(rows), rows, []), Lookups.from_catalog(catalog))
    return gauges([state], NOW.timestamp(), Lookups.from_catalog(catalog))


def measures(figures: dict[str, dict[str, float]], agency: str, level: str) -> dict[str, float]:
    series = figures[spec.DOSSIERS_IN_PERIOD.name]
    return {
        m: series.get(spec.label_key(agency, level, "month", m), 0.0) for m in spec.PERIOD_MEASURES
    }


def now(figures: dict[str, dict[str, float]], agency: str, level: str) -> dict[str, float]:
    """The gauges of cases in progress and overdue of one agency, by metric name."""
    key = spec.label_key(agency, level)
    gauges = (spec.DOSSIERS_IN_PROGRESS, spec.DOSSIERS_OVERDUE, spec.FEEDBACK_IN_PROGRESS,
              spec.FEEDBACK_OVERDUE)  # fmt: skip
    return {g.name: figures[g.name][key] for g in gauges}


def rate(figures: dict[str, dict[str, float]], code: str, agency: str, level: str) -> float | None:
    indicator = BY_CODE[code]
    cases = now(figures, agency, level)
    in_progress, overdue = indicator.in_progress or ("", "")
    return indicator.rate(
        measures(figures, agency, level), cases.get(in_progress, 0), cases.get(overdue, 0)
    )


@pytest.mark.parametrize("code", AGENCY_RATES)
def test_each_sub_indicator_of_an_agency_follows_the_portals_formula(
    figures: dict[str, dict[str, float]], code: str
) -> None:
    assert rate(figures, code, AGENCY, "province") == pytest.approx(AGENCY_RATES[code])


@pytest.mark.parametrize("code", COMMUNE_RATES)
def test_each_sub_indicator_of_a_commune_follows_the_portals_formula(
    figures: dict[str, dict[str, float]], code: str
) -> None:
    assert rate(figures, code, COMMUNE, "commune") == pytest.approx(COMMUNE_RATES[code])


def test_what_a_commune_cannot_report_has_no_value_not_zero(
    figures: dict[str, dict[str, float]],
) -> None:
    got = measures(figures, COMMUNE, "commune")
    # C01's result is not a document, and neither dossier names replaceable components.
    assert BY_CODE["electronic_result"].rate(got) is None
    assert BY_CODE["components_replaced"].rate(got) is None


def test_the_score_adds_the_points_of_each_rate_beside_the_maximum_it_could_reach(
    figures: dict[str, dict[str, float]],
) -> None:
    got = score(measures(figures, AGENCY, "province"), "province", now(figures, AGENCY, "province"))
    points = {s.code: s.points for s in SUB_INDICATORS}
    assert got.points == pytest.approx(sum(points[c] * r for c, r in AGENCY_RATES.items()))
    # Rows 4, 5, 6, 11, 12, 14, 21, 22, 23, 24.
    assert got.maximum == 6 + 20 + 12 + 6 + 4 + 2 + 6 + 6 + 6 + 10


def test_a_communes_score_leaves_out_the_province_only_sub_indicator(
    figures: dict[str, dict[str, float]],
) -> None:
    got = score(measures(figures, COMMUNE, "commune"), "commune", now(figures, COMMUNE, "commune"))
    # Full-online provision (row 6) is scored for the province only; C01 is eligible.
    assert "full_online" not in got.by_code


def test_without_citizen_feedback_dossier_satisfaction_takes_half_the_feedback_points(
    figures: dict[str, dict[str, float]],
) -> None:
    got = score(measures(figures, COMMUNE, "commune"), "commune", now(figures, COMMUNE, "commune"))
    # phuong-cua-lo had no feedback: row 23 is worth 6 + 6 / 2; rows 21 and 22 have no value.
    assert got.by_code["dossier_satisfaction"] == pytest.approx(9 * 1)
    assert got.points == pytest.approx(6 * 1 + 20 * 0.5 + 4 * 0 + 9 * 1 + 10 * 1)
    assert got.maximum == 6 + 20 + 4 + 9 + 10


def test_a_version_1_dossier_counts_where_it_always_did_and_nowhere_new(
    figures: dict[str, dict[str, float]],
) -> None:
    got = measures(figures, AGENCY, "province")
    assert got["received"] == 13  # D12 among them
    assert got["received_eligible"] == 9  # D12 reports no eligibility
