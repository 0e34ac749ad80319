"""The dedup index's compact table answers as a dict would, whatever the order of filings and
removals, including keys whose low 64 bits agree and clusters that wrap around the end of the
table."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from ioc.aggregate.idtable import IdTable

# Few distinct low halves (shared slots, equal low words, clusters across the table's end),
# and enough others to make it grow and shrink.
LOWS = st.one_of(st.sampled_from([0, 1, 2, 63, 64, 65, 127, 128]), st.integers(0, 2**64 - 1))
KEYS = st.builds(lambda low, high: (high << 64) | low, LOWS, st.integers(0, 3))
OPS = st.lists(st.tuples(st.sampled_from(["put", "remove"]), KEYS, st.integers(0, 5)), max_size=400)


@settings(max_examples=300, deadline=None)
@given(OPS)
def test_the_table_answers_as_a_dict_would(ops: list[tuple[str, int, int]]) -> None:
    records: dict[int, bytes] = {}  # one object per record number: identity matters
    table = IdTable()
    model: dict[int, bytes] = {}
    for op, key, n in ops:
        record = records.setdefault(n, b"record-%d" % n)
        if op == "put":
            table.put(key, record)
            model[key] = record
        else:
            table.remove(key, record)
            if model.get(key) is record:
                del model[key]
        table.shrink_to_fit()
        assert len(table) == len(model)
    for key in {k for _, k, _ in ops}:
        held: Any = table.get(key)
        assert held is model.get(key)
