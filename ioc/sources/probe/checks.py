"""The network side of a probe: one fresh connection each time, as a user's browser would
make it, timed from the first byte sent to the last byte read."""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import Callable
from urllib.parse import urlsplit

import aiohttp
from cryptography import x509

from ioc.catalog.model import Service
from ioc.sources.probe.outcome import ProbeOutcome, days_left, judge_response, reason_of_exception

# Bodies are read to check a condition, never kept whole: a portal's home page is enough.
MAX_BODY_BYTES = 1 << 20

Now = Callable[[], float]


def tls_context(service: Service) -> ssl.SSLContext:
    context = ssl.create_default_context()
    if service.ca_file is not None:
        context.load_verify_locations(cafile=str(service.ca_file))
    return context


class HttpCheck:
    """Probes one http service; holds the session (and its TLS context) between probes."""

    def __init__(self, service: Service, now: Now) -> None:
        self.service = service
        self.now = now
        self._session: aiohttp.ClientSession | None = None
        self._peer_certificate: bytes | None = None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(ssl=self._recording_context(), force_close=True),
                timeout=aiohttp.ClientTimeout(total=self.service.timeout_seconds),
                headers={"User-Agent": "ioc-probe/1"},
            )
        return self._session

    async def __call__(self) -> ProbeOutcome:
        service = self.service
        started = time.monotonic()
        tls_days: float | None = None
        self._peer_certificate = None
        try:
            async with self._client().request(
                service.method, service.target, allow_redirects=True
            ) as resp:
                body = await resp.content.read(MAX_BODY_BYTES) if service.body_contains else None
                status = resp.status
        except Exception as exc:
            reason = reason_of_exception(exc)
            if reason.startswith("certificate_"):
                tls_days = await self._days_left_unverified()
            return ProbeOutcome(
                reason, time.monotonic() - started, tls_days_left=tls_days, detail=repr(exc)[:200]
            )
        reason = judge_response(status, body, service.expected_status, service.body_contains)
        if self._peer_certificate is not None:
            tls_days = self._days_left_of_der(self._peer_certificate)
        return ProbeOutcome(reason, time.monotonic() - started, status, tls_days)

    def _recording_context(self) -> ssl.SSLContext:
        """The service's TLS context, keeping the peer's certificate of each handshake that
        verified (aiohttp lets a connection go before its response can be asked for it)."""
        context = tls_context(self.service)
        check = self

        class Recording(ssl.SSLObject):
            def do_handshake(self) -> None:
                super().do_handshake()  # raises until done, and on a refused certificate
                check._peer_certificate = self.getpeercert(binary_form=True)

        context.sslobject_class = Recording
        return context

    def _days_left_of_der(self, der: bytes) -> float:
        not_after = x509.load_der_x509_certificate(der).not_valid_after_utc
        return days_left(not_after, self.now())

    async def _days_left_unverified(self) -> float | None:
        """The certificate's days left when verification refused it (expired, not yet
        valid): read it again without verifying, only to date it."""
        url = urlsplit(self.service.target)
        if url.scheme != "https" or url.hostname is None:
            return None
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        try:
            _, writer = await asyncio.wait_for(
                asyncio.open_connection(url.hostname, url.port or 443, ssl=context),
                self.service.timeout_seconds,
            )
        except (OSError, TimeoutError):
            return None
        try:
            der = writer.get_extra_info("ssl_object").getpeercert(binary_form=True)
            return self._days_left_of_der(der) if der else None
        finally:
            writer.close()


class TcpCheck:
    """Up when a TCP connection to ``host:port`` opens within the timeout."""

    def __init__(self, service: Service) -> None:
        self.service = service
        host, _, port = service.target.rpartition(":")
        self.host, self.port = host.strip("[]"), int(port)

    async def close(self) -> None:
        pass

    async def __call__(self) -> ProbeOutcome:
        started = time.monotonic()
        try:
            _, writer = await asyncio.wait_for(
                asyncio.open_connection(self.host, self.port), self.service.timeout_seconds
            )
        except Exception as exc:
            return ProbeOutcome(
                reason_of_exception(exc), time.monotonic() - started, detail=repr(exc)[:200]
            )
        writer.close()
        return ProbeOutcome("ok", time.monotonic() - started)


class DnsCheck:
    """Up when the name resolves within the timeout."""

    def __init__(self, service: Service) -> None:
        self.service = service

    async def close(self) -> None:
        pass

    async def __call__(self) -> ProbeOutcome:
        started = time.monotonic()
        loop = asyncio.get_running_loop()
        try:
            await asyncio.wait_for(
                loop.getaddrinfo(self.service.target, None), self.service.timeout_seconds
            )
        except Exception as exc:
            return ProbeOutcome(
                reason_of_exception(exc), time.monotonic() - started, detail=repr(exc)[:200]
            )
        return ProbeOutcome("ok", time.monotonic() - started)


Check = HttpCheck | TcpCheck | DnsCheck
SUPPORTED_KINDS = ("http", "tcp", "dns")


def check_for(service: Service, now: Now) -> Check:
    if service.probe_kind == "http":
        return HttpCheck(service, now)
    if service.probe_kind == "tcp":
        return TcpCheck(service)
    if service.probe_kind == "dns":
        return DnsCheck(service)
    raise ValueError(f"{service.id}: probe_kind {service.probe_kind!r} is not run by ioc probe")
