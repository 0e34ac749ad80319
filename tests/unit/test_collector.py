from __future__ import annotations

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from ioc.aggregate import PartitionState, apply_batch
from ioc.aggregate.state import Lookups
from ioc.catalog import load_catalog
from ioc.ingest.batch import Batch
from ioc.ingest.validate import DEAD_LETTER_REASONS
from ioc.metrics.collector import StateCollector
from tests.conftest import as_fact, soc_alert, uptime_probe


def exposition(
    states: list[PartitionState], lookups: Lookups | None = None
) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    registry = CollectorRegistry()
    lookups = lookups or Lookups(service_tier={"cong-dvc": "1"})
    registry.register(StateCollector(lambda: states, lookups))
    text = generate_latest(registry).decode()
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def test_counters_are_summed_over_partitions_and_named_total() -> None:
    lookups = Lookups(service_tier={"cong-dvc": "1"})
    a, b = PartitionState(), PartitionState()
    alert = as_fact(soc_alert())
    apply_batch(a, Batch("soc", 0, 0, 1, [[0, *alert]], []), lookups)
    apply_batch(b, Batch("soc", 1, 0, 2, [[0, *alert], [1, *alert]], []), lookups)
    samples = exposition([a, b])
    key = (("agency", "so-tc"), ("asset_type", "desktop"), ("severity", "medium"))
    assert samples[("ioc_soc_alerts_total", key)] == 3
    assert samples[("ioc_events_processed_total", (("source", "soc"),))] == 3


def test_histogram_buckets_are_cumulative_with_inf_count_and_sum() -> None:
    lookups = Lookups(service_tier={"cong-dvc": "1"})
    state = PartitionState()
    probes = [
        [i, *as_fact(uptime_probe(duration_seconds=d))] for i, d in enumerate([0.04, 0.3, 50.0])
    ]
    apply_batch(state, Batch("uptime", 0, 0, 3, probes, []), lookups)
    samples = exposition([state])
    labels = (("service", "cong-dvc"), ("tier", "1"))

    def bucket(le: str) -> float:
        return samples[
            ("ioc_uptime_probe_duration_seconds_bucket", tuple(sorted((*labels, ("le", le)))))
        ]

    assert bucket("0.05") == 1
    assert bucket("0.5") == 2
    assert bucket("30.0") == 2
    assert bucket("+Inf") == 3
    assert samples[("ioc_uptime_probe_duration_seconds_count", labels)] == 3
    assert abs(samples[("ioc_uptime_probe_duration_seconds_sum", labels)] - 50.34) < 1e-9


def test_without_state_only_clock_driven_gauges_and_known_zero_series_have_samples() -> None:
    assert {name for name, _ in exposition([])} == {
        "ioc_uptime_in_maintenance",
        "ioc_events_dead_lettered_total",
        "ioc_events_rerouted_total",
        "ioc_soc_alerts_abandoned_total",
    }


def test_every_dead_letter_reason_of_every_source_exists_at_zero_from_the_start() -> None:
    dead = {k: v for k, v in exposition([]).items() if k[0] == "ioc_events_dead_lettered_total"}
    assert len(dead) == 3 * (len(DEAD_LETTER_REASONS) + 1)  # + apply_failed
    assert set(dead.values()) == {0.0}


def test_overdue_and_in_progress_dossiers_exist_at_zero_for_every_catalog_agency() -> None:
    lookups = Lookups.from_catalog(load_catalog())
    samples = exposition([], lookups)
    overdue = {k: v for k, v in samples.items() if k[0] == "ioc_dossiers_overdue"}
    assert len(overdue) == len(load_catalog().agencies)
    assert set(overdue.values()) == {0.0}
    assert (
        samples[("ioc_dossiers_in_progress", (("agency", "so-tnmt"), ("level", "province")))] == 0
    )
