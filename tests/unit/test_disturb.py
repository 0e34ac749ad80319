from __future__ import annotations

import itertools

from ioc.catalog import Catalog
from ioc.simulate import Simulator
from ioc.simulate.disturb import Disturbance, disturb
from ioc.simulate.generator import Emitted
from tests.conftest import T0


def events(catalog: Catalog, n: int = 3000, rate: float = 50) -> list[Emitted]:
    return list(itertools.islice(Simulator(catalog, seed=5, start=T0, rate=rate).events(), n))


def ts(e: Emitted) -> float:
    return e.event.event_time.timestamp()


def test_every_event_comes_out_once_plus_the_duplicates(catalog: Catalog) -> None:
    source = events(catalog)
    out = list(
        disturb(
            source,
            Disturbance(
                disorder_seconds=5, duplicate_ratio=0.1, late_ratio=0.05, late_by_seconds=30, seed=1
            ),
        )
    )
    originals = [e.event.event_id for e, dup in out if not dup]
    assert sorted(originals) == sorted(e.event.event_id for e in source)
    duplicates = [e.event.event_id for e, dup in out if dup]
    assert 0.05 * len(source) < len(duplicates) < 0.15 * len(source)
    assert set(duplicates) <= set(originals)


def test_disorder_stays_within_its_window(catalog: Catalog) -> None:
    out = [e for e, _ in disturb(events(catalog), Disturbance(disorder_seconds=5, seed=1))]
    newest = 0.0
    worst = 0.0
    for e in out:
        newest = max(newest, ts(e))
        worst = max(worst, newest - ts(e))
    assert 0 < worst < 5


def test_late_events_arrive_at_least_late_by_behind_the_stream(catalog: Catalog) -> None:
    # 300+ s of events: only those held in the last 30 s are flushed early, at the end.
    late = Disturbance(late_ratio=0.05, late_by_seconds=30, seed=1)
    out = [e for e, _ in disturb(events(catalog, rate=10), late)]
    newest = 0.0
    behind = []
    for e in out:
        if newest - ts(e) > 0:
            behind.append(newest - ts(e))
        newest = max(newest, ts(e))
    assert sum(1 for b in behind if b >= 29) > 0.8 * len(behind) > 0
