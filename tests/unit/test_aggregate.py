from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson

from ioc.aggregate import PartitionState, SeenEvents, apply_batch, merge_states
from ioc.aggregate.dedup import key_of
from ioc.aggregate.gauges import gauges
from ioc.aggregate.state import (
    ABANDONED,
    ALERTS,
    CLOSED,
    CLOSED_EARLY,
    DAYS,
    DOSSIERS,
    PERIODS,
    Lookups,
    add_sizes,
    late_offsets_of,
)
from ioc.catalog.maintenance import MaintenanceCalendar
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
    assert applied.offsets == 5
    assert count(state, spec.EVENTS_PROCESSED, "soc") == 3
    assert count(state, spec.EVENTS_DEAD_LETTERED, "soc", "invalid_json") == 2
    assert state.next_offset == 5


def test_forwarded_offsets_are_counted_as_rerouted_and_close_the_range() -> None:
    state = PartitionState()
    rows = [[0, *as_fact(soc_alert())]]
    applied = apply_batch(state, Batch("soc", 0, 0, 3, rows, [], [0], [1, 2]), LOOKUPS)
    assert applied.offsets == 3
    assert count(state, spec.EVENTS_REROUTED, "soc") == 2
    assert count(state, spec.EVENTS_PROCESSED, "soc") == 1
    assert state.next_offset == 3


def test_replayed_batch_changes_nothing() -> None:
    state = PartitionState()
    b = batch([soc_alert()] * 3, dead=1)
    apply_batch(state, b, LOOKUPS)
    before = state.to_bytes()
    assert apply_batch(state, b, LOOKUPS).offsets == 0
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
        dossier(channel="direct", dossier_id="P000000002"),
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


# -- KPIs: uptime ------------------------------------------------------------------------------


def ts(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


HCM_LOOKUPS = Lookups(
    service_tier={"cong-dvc": "1"},
    tracked_techniques=frozenset({"T1110"}),
    maintenance=MaintenanceCalendar(
        {"cong-dvc": ((ts("2026-11-24T09:00+07:00"), ts("2026-11-24T10:00+07:00")),)}
    ),
    risk_weights={"low": 0.0, "medium": 1.0, "high": 5.0, "critical": 20.0},
    targets={"full_online_rate": 0.45},
)


def apply(
    events: list[dict[str, Any]],
    lookups: Lookups = HCM_LOOKUPS,
    state: PartitionState | None = None,
) -> PartitionState:
    state = state or PartitionState()
    apply_batch(state, batch(events, start=state.next_offset), lookups)
    return state


def gauge(
    state: PartitionState, metric: spec.GaugeSpec, *labels: str, now: float = 1795312800.0
) -> float | None:
    return gauges([state], now, HCM_LOOKUPS)[metric.name].get(spec.label_key(*labels))


def failing(minute: int) -> dict[str, Any]:
    return uptime_probe(
        success=False, error_class="timeout", event_time=f"2026-11-23T09:{minute:02d}:00+07:00"
    )


def test_service_goes_down_after_three_failed_probes() -> None:
    state = apply([uptime_probe(), failing(1), failing(2)])
    assert gauge(state, spec.SERVICE_UP, "cong-dvc", "1") == 1
    state = apply([failing(3)], state=state)
    assert gauge(state, spec.SERVICE_UP, "cong-dvc", "1") == 0


def test_probes_in_a_maintenance_window_are_neither_success_nor_failure() -> None:
    state = apply([failing(1) | {"event_time": "2026-11-24T09:30:00+07:00"}])
    assert count(state, spec.UPTIME_PROBES, "cong-dvc", "1", "maintenance") == 1
    assert count(state, spec.UPTIME_PROBES, "cong-dvc", "1", "failure") == 0
    assert gauge(state, spec.IN_MAINTENANCE, "cong-dvc", now=ts("2026-11-24T09:30+07:00")) == 1
    assert gauge(state, spec.IN_MAINTENANCE, "cong-dvc") == 0


def test_tls_days_and_last_probe_time_come_from_the_latest_probe() -> None:
    state = apply(
        [
            uptime_probe(tls_days_left=30.0, event_time="2026-11-23T09:05:00+07:00"),
            uptime_probe(tls_days_left=31.0, event_time="2026-11-23T09:00:00+07:00"),
        ]
    )
    assert gauge(state, spec.TLS_DAYS_LEFT, "cong-dvc") == 30.0
    assert gauge(state, spec.LAST_PROBE, "cong-dvc") == ts("2026-11-23T09:05:00+07:00")


# -- KPIs: SOC ---------------------------------------------------------------------------------


def status(kind: str, minute: int, alert_id: str = "a-1") -> dict[str, Any]:
    return {
        "schema_version": 1,
        "event_id": f"s-{kind}-{minute}",
        "event_type": "soc_alert_status",
        "event_time": f"2026-11-23T09:{minute:02d}:00+07:00",
        "alert_id": alert_id,
        "agent_id": "so-tc-d0001",
        "status": kind,
        "actor": "analyst-1",
    }


def test_mtta_and_mttr_are_observed_from_the_alert_time() -> None:
    state = apply([soc_alert(), status("acknowledged", 5), status("resolved", 30)])
    mtta = state.histograms[spec.SOC_MTTA.name]["medium"]
    mttr = state.histograms[spec.SOC_MTTR.name]["medium"]
    assert (sum(mtta[:-1]), mtta[-1]) == (1, 300.0)
    assert (sum(mttr[:-1]), mttr[-1]) == (1, 1800.0)


def test_status_arriving_before_its_alert_is_applied_when_the_alert_comes() -> None:
    state = apply([status("acknowledged", 5)])
    assert gauge(state, spec.SOC_OPEN, "medium", "acknowledged") is None
    state = apply([soc_alert()], state=state)
    assert gauge(state, spec.SOC_OPEN, "medium", "acknowledged") == 1
    assert state.histograms[spec.SOC_MTTA.name]["medium"][-1] == 300.0


def test_open_alerts_leave_the_gauge_when_resolved() -> None:
    state = apply([soc_alert(), soc_alert(alert_id="a-2")])
    assert gauge(state, spec.SOC_OPEN, "medium", "new") == 2
    state = apply([status("resolved", 9)], state=state)
    assert gauge(state, spec.SOC_OPEN, "medium", "new") == 1


def test_low_alerts_are_counted_but_not_tracked_as_open() -> None:
    state = apply([soc_alert(rule={"id": "1", "level": 3, "description": "x"})])
    assert count(state, spec.SOC_ALERTS, "low", "desktop", "so-tc") == 1
    assert gauge(state, spec.SOC_OPEN, "low", "new") is None


def test_agency_risk_score_weights_its_open_alerts() -> None:
    high = {"id": "2", "level": 13, "description": "x"}
    state = apply([soc_alert(), soc_alert(alert_id="a-2", rule=high)])
    assert gauge(state, spec.SOC_RISK, "so-tc") == 6.0


def test_untracked_technique_is_counted_as_other() -> None:
    rule = {"id": "1", "level": 5, "description": "x", "mitre": {"id": ["T1110", "T1021"]}}
    state = apply([soc_alert(rule=rule)])
    assert count(state, spec.SOC_ALERTS_BY_TECHNIQUE, "T1110") == 1
    assert count(state, spec.SOC_ALERTS_BY_TECHNIQUE, "other") == 1


# -- KPIs: dossiers ----------------------------------------------------------------------------

DUE = "2026-11-23T10:00:00+07:00"
NOW_BEFORE_DUE = ts("2026-11-23T09:00:00+07:00")
NOW_AFTER_DUE = ts("2026-11-23T11:00:00+07:00")


def test_a_dossier_with_no_further_event_becomes_overdue_as_time_passes() -> None:
    state = apply([dossier(due_time=DUE)])
    assert gauge(state, spec.DOSSIERS_OVERDUE, "so-tnmt", "province", now=NOW_BEFORE_DUE) is None
    assert gauge(state, spec.DOSSIERS_OVERDUE, "so-tnmt", "province", now=NOW_AFTER_DUE) == 1
    assert gauge(state, spec.DOSSIERS_IN_PROGRESS, "so-tnmt", "province") == 1


def test_resolved_dossier_leaves_the_backlog_and_counts_its_timeliness() -> None:
    state = apply(
        [
            dossier(due_time=DUE),
            dossier(lifecycle="resolved", due_time=DUE, event_time="2026-11-23T10:30:00+07:00"),
        ]
    )
    assert gauge(state, spec.DOSSIERS_IN_PROGRESS, "so-tnmt", "province") is None
    assert count(state, spec.DOSSIERS_RESOLVED_TIMELINESS, "so-tnmt", "province", "late") == 1


def test_resolved_before_received_does_not_leave_a_dossier_in_progress() -> None:
    state = apply(
        [dossier(lifecycle="resolved", event_time="2026-11-23T09:30:00+07:00"), dossier()]
    )
    assert count(state, spec.DOSSIERS_RECEIVED, "so-tnmt", "province", "online") == 1
    assert gauge(state, spec.DOSSIERS_IN_PROGRESS, "so-tnmt", "province") is None


def test_receipt_counts_full_online_paid_online_and_digitized() -> None:
    state = apply([dossier(full_online=True, paid_online=True, digitized=False)])
    assert count(state, spec.DOSSIERS_FULL_ONLINE, "so-tnmt", "province") == 1
    assert count(state, spec.DOSSIERS_PAID_ONLINE, "so-tnmt", "province") == 1
    assert count(state, spec.DOSSIERS_DIGITIZED, "so-tnmt", "province") == 0


def test_ratings_are_counted_by_agency_and_rating() -> None:
    state = apply([dossier(lifecycle="rated", rating="complaint")])
    assert count(state, spec.DOSSIERS_RATED, "so-tnmt", "province", "complaint") == 1


def test_closed_dossiers_are_forgotten_after_the_retention() -> None:
    lookups = Lookups(service_tier={}, closed_retention_seconds=3600)
    state = apply([dossier(), dossier(lifecycle="cancelled")], lookups=lookups)
    assert "P000000001" in state.entities[CLOSED]
    state = apply(
        [dossier(dossier_id="P2", event_time="2026-11-23T11:00:00+07:00")],
        lookups=lookups,
        state=state,
    )
    assert "P000000001" not in state.entities[CLOSED]


def test_kept_entities_are_expired_once_per_expiry_interval_not_per_batch() -> None:
    lookups = Lookups(service_tier={}, closed_retention_seconds=0)
    state = apply([dossier(), dossier(lifecycle="cancelled")], lookups=lookups)  # next in 60 s
    state = apply(
        [
            dossier(dossier_id="P2", event_time="2026-11-23T09:00:30+07:00"),
            dossier(dossier_id="P2", lifecycle="cancelled", event_time="2026-11-23T09:00:30+07:00"),
        ],
        lookups=lookups,
        state=state,
    )
    assert {"P000000001", "P2"} <= set(state.entities[CLOSED])  # 30 s on: no scan yet
    state = apply(
        [dossier(dossier_id="P3", event_time="2026-11-23T09:01:30+07:00")],
        lookups=lookups,
        state=state,
    )
    assert not {"P000000001", "P2"} & set(state.entities[CLOSED])


def test_the_expiry_time_survives_a_snapshot_and_a_delta() -> None:
    state = apply([dossier(lifecycle="cancelled")])
    assert state.next_expire_ts > 0
    assert PartitionState.from_bytes(state.to_bytes()).next_expire_ts == state.next_expire_ts
    restored = PartitionState.from_bytes(PartitionState().to_bytes())
    restored.apply_changes(orjson.loads(state.changes_to_bytes()))
    assert restored.next_expire_ts == state.next_expire_ts


def _closed_as_lists(record: bytes) -> bytes:
    """A snapshot or delta as written before closed dossiers were bare times: [closed_ts]."""
    raw = orjson.loads(record)
    closed = raw.get("n", {}).get(CLOSED, {})
    raw["n"][CLOSED] = {k: [ts] for k, ts in closed.items()}
    return orjson.dumps(raw)


def test_closed_dossiers_of_an_older_snapshot_still_keep_a_late_receipt_out() -> None:
    state = apply([dossier(lifecycle="cancelled")])
    restored = PartitionState.from_bytes(_closed_as_lists(state.to_bytes()))
    assert restored.entities[CLOSED] == state.entities[CLOSED]
    late = dossier(event_time="2026-11-23T08:59:00+07:00")  # its receipt, after the cancel
    restored = apply([late], state=restored)
    assert "P000000001" not in restored.entities.get("dos", {})


def test_closed_dossiers_of_an_older_delta_are_read_as_times_and_expire() -> None:
    lookups = Lookups(service_tier={}, closed_retention_seconds=3600)
    state = apply([dossier(), dossier(lifecycle="cancelled")], lookups=lookups)
    restored = PartitionState.from_bytes(PartitionState().to_bytes())
    restored.entities.clear()
    state.kind(CLOSED)["P000000001"] = state.entities[CLOSED]["P000000001"]  # marked changed
    restored.apply_changes(orjson.loads(_closed_as_lists(state.changes_to_bytes())))
    assert restored.entities[CLOSED] == state.entities[CLOSED]
    later = dossier(dossier_id="P2", event_time="2026-11-23T11:00:00+07:00")
    restored = apply([later], lookups=lookups, state=restored)
    assert "P000000001" not in restored.entities[CLOSED]


def test_targets_are_exported_from_the_catalog() -> None:
    assert gauge(PartitionState(), spec.KPI_TARGET, "full_online_rate") == 0.45


# -- deduplication by event id -----------------------------------------------------------------


def test_same_event_id_at_a_new_offset_is_a_duplicate() -> None:
    state, seen = PartitionState(), SeenEvents(window_seconds=900)
    apply_batch(state, batch([soc_alert(event_id="x")]), LOOKUPS, seen)
    result = apply_batch(state, batch([soc_alert(event_id="x")], start=1), LOOKUPS, seen)
    assert result.offsets == 1 and result.fresh == []
    assert count(state, spec.SOC_ALERTS, "medium", "desktop", "so-tc") == 1
    assert count(state, spec.EVENTS_DUPLICATE, "soc") == 1


def test_two_copies_in_one_batch_count_once() -> None:
    state, seen = PartitionState(), SeenEvents(window_seconds=900)
    apply_batch(state, batch([soc_alert(event_id="x")] * 2), LOOKUPS, seen)
    assert count(state, spec.EVENTS_PROCESSED, "soc") == 1
    assert count(state, spec.EVENTS_DUPLICATE, "soc") == 1


def test_a_batch_replayed_after_a_crash_is_not_taken_for_duplicates() -> None:
    # The ids were persisted, the state was not: the replay finds its ids at the same offsets.
    seen = SeenEvents(window_seconds=900)
    b = batch([soc_alert(event_id="x"), soc_alert(event_id="y")])
    lost = PartitionState()
    first = apply_batch(lost, b, LOOKUPS, seen)
    seen.add("soc:0/0", lost.max_event_ts, first.fresh)
    restarted = PartitionState()
    apply_batch(restarted, b, LOOKUPS, seen)
    assert count(restarted, spec.EVENTS_PROCESSED, "soc") == 2
    assert count(restarted, spec.EVENTS_DUPLICATE, "soc") == 0


def test_ids_are_forgotten_after_the_window() -> None:
    seen = SeenEvents(window_seconds=60)
    seen.add("k/0", 1000.0, [(key_of("x"), 0)])
    assert seen.expire(1059.0) == []
    assert seen.is_duplicate(key_of("x"), 5)
    assert seen.expire(1061.0) == ["k/0"]
    assert not seen.is_duplicate(key_of("x"), 5)


def test_seen_ids_survive_encoding() -> None:
    seen = SeenEvents(window_seconds=60)
    seen.add_record("k/0", SeenEvents.encode(1000.0, [(key_of("x"), 0), (key_of("y"), 1)]))
    assert seen.is_duplicate(key_of("y"), 7) and not seen.is_duplicate(key_of("y"), 1)
    assert seen.expire(1061.0) == ["k/0"]  # the batch's event time survives too


def test_a_filed_id_reads_its_own_offset_not_bytes_that_straddle_two_pairs() -> None:
    # The id's 15 bytes also occur across the first pair: its digest's tail and its offset.
    first, first_offset = key_of("x"), 0x0102030405060708
    pair = first.to_bytes(15, "little") + first_offset.to_bytes(8, "little")
    straddling = int.from_bytes(pair[8:23], "little")
    seen = SeenEvents(window_seconds=60)
    seen.add("k/0", 1000.0, [(first, first_offset), (straddling, 99)])
    assert not seen.is_duplicate(straddling, 99)
    assert seen.is_duplicate(straddling, 100)


def test_a_batch_filed_again_replaces_its_ids_and_expires_once() -> None:
    seen = SeenEvents(window_seconds=60)
    seen.add("k/0", 1000.0, [(key_of("x"), 0), (key_of("y"), 1)])
    seen.add("k/0", 1000.0, [(key_of("x"), 0)])  # read back, then re-applied with fewer ids
    assert len(seen) == 1 and not seen.is_duplicate(key_of("y"), 9)
    assert seen.expire(1061.0) == ["k/0"]
    assert len(seen) == 0


def test_seen_ids_written_as_json_by_earlier_versions_still_load() -> None:
    seen = SeenEvents(window_seconds=60)
    seen.add_record("k/0", orjson.dumps([1000.0, [["x", 0], ["y", 1]]]))
    assert seen.is_duplicate(key_of("x"), 3) and not seen.is_duplicate(key_of("x"), 0)
    assert len(seen) == 2


def test_ids_that_differ_in_any_way_have_different_keys() -> None:
    ids = [
        "x",
        "X",
        "x ",
        "",
        "é",
        "e\u0301",
        "\ud800",
        "a" * 10_000,
        "00000000-0000-4000-8000-000000000000",
    ]
    assert len({key_of(i) for i in ids}) == len(ids)


def test_event_older_than_the_grace_is_counted_late_and_still_counted() -> None:
    lookups = Lookups(service_tier={}, late_grace_seconds=300)
    state = apply(
        [
            soc_alert(event_time="2026-11-23T10:00:00+07:00"),
            soc_alert(event_time="2026-11-23T09:56:00+07:00"),  # 4 min behind: in grace
            soc_alert(event_time="2026-11-23T09:54:00+07:00"),
        ],  # 6 min behind: late
        lookups=lookups,
    )
    assert count(state, spec.EVENTS_LATE, "soc") == 1
    assert count(state, spec.SOC_ALERTS, "medium", "desktop", "so-tc") == 3


def test_resolution_arriving_before_acknowledgement_still_gives_both_times() -> None:
    state = apply([soc_alert(), status("resolved", 30), status("acknowledged", 5)])
    assert state.histograms[spec.SOC_MTTA.name]["medium"][-1] == 300.0
    assert state.histograms[spec.SOC_MTTR.name]["medium"][-1] == 1800.0
    assert gauge(state, spec.SOC_OPEN, "medium", "acknowledged") is None
    assert state.entities[ALERTS] == {}


def test_distinct_assets_alerting_in_the_last_hour_per_agency() -> None:
    state = apply(
        [
            soc_alert(),
            soc_alert(alert_id="a-2"),
            soc_alert(alert_id="a-3", agent={"id": "so-tc-d0002", "name": "d2"}),
        ]
    )
    at_09_30 = ts("2026-11-23T09:30+07:00")
    assert gauge(state, spec.SOC_ASSETS_ALERTING, "so-tc", now=at_09_30) == 2
    assert gauge(state, spec.SOC_ASSETS_ALERTING, "so-tc", now=ts("2026-11-23T10:30+07:00")) is None


def test_day_and_month_to_date_views_use_the_local_calendar() -> None:
    state = apply(
        [
            dossier(event_time="2026-11-23T08:00:00+07:00"),
            dossier(dossier_id="P2", event_time="2026-11-22T23:30:00+07:00"),
            dossier(dossier_id="P3", event_time="2026-10-31T10:00:00+07:00"),
        ]
    )
    now = ts("2026-11-23T12:00+07:00")
    assert gauge(state, spec.DOSSIERS_RECEIVED_TO_DATE, "so-tnmt", "province", "day", now=now) == 1
    assert (
        gauge(state, spec.DOSSIERS_RECEIVED_TO_DATE, "so-tnmt", "province", "month", now=now) == 2
    )


def test_dossiers_of_one_day_in_one_batch_add_up_in_its_bucket_and_periods() -> None:
    state = apply(
        [
            dossier(dossier_id=f"P{i}", event_time=f"2026-11-23T{8 + i:02d}:00:00+07:00")
            for i in range(3)
        ]
        + [dossier(dossier_id="P0", lifecycle="rated", rating="complaint")]
    )
    assert state.entities[DAYS]["2026-11-23|so-tnmt|province"][0] == 3
    received = spec.PERIOD_MEASURES.index("received")
    unsatisfied = spec.PERIOD_MEASURES.index("rated_unsatisfied")
    for period in ("2026-11", "2026-Q4", "2026"):
        record = state.entities[PERIODS][f"{period}|so-tnmt|province"]
        assert (record[received], record[unsatisfied]) == (3, 1)


def test_a_rating_alone_makes_no_day_bucket() -> None:
    state = apply([dossier(lifecycle="rated", rating="complaint")])
    assert not state.entities.get(DAYS)
    assert state.entities[PERIODS]


def test_lateness_is_judged_against_the_whole_partition_clock() -> None:
    b = batch(
        [
            soc_alert(event_time="2026-11-23T10:00:00+07:00"),
            soc_alert(event_time="2026-11-23T09:00:00+07:00"),
        ]
    )
    late, clock = late_offsets_of(b, clock=0.0, grace=300)
    assert late == {1}
    assert clock == ts("2026-11-23T10:00:00+07:00")
    # A shard that never saw the 10:00 event still counts the 09:00 one late.
    shard = PartitionState()
    apply_batch(shard, Batch("soc", 0, 1, 2, [b.events[1]], []), LOOKUPS, None, late)
    assert count(shard, spec.EVENTS_LATE, "soc") == 1


def _in_progress(state: PartitionState) -> float:
    series = gauges([state], state.max_event_ts, LOOKUPS)["ioc_dossiers_in_progress"]
    return sum(series.values())


def test_a_dossier_in_progress_long_past_its_due_time_is_closed_out_as_abandoned() -> None:
    state = PartitionState()
    received = dossier(event_time="2026-01-05T09:00:00+07:00", due_time="2026-01-10T17:00:00+07:00")
    apply_batch(state, batch([received], source="dossier"), LOOKUPS)
    # 89 days after its due time: still in progress, and overdue.
    other = dossier(dossier_id="P2", event_id="e2", event_time="2026-04-09T09:00:00+07:00",
                    due_time="2026-04-20T17:00:00+07:00")  # fmt: skip
    apply_batch(state, batch([other], start=1, source="dossier"), LOOKUPS)
    assert _in_progress(state) == 2
    # 91 days after: closed out, counted, gone from the gauges.
    later = dossier(dossier_id="P3", event_id="e3", event_time="2026-04-11T18:00:00+07:00",
                    due_time="2026-04-20T17:00:00+07:00")  # fmt: skip
    apply_batch(state, batch([later], start=2, source="dossier"), LOOKUPS)
    assert count(state, spec.DOSSIERS_ABANDONED, "so-tnmt", "province") == 1
    assert _in_progress(state) == 2


def test_a_dossier_due_years_ahead_is_abandoned_a_retention_after_receipt() -> None:
    state = PartitionState()
    forged = dossier(event_time="2026-01-05T09:00:00+07:00", due_time="2035-01-01T17:00:00+07:00")
    apply_batch(state, batch([forged], source="dossier"), LOOKUPS)
    tick = dossier(
        dossier_id="P2",
        event_id="e2",
        lifecycle="rated",
        rating="satisfied",
        due_time=None,
        event_time="2027-02-10T09:00:00+07:00",
    )  # 401 days on
    apply_batch(state, batch([tick], start=1, source="dossier"), LOOKUPS)
    assert count(state, spec.DOSSIERS_ABANDONED, "so-tnmt", "province") == 1
    assert _in_progress(state) == 0


def test_an_alert_never_resolved_is_abandoned_after_the_retention() -> None:
    state = PartitionState()
    apply_batch(state, batch([soc_alert(event_time="2026-01-01T09:00:00+07:00")]), LOOKUPS)
    assert len(state.entities[ALERTS]) == 1
    later = soc_alert(event_id="e2", alert_id="a-2", rule={"id": "1", "level": 3,
                                                            "description": "x"},
                      event_time="2026-02-01T09:00:00+07:00")  # fmt: skip
    apply_batch(state, batch([later], start=1), LOOKUPS)
    assert count(state, spec.SOC_ALERTS_ABANDONED, "medium") == 1
    assert ALERTS not in state.entities or not state.entities[ALERTS]


def test_state_sizes_give_each_entity_kind_its_records_and_serialized_bytes() -> None:
    state = apply([soc_alert(), soc_alert(), uptime_probe()])
    sizes = state.sizes()
    assert state.entities
    for name, kind in state.entities.items():
        assert sizes[name] == (len(kind), len(orjson.dumps(kind)))
    series = sum(len(s) for s in state.counters.values())
    assert sizes["counters"] == (series, len(orjson.dumps(state.counters)))
    assert "histograms" in sizes


def test_sizes_of_several_states_add_up_part_by_part() -> None:
    a, b = apply([soc_alert()]), apply([soc_alert(), uptime_probe()])
    total: dict[str, list[int]] = {}
    add_sizes(total, a.sizes())
    add_sizes(total, b.sizes())
    for part in b.sizes():
        ra, sa = a.sizes().get(part, (0, 0))
        rb, sb = b.sizes()[part]
        assert total[part] == [ra + rb, sa + sb]


# -- each step of a dossier or an alert once, whatever the event ids --------------------------


def steps(*lifecycles: str, dossier_id: str = "P000000001") -> list[dict[str, Any]]:
    """Dossier events of one dossier, each under its own event id, a minute apart."""
    return [
        dossier(
            lifecycle=lifecycle,
            dossier_id=dossier_id,
            event_id=f"{dossier_id}-{i}",
            event_time=f"2026-11-23T09:{i:02d}:00+07:00",
        )
        for i, lifecycle in enumerate(lifecycles)
    ]


def test_a_dossier_received_twice_is_received_once_and_a_duplicate_step() -> None:
    state = apply(steps("received", "received"))
    assert count(state, spec.DOSSIERS_RECEIVED, "so-tnmt", "province", "online") == 1
    assert count(state, spec.DOSSIERS_FULL_ONLINE, "so-tnmt", "province") == 1
    assert count(state, spec.DOSSIERS_DUPLICATE_STEPS, "received") == 1


def test_a_dossier_resolved_twice_is_resolved_once_with_one_timeliness() -> None:
    state = apply(steps("received", "resolved", "resolved"))
    assert count(state, spec.DOSSIERS_RESOLVED, "so-tnmt", "province", "online") == 1
    assert count(state, spec.DOSSIERS_RESOLVED_TIMELINESS, "so-tnmt", "province", "early") == 1
    assert count(state, spec.DOSSIERS_DUPLICATE_STEPS, "resolved") == 1


def test_a_second_closing_step_of_another_kind_is_a_duplicate_step() -> None:
    state = apply(steps("received", "cancelled", "resolved"))
    assert count(state, spec.DOSSIERS_RESOLVED, "so-tnmt", "province", "online") == 0
    assert count(state, spec.DOSSIERS_DUPLICATE_STEPS, "resolved") == 1


def test_a_receipt_after_the_resolution_counts_once_and_does_not_reopen() -> None:
    state = apply(steps("resolved", "received", "received"))
    assert count(state, spec.DOSSIERS_RECEIVED, "so-tnmt", "province", "online") == 1
    assert count(state, spec.DOSSIERS_DUPLICATE_STEPS, "received") == 1
    assert "P000000001" not in state.entities[DOSSIERS]


def test_a_resolution_sent_twice_before_its_receipt_counts_once() -> None:
    state = apply(steps("resolved", "resolved", "received"))
    assert count(state, spec.DOSSIERS_RESOLVED, "so-tnmt", "province", "online") == 1
    assert count(state, spec.DOSSIERS_RECEIVED, "so-tnmt", "province", "online") == 1
    assert count(state, spec.DOSSIERS_DUPLICATE_STEPS, "resolved") == 1


def test_an_abandoned_dossier_may_still_be_resolved_but_not_received_again() -> None:
    lookups = Lookups(service_tier={}, dossier_overdue_seconds=60.0)
    state = apply(steps("received"), lookups=lookups)
    later = dict(
        steps("received", dossier_id="P2")[0],
        event_time="2026-12-02T09:00:00+07:00",
        due_time="2027-01-30T17:00:00+07:00",
    )
    state = apply([later], lookups=lookups, state=state)  # the sweep closes P000000001 out
    assert count(state, spec.DOSSIERS_ABANDONED, "so-tnmt", "province") == 1
    again = [
        dict(e, event_time="2026-12-02T10:00:00+07:00", due_time="2026-12-09T17:00:00+07:00")
        for e in steps("received", "resolved")
    ]
    state = apply(again, lookups=lookups, state=state)
    assert count(state, spec.DOSSIERS_DUPLICATE_STEPS, "received") == 1
    assert count(state, spec.DOSSIERS_RESOLVED, "so-tnmt", "province", "online") == 1


def test_duplicate_steps_are_not_dossier_events() -> None:
    state = apply(steps("received", "received"))
    assert count(state, spec.DOSSIER_EVENTS, "so-tnmt", "province", "received") == 1


def test_an_alert_acknowledged_twice_counts_one_acknowledgement() -> None:
    second = dict(status("acknowledged", 9), event_id="s-again")
    state = apply([soc_alert(), status("acknowledged", 5), second])
    assert count(state, spec.SOC_ALERT_STATUS, "acknowledged") == 1
    assert count(state, spec.SOC_ALERT_STATUS_DUPLICATES, "acknowledged") == 1


def test_a_status_change_repeated_after_the_alert_settled_is_a_duplicate() -> None:
    again = dict(status("resolved", 40), event_id="s-again")
    state = apply([soc_alert(), status("acknowledged", 5), status("resolved", 30), again])
    assert count(state, spec.SOC_ALERT_STATUS, "resolved") == 1
    assert count(state, spec.SOC_ALERT_STATUS_DUPLICATES, "resolved") == 1
    assert state.histograms[spec.SOC_MTTR.name]["medium"][-1] == 30 * 60


def test_an_event_id_is_scoped_to_its_entity_one_id_for_many_agents_is_many_alerts() -> None:
    state, seen = PartitionState(), SeenEvents(window_seconds=900)
    forged = [
        soc_alert(event_id="same", agent={"id": f"agent-{i}", "name": f"pc-{i}"}) for i in range(50)
    ]
    apply_batch(state, batch(forged), LOOKUPS, seen)
    assert count(state, spec.EVENTS_PROCESSED, "soc") == 50
    assert count(state, spec.EVENTS_DUPLICATE, "soc") == 0


def test_an_event_id_sent_again_for_the_same_entity_is_a_duplicate() -> None:
    state, seen = PartitionState(), SeenEvents(window_seconds=900)
    again = [soc_alert(event_id="same"), soc_alert(event_id="same", alert_id="a-2")]
    apply_batch(state, batch(again), LOOKUPS, seen)
    assert count(state, spec.EVENTS_DUPLICATE, "soc") == 1


def test_one_entity_spelled_two_ways_never_shares_a_key() -> None:
    assert key_of("b", "a") != key_of("", "ab") and key_of("ab", "") != key_of("b", "a")


def test_a_request_for_more_documents_after_the_closing_still_counts() -> None:
    state = apply(steps("received", "resolved", "additional_docs_requested"))
    assert (
        count(state, spec.DOSSIER_EVENTS, "so-tnmt", "province", "additional_docs_requested") == 1
    )
    assert count(state, spec.DOSSIERS_DUPLICATE_STEPS, "additional_docs_requested") == 0


def test_looking_for_a_dossier_closed_early_marks_nothing_for_the_next_delta() -> None:
    state = apply(steps("received"))
    assert not state.kind(CLOSED_EARLY).changed
    state = apply(steps("received", "resolved", dossier_id="P2"), state=state)
    assert not state.kind(ABANDONED).changed
