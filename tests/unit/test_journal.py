"""A state shard is stored as a snapshot and deltas; reading them back gives the state."""

from __future__ import annotations

from typing import Any

from ioc.aggregate import PartitionState, apply_batch
from ioc.aggregate.journal import DELTA_SLOTS, ShardJournal, read_shard
from ioc.aggregate.state import Lookups
from ioc.ingest.batch import Batch
from tests.conftest import as_fact, dossier, soc_alert

LOOKUPS = Lookups(service_tier={"cong-dvc": "1"})


class Store:
    """The two tables of a shard: its snapshot and its delta slots."""

    def __init__(self) -> None:
        self.snapshot: bytes | None = None
        self.slots: dict[int, bytes] = {}
        self.written: list[int] = []  # bytes per record

    def write(self, journal: ShardJournal, state: PartitionState) -> tuple[int | None, bytes]:
        slot, record = journal.next_record(state)
        if slot is None:
            self.snapshot = record
        else:
            self.slots[slot] = record
        self.written.append(len(record))
        return slot, record

    def read(self) -> tuple[PartitionState, ShardJournal]:
        return read_shard(self.snapshot, self.slots.values())


def one_event_batch(offset: int, event: dict[str, Any], source: str = "soc") -> Batch:
    return Batch(source, 0, offset, offset + 1, [[offset, *as_fact(event)]], [])


def alert(n: int) -> dict[str, Any]:
    return soc_alert(event_id=f"e{n}", alert_id=f"A{n}", agent={"id": f"{n % 50:03d}",
                     "name": "pc", "ip": "10.0.0.1"})  # fmt: skip


def run(store: Store, state: PartitionState, journal: ShardJournal, n: int, first: int = 0) -> None:
    for offset in range(first, first + n):
        apply_batch(state, one_event_batch(offset, alert(offset)), LOOKUPS)
        store.write(journal, state)


def test_a_shard_read_back_from_its_snapshot_and_deltas_equals_its_state() -> None:
    store, state, journal = Store(), PartitionState(), ShardJournal()
    run(store, state, journal, 150)
    read, read_journal = store.read()
    assert read == state
    assert read_journal == journal


def test_small_batches_write_deltas_far_smaller_than_the_shard() -> None:
    store, state, journal = Store(), PartitionState(), ShardJournal()
    run(store, state, journal, 300)
    whole = len(state.to_bytes())
    # Rewriting the shard per batch would have written 300 times the shard (at most).
    assert sum(store.written) < 300 * whole / 10


def test_the_first_record_of_a_shard_is_a_snapshot() -> None:
    store, state, journal = Store(), PartitionState(), ShardJournal()
    apply_batch(state, one_event_batch(0, alert(0)), LOOKUPS)
    slot, _ = store.write(journal, state)
    assert slot is None


def test_a_batch_that_changes_more_than_the_snapshot_holds_writes_a_snapshot() -> None:
    store, state, journal = Store(), PartitionState(), ShardJournal()
    run(store, state, journal, 1)
    rows = [[i, *as_fact(dossier(dossier_id=f"P{i:09d}", event_id=f"d{i}"))] for i in range(1, 80)]
    apply_batch(state, Batch("dossier", 0, 1, 80, rows, []), LOOKUPS)
    slot, _ = store.write(journal, state)
    assert slot is None


def test_deltas_never_overrun_their_slots() -> None:
    store, state, journal = Store(), PartitionState(), ShardJournal()
    run(store, state, journal, 5 * DELTA_SLOTS)
    assert journal.seq - journal.snapshot_seq < DELTA_SLOTS
    assert store.read()[0] == state


def test_a_lost_last_record_leaves_the_state_before_its_batch() -> None:
    store, state, journal = Store(), PartitionState(), ShardJournal()
    run(store, state, journal, 20)
    before = store.read()[0]
    apply_batch(state, one_event_batch(20, alert(20)), LOOKUPS)
    journal.next_record(state)  # written, never stored
    read, _ = store.read()
    assert read == before
    assert read.next_offset == 20  # its batch is applied again on replay


def test_deltas_that_follow_a_lost_snapshot_are_never_applied() -> None:
    store, state, journal = Store(), PartitionState(), ShardJournal()
    run(store, state, journal, 10)
    recovered = store.read()
    # A snapshot is lost (its table's records did not reach the broker) but deltas after it,
    # in the other table, did.
    lost_state = PartitionState.from_bytes(state.to_bytes())
    lost = ShardJournal(journal.seq, journal.record_id)  # no snapshot yet: next is one
    lost.next_record(lost_state)
    for offset in range(10, 13):
        apply_batch(lost_state, one_event_batch(offset, alert(offset)), LOOKUPS)
        slot, record = lost.next_record(lost_state)
        assert slot is not None
        store.slots[slot] = record
    read, read_journal = store.read()
    assert read == recovered[0]
    # The worker that takes over goes on from there; the stale deltas stay out of its chain.
    apply_batch(read, one_event_batch(10, alert(99)), LOOKUPS)
    store.write(read_journal, read)
    again, _ = store.read()
    assert again == read
    assert again.next_offset == 11


def test_a_snapshot_frees_the_slots_of_the_deltas_it_replaces() -> None:
    store, state, journal = Store(), PartitionState(), ShardJournal()
    for offset in range(400):
        apply_batch(state, one_event_batch(offset, alert(offset)), LOOKUPS)
        slot, _ = store.write(journal, state)
        if slot is None:
            for freed in journal.freed_slots():
                del store.slots[freed]
    live = journal.seq - journal.snapshot_seq
    assert len(store.slots) == live
    assert store.read()[0] == state
