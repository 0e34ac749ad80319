"""The docs name every metric the worker exports, so operators can look each one up."""

from __future__ import annotations

from pathlib import Path

import pytest

from ioc.metrics import spec

DOCS = Path(__file__).parents[2] / "docs"
NAMES = (
    [f"{c.name}_total" for c in spec.COUNTERS]
    + [h.name for h in spec.HISTOGRAMS]
    + [g.name for g in spec.GAUGES]
)


@pytest.mark.parametrize("name", NAMES)
def test_metric_is_in_the_metrics_reference(name: str) -> None:
    assert f"`{name}" in (DOCS / "metrics.md").read_text()


@pytest.mark.parametrize("name", NAMES)
def test_metric_is_in_the_kpi_reference_or_is_pipeline_accounting(name: str) -> None:
    pipeline = {
        "ioc_events_processed_total",
        "ioc_events_dead_lettered_total",
        "ioc_events_rerouted_total",
        "ioc_soc_alert_status_changes_total",
        "ioc_soc_alert_status_duplicates_total",
        "ioc_dossiers_duplicate_steps_total",
        "ioc_state_entities",
    }
    assert name in pipeline or name in (DOCS / "kpis.md").read_text()
