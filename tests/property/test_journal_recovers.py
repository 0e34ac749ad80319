"""Whatever records of a shard a crash loses (a suffix of each table's changelog: snapshots
and deltas are in two), reading back gives the state after some whole batch, never a mix,
and replaying the batches from its watermark gives the state of a run that never crashed."""

from __future__ import annotations

import itertools
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from ioc.aggregate import PartitionState, apply_batch
from ioc.aggregate.journal import ShardJournal, read_shard
from ioc.aggregate.state import Lookups
from ioc.catalog import load_catalog
from ioc.ingest.batch import Batch
from tests.conftest import as_fact, dossier, soc_alert

LOOKUPS = Lookups.from_catalog(load_catalog())


def _event(kind: int, n: int, hour: int) -> dict[str, Any]:
    time = f"2026-11-23T{hour:02d}:00:00+07:00"
    if kind == 0:
        return soc_alert(event_id=f"a{n}", alert_id=f"A{n % 7}", event_time=time,
                         rule={"id": "1", "level": 3 + n % 13, "description": "x"})  # fmt: skip
    if kind == 1:
        return {"schema_version": 1, "event_id": f"s{n}", "event_time": time,
                "event_type": "soc_alert_status", "alert_id": f"A{n % 7}",
                "agent_id": "so-tc-d0001", "actor": "analyst-1",
                "status": "acknowledged" if n % 2 else "resolved"}  # fmt: skip
    lifecycle = ("received", "resolved", "cancelled")[n % 3]
    return dossier(event_id=f"d{n}", dossier_id=f"P{n % 9:09d}", lifecycle=lifecycle,
                   event_time=time)  # fmt: skip


events = st.lists(
    st.tuples(st.integers(0, 2), st.integers(0, 1000), st.integers(8, 16)), min_size=1, max_size=40
)


def _batches(docs: list[tuple[int, int, int]], cuts: list[int]) -> list[Batch]:
    rows = [[i, *as_fact(_event(*d))] for i, d in enumerate(docs)]
    bounds = sorted({0, len(rows), *(c % len(rows) for c in cuts)})
    return [Batch("soc", 0, lo, hi, rows[lo:hi], []) for lo, hi in itertools.pairwise(bounds)]


@settings(max_examples=200, deadline=None)
@given(
    docs=events,
    cuts=st.lists(st.integers(0, 100), max_size=12),
    kept_snapshots=st.integers(0, 20),
    kept_deltas=st.integers(0, 60),
)
def test_a_crash_loses_whole_batches_only_and_a_replay_restores_them(
    docs: list[tuple[int, int, int]], cuts: list[int], kept_snapshots: int, kept_deltas: int
) -> None:
    batches = _batches(docs, cuts)
    state, journal = PartitionState(), ShardJournal()
    after_each: list[PartitionState] = [PartitionState()]
    snapshots: list[bytes] = []
    deltas: list[tuple[int, bytes]] = []
    for batch in batches:
        apply_batch(state, batch, LOOKUPS)
        slot, record = journal.next_record(state)
        if slot is None:
            snapshots.append(record)
        else:
            deltas.append((slot, record))
        after_each.append(PartitionState.from_bytes(state.to_bytes()))
    final = after_each[-1]

    # Each table keeps a prefix of what was sent to it; a slot holds its last delta kept.
    snapshot = snapshots[:kept_snapshots][-1] if kept_snapshots and snapshots else None
    slots: dict[int, bytes] = {}
    for slot, record in deltas[:kept_deltas]:
        slots[slot] = record
    read, read_journal = read_shard(snapshot, slots.values())

    assert any(read == s for s in after_each), "a state no batch boundary had"
    for batch in batches:
        apply_batch(read, batch, LOOKUPS)
        read_journal.next_record(read)
    assert read == final
