"""The dedup index's compact table answers as a dict would, whatever the order of filings and
removals, including keys whose low 64 bits agree and clusters that wrap around the end of the
table."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from ioc.aggregate.idtable import IdTable

# Few distinct low halves (shared slots, equal low words, clusters across the table's end),
# and enough others to make it grow and shrink.
LOWS = st.one_of(st.sampled_from([0, 1, 2, 63, 64, 65, 127, 128]), st.integers(0, 2**64 - 1))
KEYS = st.builds(lambda low, high: (high << 64) | low, LOWS, st.integers(0, 3))
OPS = st.lists(
    st.tuples(st.sampled_from(["put", "remove"]), KEYS, st.sampled_from([0, 1, 5, 2**32 - 2])),
    max_size=400,
)


@settings(max_examples=300, deadline=None)
@given(OPS)
def test_the_table_answers_as_a_dict_would(ops: list[tuple[str, int, int]]) -> None:
    table = IdTable()
    model: dict[int, int] = {}
    for op, key, tag in ops:
        if op == "put":
            table.put(key, tag)
            model[key] = tag
        else:
            table.remove(key, tag)
            if model.get(key) == tag:
                del model[key]
        table.shrink_to_fit()
        assert len(table) == len(model)
    for key in {k for _, k, _ in ops}:
        assert table.get(key) == model.get(key)


BULK_OPS = st.lists(
    st.tuples(
        st.sampled_from(["put", "remove"]), st.lists(KEYS, max_size=120), st.sampled_from([0, 1])
    ),
    max_size=12,
)


@settings(max_examples=200, deadline=None)
@given(BULK_OPS)
def test_filing_and_forgetting_many_keys_at_once_answers_as_a_dict_would(
    ops: list[tuple[str, list[int], int]],
) -> None:
    # A batch's keys go in together and may grow the table halfway through (from 64 slots).
    table = IdTable()
    model: dict[int, int] = {}
    for op, keys, tag in ops:
        if op == "put":
            table.put_all(keys, tag)
            model.update(dict.fromkeys(keys, tag))
        else:
            table.remove_all(keys, tag)
            for key in keys:
                if model.get(key) == tag:
                    del model[key]
        assert len(table) == len(model)
    for key in {k for _, keys, _ in ops for k in keys}:
        assert table.get(key) == model.get(key)
