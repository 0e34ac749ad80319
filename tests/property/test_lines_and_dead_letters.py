"""Whatever a tailed file holds and however its bytes arrive, the splitter gives the same
lines; whatever a dead letter carries, it fits the limit with its headers."""

from __future__ import annotations

import hashlib

from aiokafka.record.default_records import DefaultRecordBatchBuilder
from hypothesis import example, given, settings
from hypothesis import strategies as st

from ioc.ingest.deadletter import deadletter_headers, fit_dead_letter, record_bytes
from ioc.sources.wazuh.lines import Line, LineSplitter

MAX, KEEP = 64, 16
content = st.lists(
    st.sampled_from([b"a", b"bc", b"\n", b"\r\n", b" ", b"x" * 50, b"{}", b"\xff"]), max_size=60
).map(b"".join)


def reference(data: bytes) -> list[tuple[bytes, int, int, str | None]]:
    """The lines as a plain split says they are: complete lines only, blank ones skipped."""
    out: list[tuple[bytes, int, int, str | None]] = []
    at = 0
    for raw in data.split(b"\n")[:-1]:
        end = at + len(raw) + 1
        if len(raw) > MAX:
            out.append((raw[:KEEP], len(raw), end, hashlib.sha256(raw).hexdigest()))
        elif raw.rstrip(b"\r").strip():
            out.append((raw.rstrip(b"\r"), len(raw.rstrip(b"\r")), end, None))
        at = end
    return out


def shape(lines: list[Line]) -> list[tuple[bytes, int, int, str | None]]:
    return [(line.data, line.length, line.end, line.digest) for line in lines]


@settings(max_examples=300)
@given(content, st.lists(st.integers(1, 40), max_size=30))
def test_any_chunking_gives_the_lines_a_plain_split_gives(data: bytes, cuts: list[int]) -> None:
    splitter = LineSplitter(0, max_line_bytes=MAX, keep_bytes=KEEP)
    lines: list[Line] = []
    at = 0
    for size in cuts:
        lines += splitter.feed(data[at : at + size])
        at += size
    lines += splitter.feed(data[at:])
    assert shape(lines) == reference(data)
    assert splitter.fed == len(data)


@settings(max_examples=300)
@given(
    st.binary(max_size=5000),
    st.text(max_size=2000),
    st.text(max_size=300),
    st.integers(600, 6000),
)
# Found by CI: a detail and an origin of multi-byte characters whose headers alone exceed it.
@example(b"", "\x80" * 2000, "\uf8ff" * 300, 600)
def test_a_dead_letter_always_fits_its_limit_as_aiokafka_counts_it(
    value: bytes, detail: str, origin: str, limit: int
) -> None:
    headers = deadletter_headers("invalid_json", detail, origin, -1, 12345)
    fitted, with_headers = fit_dead_letter(value, headers, limit)
    assert record_bytes(fitted, with_headers) <= limit
    aiokafka = DefaultRecordBatchBuilder.estimate_size_in_bytes(None, fitted, with_headers)
    assert aiokafka <= record_bytes(fitted, with_headers)
    if fitted != value:
        sent = dict(with_headers)
        assert sent["ioc-original-sha256"] == hashlib.sha256(value).hexdigest().encode()
        assert sent["ioc-original-length"] == str(len(value)).encode()
        assert value.startswith(fitted)
