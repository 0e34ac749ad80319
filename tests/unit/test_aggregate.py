from __future__ import annotations

from typing import Any

from ioc.aggregate import PartitionState, apply_batch, merge_states
from ioc.aggregate.state import Lookups
from ioc.ingest.batch import Batch
from ioc.metrics import spec
from tests.conftest import as_fact, dossier, soc_alert, uptime_probe

LOOKUPS = Lookups(service_tier={"cong-dvc": "1"})


def batch(
    events: list[dict[str, Any]], start: int = 0, dead: int = 0, source: str = "soc"
) -> Batch:
    evs = [[start + i, *as_fact(e)] for i, e in enumerate(events)]
    dls: list[list[Any]] = [[start + len(events) + i, "invalid_json"] for i in range(dead)]
    return Batch(source, 0, start, start + len(events) + dead, evs, dls)


def count(state: PartitionState, metric: spec.CounterSpec, *labels: str) -> float:
    return state.counters.get(metric.name, {}).get(spec.label_key(*labels), 0)


def test_soc_alert_counts_by_severity_asset_type_and_agency() -> None:
    state = PartitionState()
    apply_batch(
        state,
        batch([soc_alert(), soc_alert(rule={"id": "1", "level": 15, "description": "x"})]),
        LOOKUPS,
    )
    assert count(state, spec.SOC_ALERTS, "medium", "desktop", "so-tc") == 1
    assert count(state, spec.SOC_ALERTS, "critical", "desktop", "so-tc") == 1


def test_processed_and_dead_lettered_account_for_every_offset() -> None:
    state = PartitionState()
    applied = apply_batch(state, batch([soc_alert()] * 3, dead=2), LOOKUPS)
    assert applied == 5
    assert count(state, spec.EVENTS_PROCESSED, "soc") == 3
    assert count(state, spec.EVENTS_DEAD_LETTERED, "soc", "invalid_json") == 2
    assert state.next_offset == 5


def test_replayed_batch_changes_nothing() -> None:
    state = PartitionState()
    b = batch([soc_alert()] * 3, dead=1)
    apply_batch(state, b, LOOKUPS)
    before = state.to_bytes()
    assert apply_batch(state, b, LOOKUPS) == 0
    assert state.to_bytes() == before


def test_partly_replayed_batch_applies_only_new_offsets() -> None:
    state = PartitionState()
    apply_batch(state, batch([soc_alert()] * 4, start=0), LOOKUPS)
    # After a crash the ingest re-reads from offset 2 and packs 2..7 together.
    apply_batch(state, batch([soc_alert()] * 6, start=2), LOOKUPS)
    assert count(state, spec.EVENTS_PROCESSED, "soc") == 8
    assert state.next_offset == 8


def test_probe_results_and_duration_histogram() -> None:
    state = PartitionState()
    probes = [
        uptime_probe(duration_seconds=0.1),
        uptime_probe(duration_seconds=0.7),
        uptime_probe(success=False, error_class="timeout", duration_seconds=10.0),
    ]
    apply_batch(state, batch(probes, source="uptime"), LOOKUPS)
    assert count(state, spec.UPTIME_PROBES, "cong-dvc", "1", "success") == 2
    assert count(state, spec.UPTIME_PROBES, "cong-dvc", "1", "failure") == 1
    row = state.histograms[spec.PROBE_DURATION.name]["cong-dvc|1"]
    bounds = spec.PROBE_DURATION.buckets
    # "le" buckets include their bound: 0.1 falls in the 0.1 bucket, 10.0 in the 10.0 one.
    assert row[bounds.index(0.1)] == 1
    assert row[bounds.index(1.0)] == 1
    assert row[bounds.index(10.0)] == 1
    assert row[-1] == 10.8


def test_dossiers_received_and_resolved_by_agency_level_channel() -> None:
    state = PartitionState()
    events = [
        dossier(),
        dossier(lifecycle="resolved"),
        dossier(lifecycle="rated", rating="satisfied"),
        dossier(channel="direct"),
    ]
    apply_batch(state, batch(events, source="dossier"), LOOKUPS)
    assert count(state, spec.DOSSIERS_RECEIVED, "so-tnmt", "province", "online") == 1
    assert count(state, spec.DOSSIERS_RECEIVED, "so-tnmt", "province", "direct") == 1
    assert count(state, spec.DOSSIERS_RESOLVED, "so-tnmt", "province", "online") == 1


def test_state_survives_serialization() -> None:
    state = PartitionState()
    apply_batch(state, batch([soc_alert(), uptime_probe()]), LOOKUPS)
    assert PartitionState.from_bytes(state.to_bytes()) == state


def test_merge_sums_partitions() -> None:
    a, b = PartitionState(), PartitionState()
    apply_batch(a, batch([soc_alert()]), LOOKUPS)
    apply_batch(b, batch([soc_alert()] * 2), LOOKUPS)
    counters, _ = merge_states([a, b])
    assert counters[spec.SOC_ALERTS.name]["medium|desktop|so-tc"] == 3
