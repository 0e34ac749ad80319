from __future__ import annotations

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from ioc.aggregate import PartitionState, apply_batch
from ioc.aggregate.state import Lookups
from ioc.catalog import load_catalog
from ioc.ingest.batch import Batch
from ioc.ingest.validate import DEAD_LETTER_REASONS
from streams.collector import StateCollector
from tests.conftest import as_fact, soc_alert, uptime_probe

LOOKUPS = Lookups(service_tier={"cong-dvc": "1"})


Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def exposition(
    states: list[PartitionState],
    lookups: Lookups | None = None,
    source: str = "soc",
    ready: bool = True,
) -> Samples:
    """The exposition of ``states``, the i-th being source partition i's only shard."""
    registry = CollectorRegistry()
    lookups = lookups or Lookups(service_tier={"cong-dvc": "1"})
    shards = [(source, str(i), state) for i, state in enumerate(states)]
    registry.register(StateCollector(lambda: shards, lookups, ready=lambda: ready))
    text = generate_latest(registry).decode()
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def test_counters_carry_their_source_partition_and_are_named_total() -> None:
    lookups = Lookups(service_tier={"cong-dvc": "1"})
    a, b = PartitionState(), PartitionState()
    alert = as_fact(soc_alert())
    apply_batch(a, Batch("soc", 0, 0, 1, [[0, *alert]], []), lookups)
    apply_batch(b, Batch("soc", 1, 0, 2, [[0, *alert], [1, *alert]], []), lookups)
    samples = exposition([a, b])
    key = (("agency", "so-tc"), ("asset_type", "desktop"))
    assert (
        samples[("ioc_soc_alerts_total", (*key, ("partition", "0"), ("severity", "medium")))] == 1
    )
    assert (
        samples[("ioc_soc_alerts_total", (*key, ("partition", "1"), ("severity", "medium")))] == 2
    )
    assert samples[("ioc_events_processed_total", (("partition", "1"), ("source", "soc")))] == 2


def test_shards_of_one_partition_are_summed_into_its_series() -> None:
    lookups = Lookups(service_tier={"cong-dvc": "1"})
    a, b = PartitionState(), PartitionState()
    alert = as_fact(soc_alert())
    apply_batch(a, Batch("soc", 0, 0, 1, [[0, *alert]], []), lookups)
    apply_batch(b, Batch("soc", 0, 1, 2, [[1, *alert]], []), lookups)
    registry = CollectorRegistry()
    registry.register(StateCollector(lambda: [("soc", "0", a), ("soc", "0", b)], lookups))
    text = generate_latest(registry).decode()
    assert 'ioc_events_processed_total{partition="0",source="soc"} 2.0' in text


def test_nothing_of_the_state_is_exported_while_tables_are_recovered() -> None:
    state = PartitionState()
    apply_batch(state, Batch("soc", 0, 0, 1, [[0, *as_fact(soc_alert())]], []), LOOKUPS)
    assert exposition([state], ready=False) == {}


def test_histogram_buckets_are_cumulative_with_inf_count_and_sum() -> None:
    lookups = Lookups(service_tier={"cong-dvc": "1"})
    state = PartitionState()
    probes = [
        [i, *as_fact(uptime_probe(duration_seconds=d))] for i, d in enumerate([0.04, 0.3, 50.0])
    ]
    apply_batch(state, Batch("uptime", 0, 0, 3, probes, []), lookups)
    samples = exposition([state])
    labels = (("partition", "0"), ("service", "cong-dvc"), ("tier", "1"))

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


def test_without_state_only_clock_driven_gauges_have_samples() -> None:
    # (and the services' names, from the catalog like the maintenance windows)
    assert {name for name, _ in exposition([])} == {"ioc_uptime_in_maintenance", "ioc_service_info"}


def test_every_dead_letter_reason_of_an_owned_partition_exists_at_zero_from_the_start() -> None:
    samples = exposition([PartitionState()], source="dossier")
    dead = {k: v for k, v in samples.items() if k[0] == "ioc_events_dead_lettered_total"}
    assert len(dead) == len(DEAD_LETTER_REASONS) + 1  # + apply_failed
    assert {dict(labels)["source"] for _, labels in dead} == {"dossier"}
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
