"""A body's Content-Encoding undone within the size limit (pure: no I/O).

aiohttp's automatic decompression is off: it answers a body that is not what its header
says with a 500, and inflates without a limit. Here ``identity`` and ``gzip`` are taken,
inflated to at most ``max_bytes`` (a small body that inflates to gigabytes is refused at
the limit, not read), and anything else is a one-line 415.
"""

from __future__ import annotations

import zlib

from ioc.sources.http_intake.items import BodyError

ENCODINGS = ("identity", "gzip")


def decoded_body(body: bytes, content_encoding: str | None, max_bytes: int) -> bytes:
    codings = [c.strip().lower() for c in (content_encoding or "").split(",") if c.strip()]
    if not codings or codings == ["identity"]:
        return body
    if codings != ["gzip"] and codings != ["x-gzip"]:
        raise BodyError(
            415, f"Content-Encoding {content_encoding!r}: expected {' or '.join(ENCODINGS)}"
        )
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(body, max_bytes + 1)
    except zlib.error as exc:
        raise BodyError(400, f"the body is not gzip: {exc}") from None
    if len(out) > max_bytes:
        raise BodyError(413, f"the body inflates to more than {max_bytes} bytes")
    if not inflater.eof:
        raise BodyError(400, "the body is not gzip: it ends before the gzip stream does")
    return out
