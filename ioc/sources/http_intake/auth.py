"""Bearer tokens: from the environment or a file, compared in constant time."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from pathlib import Path

from ioc.config import ConfigError


def load_tokens(env_value: str | None, file: Path | None) -> tuple[bytes, ...]:
    """Tokens from ``IOC_INTAKE_TOKENS`` (comma-separated) and/or a file (one per line, ``#``
    comments). No token at all is an error: an open intake would take anyone's events."""
    tokens = [t.strip() for t in (env_value or "").split(",")]
    if file is not None:
        try:
            lines = file.read_text().splitlines()
        except OSError as exc:
            raise ConfigError(f"{file}: cannot read the token file ({exc.strerror})") from None
        tokens += [line.split("#", 1)[0].strip() for line in lines]
    kept = [t for t in tokens if t]
    short = [t for t in kept if len(t) < 16]
    if short:
        raise ConfigError(
            f"{file or 'IOC_INTAKE_TOKENS'}: a token has {len(short[0])} characters; "
            "expected at least 16 (generate one with `openssl rand -hex 24`)"
        )
    if not kept:
        raise ConfigError(
            "no intake token: set IOC_INTAKE_TOKENS (comma-separated) or --tokens-file FILE"
        )
    return tuple(_digest(t.encode()) for t in kept)


def _digest(token: bytes) -> bytes:
    return hashlib.sha256(token).digest()


def authorized(header: str | None, tokens: Iterable[bytes]) -> bool:
    """Whether an ``Authorization: Bearer <token>`` header carries one of ``tokens``. Every
    token is compared, in constant time over equal-length digests: the time taken tells
    nothing about which token, or how much of one, matched."""
    if header is None or not header.startswith("Bearer "):
        return False
    given = _digest(header[len("Bearer ") :].strip().encode())
    matched = False
    for token in tokens:
        matched |= hmac.compare_digest(given, token)
    return matched
