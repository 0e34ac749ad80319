"""Named layouts of the positional rows the hot path keeps as JSON arrays: facts
(``facts``), batch rows (``batch_rows``: the offset, then the fact), the entity records of a
partition's state (``records``) and the rows of a detector signal (``signal_rows``).

Rows stay arrays (a fact parses and is freed far faster than a dict, docs/benchmarks.md);
readers index them by these names only (tests/unit/test_rows.py holds that). Rows written by
an older version are brought to the current layout in one place per kind: ``batch_rows.
upgrade`` when a batch is decoded, ``records.upgrade`` when a state is read, ``signal_rows.
upgrade`` when a signal is fed.
"""
