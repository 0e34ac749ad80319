"""What a probe saw, judged: up, or down for a named reason (pure: no I/O, no clock).

The event contract has eight error classes; the prober's own metrics keep the finer
reason (an expired certificate is not a handshake failure, a refused port is not a
firewall's silence), so that on-call can tell them apart.
"""

from __future__ import annotations

import socket
import ssl
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import aiohttp

from ioc.contracts.events import SCHEMA_VERSION, UptimeProbe

Reason = Literal[
    "ok",
    "dns",
    "connect_refused",
    "connect",
    "timeout",
    "tls_handshake",
    "certificate_expired",
    "certificate_not_yet_valid",
    "certificate_untrusted",
    "http_status",
    "body_condition",
    "other",
]
REASONS: tuple[Reason, ...] = Reason.__args__  # type: ignore[attr-defined]

ErrorClass = Literal["timeout", "dns", "tls", "connect", "http_4xx", "http_5xx", "content", "other"]
_ERROR_CLASS: dict[Reason, ErrorClass] = {
    "dns": "dns",
    "connect_refused": "connect",
    "connect": "connect",
    "timeout": "timeout",
    "tls_handshake": "tls",
    "certificate_expired": "tls",
    "certificate_not_yet_valid": "tls",
    "certificate_untrusted": "tls",
    "body_condition": "content",
    "other": "other",
}
# OpenSSL's X509_V_ERR_* codes that name a certificate's validity period.
_CERT_NOT_YET_VALID = 9
_CERT_HAS_EXPIRED = 10


@dataclass(frozen=True, slots=True)
class ProbeOutcome:
    reason: Reason
    duration_seconds: float
    http_status: int | None = None
    tls_days_left: float | None = None
    detail: str = ""

    @property
    def success(self) -> bool:
        return self.reason == "ok"

    @property
    def error_class(self) -> ErrorClass | None:
        if self.reason == "ok":
            return None
        if self.reason == "http_status":
            status = self.http_status or 0
            return "http_5xx" if status >= 500 else "http_4xx" if status >= 400 else "other"
        return _ERROR_CLASS[self.reason]


def judge_response(
    status: int, body: bytes | None, expected_status: list[int] | None, body_contains: str | None
) -> Reason:
    """An HTTP answer: up when its status is expected (any 2xx by default) and its body
    holds ``body_contains``; a wrong status is reported before a wrong body."""
    expected = 200 <= status < 300 if expected_status is None else status in expected_status
    if not expected:
        return "http_status"
    if body_contains is not None and body_contains.encode() not in (body or b""):
        return "body_condition"
    return "ok"


def reason_of_exception(exc: BaseException) -> Reason:
    """The reason a probe failed, from what the HTTP client or the socket raised."""
    if isinstance(exc, aiohttp.ClientConnectorCertificateError):
        return _certificate_reason(exc.certificate_error)
    if isinstance(exc, ssl.SSLCertVerificationError):
        return _certificate_reason(exc)
    if isinstance(exc, aiohttp.ClientConnectorSSLError | aiohttp.ClientSSLError | ssl.SSLError):
        return "tls_handshake"
    if isinstance(exc, aiohttp.ClientConnectorDNSError | socket.gaierror):
        return "dns"
    if isinstance(exc, TimeoutError):
        return "timeout"
    if isinstance(exc, aiohttp.ClientConnectorError):
        return reason_of_exception(exc.os_error) if exc.os_error is not exc else "connect"
    if isinstance(exc, ConnectionRefusedError):
        return "connect_refused"
    if isinstance(exc, OSError):
        return "connect"
    return "other"


def _certificate_reason(exc: BaseException) -> Reason:
    code = getattr(exc, "verify_code", None)
    if code == _CERT_HAS_EXPIRED:
        return "certificate_expired"
    if code == _CERT_NOT_YET_VALID:
        return "certificate_not_yet_valid"
    return "certificate_untrusted"


def days_left(not_after: datetime, now: float) -> float:
    """Days until a certificate's notAfter (negative once expired), to 0.01 day."""
    return round((not_after.timestamp() - now) / 86400, 2)


def to_event(
    service: str, kind: str, outcome: ProbeOutcome, event_id: str, started: datetime
) -> UptimeProbe:
    return UptimeProbe(
        schema_version=SCHEMA_VERSION,
        event_id=event_id,
        event_time=started,
        event_type="uptime_probe",
        service=service,
        probe_kind=kind,  # type: ignore[arg-type]
        success=outcome.success,
        duration_seconds=round(min(max(outcome.duration_seconds, 0.0), 3600.0), 4),
        http_status=outcome.http_status,
        error_class=outcome.error_class,
        tls_days_left=(
            None
            if outcome.tls_days_left is None
            else min(max(outcome.tls_days_left, -36_500.0), 36_500.0)
        ),
    )
