"""The headers of a dead-letter record: why, and where the original bytes came from. The
worker and the intakes write the same ones, so one reader serves every dead letter."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

MAX_DETAIL_BYTES = 1024


def deadletter_headers(
    reason: str,
    detail: str,
    topic: str,
    partition: int,
    offset: int,
    extra: Sequence[tuple[str, bytes]] = (),
) -> list[tuple[str, bytes]]:
    """``topic``/``partition``/``offset`` locate the original: for an intake that read a file,
    the file's path, -1 and the line's byte offset."""
    return [
        ("ioc-reason", reason.encode()),
        ("ioc-detail", detail.encode()[:MAX_DETAIL_BYTES]),
        ("ioc-source-topic", topic.encode()),
        ("ioc-source-partition", str(partition).encode()),
        ("ioc-source-offset", str(offset).encode()),
        *extra,
    ]


# An upper bound of the bytes a record costs in a produce request, as aiokafka checks it
# against max_request_size (DefaultRecordBatchBuilder.estimate_size_in_bytes: batch header,
# record overhead, key, value, and each header's key and value with their varints).
_BATCH_AND_RECORD_OVERHEAD = 61 + 21 + 16
_PER_HEADER_OVERHEAD = 10


def record_bytes(value: bytes, headers: Sequence[tuple[str, bytes]], key: bytes = b"") -> int:
    return (
        _BATCH_AND_RECORD_OVERHEAD
        + len(key)
        + len(value)
        + sum(len(k.encode()) + len(v) + _PER_HEADER_OVERHEAD for k, v in headers)
    )


def fit_dead_letter(
    value: bytes,
    headers: list[tuple[str, bytes]],
    limit: int,
    *,
    original_length: int | None = None,
    original_sha256: str | None = None,
) -> tuple[bytes, list[tuple[str, bytes]]]:
    """A dead letter that fits ``limit`` bytes with its headers. When the original bytes do
    not fit, or were cut already (``original_length``, ``original_sha256``), the value is
    the head that fits and the headers carry the original's length and SHA-256, so that
    the original can still be found and told apart."""
    if original_sha256 is None and record_bytes(value, headers) <= limit:
        return value, headers
    length = len(value) if original_length is None else original_length
    digest = original_sha256 or hashlib.sha256(value).hexdigest()
    cut_headers = [
        *headers,
        ("ioc-original-length", str(length).encode()),
        ("ioc-original-sha256", digest.encode()),
    ]
    cut_headers = _fit_headers(cut_headers, limit)
    room = max(limit - record_bytes(b"", cut_headers), 0)
    return value[:room], cut_headers


# Headers whose values are text that may be cut when even the headers do not fit a limit
# (a small one, or a detail and a file path of many multi-byte characters).
_CUTTABLE = ("ioc-detail", "ioc-source-topic")


def _fit_headers(headers: list[tuple[str, bytes]], limit: int) -> list[tuple[str, bytes]]:
    excess = record_bytes(b"", headers) - limit
    if excess <= 0:
        return headers
    fitted = list(headers)
    for name in _CUTTABLE:
        for i, (key, data) in enumerate(fitted):
            if key == name and excess > 0:
                cut = min(excess, len(data))
                fitted[i] = (key, data[: len(data) - cut])
                excess -= cut
    return fitted
