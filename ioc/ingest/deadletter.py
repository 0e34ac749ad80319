"""The headers of a dead-letter record: why, and where the original bytes came from. The
worker and the intakes write the same ones, so one reader serves every dead letter."""

from __future__ import annotations

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
