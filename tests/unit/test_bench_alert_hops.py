"""`ioc bench --latency` splits each page's time by hop, from the Kafka timestamps of the
batch and the signal that carried its event."""

from __future__ import annotations

import orjson
import pytest

from benchmarks.alert_latency import HOPS, Sample, hops
from ioc.ingest.batch import pack_partition


def _batch(partition: int, offset: int) -> bytes:
    fact = ("a", "evt", 1.0)
    rows = [(offset, 0, fact, None)]
    return next(pack_partition("soc", partition, rows, max_events=10, max_bytes=10_000))


def _signal(agency: str, level: int = 15) -> bytes:
    row = [1.0, level, agency, "agent", 100, [], None]
    return orjson.dumps({"k": "a", "t": 1.0, "r": [row]})


def test_a_sample_is_split_at_its_batch_and_its_signal() -> None:
    sample = Sample("phuong-cua-lo", partition=2, offset=7, sent=100.0, held=100.25)
    split = hops([sample], [(100.05, _batch(2, 7))], [(100.15, _signal("phuong-cua-lo"))])
    assert [round(split[hop][0], 3) for hop in HOPS] == [0.05, 0.1, 0.1]


def test_a_batch_of_another_source_partition_does_not_carry_the_sample() -> None:
    sample = Sample("phuong-cua-lo", partition=2, offset=7, sent=100.0, held=100.25)
    split = hops(
        [sample],
        [(100.01, _batch(1, 7)), (100.05, _batch(2, 7))],
        [(100.15, _signal("phuong-cua-lo"))],
    )
    assert split[HOPS[0]] == [pytest.approx(0.05)]


def test_a_sample_whose_signal_was_not_found_is_left_out() -> None:
    sample = Sample("phuong-cua-lo", partition=2, offset=7, sent=100.0, held=100.25)
    split = hops([sample], [(100.05, _batch(2, 7))], [(100.15, _signal("phuong-hoang-mai"))])
    assert all(not split[hop] for hop in HOPS)


def test_a_signal_of_the_agency_before_the_batch_is_not_the_samples() -> None:
    sample = Sample("phuong-cua-lo", partition=2, offset=7, sent=100.0, held=100.25)
    split = hops(
        [sample],
        [(100.05, _batch(2, 7))],
        [(99.0, _signal("phuong-cua-lo")), (100.15, _signal("phuong-cua-lo"))],
    )
    assert split[HOPS[1]] == [pytest.approx(0.1)]


def test_a_lesser_alert_of_the_agency_is_not_the_samples_signal() -> None:
    sample = Sample("phuong-cua-lo", partition=2, offset=7, sent=100.0, held=100.25)
    split = hops(
        [sample],
        [(100.05, _batch(2, 7))],
        [(100.08, _signal("phuong-cua-lo", level=12)), (100.15, _signal("phuong-cua-lo"))],
    )
    assert split[HOPS[1]] == [pytest.approx(0.1)]
