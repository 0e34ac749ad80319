"""`ioc probe`'s checks against real servers started by each test: what a platform that is
up, down, hung, refused or badly certified looks like to the prober."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from ioc.catalog.model import Service
from ioc.runtime import free_port
from ioc.sources.probe.checks import DnsCheck, HttpCheck, TcpCheck
from ioc.sources.probe.outcome import ProbeOutcome
from tests.tls import expiring_in, self_signed, server_context

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def service(target: str, **over: Any) -> Service:
    fields: dict[str, Any] = {
        "id": "cong-dvc",
        "name": "Cổng dịch vụ công",
        "tier": 1,
        "probe_kind": "http",
        "target": target,
        "agency": "so-tttt",
        "interval_seconds": 30,
        "timeout_seconds": 2,
        **over,
    }
    return Service(**fields)


async def serve(handler: Handler, ssl_context: Any = None) -> AsyncIterator[int]:
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port, ssl_context=ssl_context).start()
    try:
        yield port
    finally:
        await runner.cleanup()


async def probe(target: str, **over: Any) -> ProbeOutcome:
    check = HttpCheck(service(target, **over), time.time)
    try:
        return await check()
    finally:
        await check.close()


def answering(status: int, body: str = "ok", delay: float = 0.0) -> Handler:
    async def handler(request: web.Request) -> web.Response:
        if delay:
            await asyncio.sleep(delay)
        return web.Response(status=status, text=body)

    return handler


@pytest.fixture
async def up() -> AsyncIterator[int]:
    async for port in serve(answering(200, "<title>Cổng dịch vụ công</title>")):
        yield port


async def test_an_answer_200_is_up_with_its_status(up: int) -> None:
    outcome = await probe(f"http://127.0.0.1:{up}/")
    assert (outcome.reason, outcome.http_status, outcome.error_class) == ("ok", 200, None)


async def test_an_answer_500_is_down_as_http_5xx() -> None:
    async for port in serve(answering(500)):
        outcome = await probe(f"http://127.0.0.1:{port}/")
    assert (outcome.reason, outcome.http_status, outcome.error_class) == (
        "http_status",
        500,
        "http_5xx",
    )


async def test_a_status_outside_expected_status_is_down(up: int) -> None:
    outcome = await probe(f"http://127.0.0.1:{up}/", expected_status=[204])
    assert (outcome.reason, outcome.error_class) == ("http_status", "other")


async def test_a_body_without_the_expected_text_is_down_as_content(up: int) -> None:
    outcome = await probe(f"http://127.0.0.1:{up}/", body_contains="Đăng nhập")
    assert (outcome.reason, outcome.error_class) == ("body_condition", "content")


async def test_a_body_with_the_expected_text_is_up(up: int) -> None:
    outcome = await probe(f"http://127.0.0.1:{up}/", body_contains="Cổng dịch vụ công")
    assert outcome.success


async def test_a_server_that_accepts_and_never_answers_times_out_at_the_timeout() -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(60)

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        outcome = await probe(f"http://127.0.0.1:{port}/", timeout_seconds=1.0)
    assert (outcome.reason, outcome.error_class) == ("timeout", "timeout")
    assert 0.9 <= outcome.duration_seconds < 1.9


async def test_a_slow_answer_inside_the_timeout_is_up_with_its_duration() -> None:
    async for port in serve(answering(200, delay=1.5)):
        outcome = await probe(f"http://127.0.0.1:{port}/", timeout_seconds=2.0)
    assert outcome.success
    assert 1.5 <= outcome.duration_seconds < 2.0


async def test_a_refused_port_is_down_as_connect_refused() -> None:
    outcome = await probe(f"http://127.0.0.1:{free_port()}/")
    assert (outcome.reason, outcome.error_class) == ("connect_refused", "connect")


async def test_a_name_that_does_not_resolve_is_down_as_dns() -> None:
    outcome = await probe("http://ioc-probe-test.invalid/", timeout_seconds=5.0)
    assert (outcome.reason, outcome.error_class) == ("dns", "dns")


async def test_a_certificate_expiring_in_10_days_reads_9_or_10_days_left(tmp_path: Path) -> None:
    cert, key = expiring_in(tmp_path, days=10)
    async for port in serve(answering(200), server_context(cert, key)):
        outcome = await probe(f"https://localhost:{port}/", ca_file=cert)
    assert outcome.success
    assert outcome.tls_days_left is not None
    assert 9 <= outcome.tls_days_left <= 10


async def test_an_expired_certificate_is_down_as_tls_with_negative_days_left(
    tmp_path: Path,
) -> None:
    cert, key = expiring_in(tmp_path, days=-3)
    async for port in serve(answering(200), server_context(cert, key)):
        outcome = await probe(f"https://localhost:{port}/", ca_file=cert)
    assert (outcome.reason, outcome.error_class) == ("certificate_expired", "tls")
    assert outcome.tls_days_left is not None
    assert -4 <= outcome.tls_days_left <= -3


async def test_a_certificate_not_yet_valid_is_down_as_tls(tmp_path: Path) -> None:
    from datetime import UTC, datetime, timedelta

    now = datetime.now(UTC)
    cert, key = self_signed(
        tmp_path, valid_from=now + timedelta(days=2), valid_until=now + timedelta(days=90)
    )
    async for port in serve(answering(200), server_context(cert, key)):
        outcome = await probe(f"https://localhost:{port}/", ca_file=cert)
    assert (outcome.reason, outcome.error_class) == ("certificate_not_yet_valid", "tls")


async def test_a_certificate_of_an_untrusted_issuer_is_down_as_tls(tmp_path: Path) -> None:
    cert, key = expiring_in(tmp_path, days=30)
    async for port in serve(answering(200), server_context(cert, key)):
        outcome = await probe(f"https://localhost:{port}/")
    assert (outcome.reason, outcome.error_class) == ("certificate_untrusted", "tls")


async def test_plain_http_to_a_tls_port_is_down_not_up(tmp_path: Path) -> None:
    cert, key = expiring_in(tmp_path, days=30)
    async for port in serve(answering(200), server_context(cert, key)):
        outcome = await probe(f"http://127.0.0.1:{port}/")
    assert not outcome.success


async def test_a_tcp_port_that_accepts_is_up_and_a_closed_one_is_down() -> None:
    server = await asyncio.start_server(lambda r, w: w.close(), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        up = await TcpCheck(service(f"127.0.0.1:{port}", probe_kind="tcp"))()
    down = await TcpCheck(service(f"127.0.0.1:{free_port()}", probe_kind="tcp"))()
    assert (up.reason, down.reason) == ("ok", "connect_refused")


async def test_a_dns_probe_of_localhost_is_up() -> None:
    outcome = await DnsCheck(service("localhost", probe_kind="dns"))()
    assert outcome.success
