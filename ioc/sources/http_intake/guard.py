"""Connections the intake keeps: at most ``max_connections`` at once, and none for long
without a request (slowloris).

aiohttp's server has no timeout for a request's headers: a client that sends a header a
byte a second, or connects and says nothing, holds its connection for ever. The guard wraps
aiohttp's protocol factory: a connection must have its request's headers read within
``header_seconds`` of opening or of its previous response (the handler tells the guard
through ``begin`` and ``end``), or it is closed; the body has its own deadline in the
handler. A connection beyond the cap is closed at once and counted.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, cast


class _Connection:
    __slots__ = ("busy", "timer", "transport")

    def __init__(self, transport: asyncio.Transport) -> None:
        self.transport = transport
        self.busy = 0  # requests being handled
        self.timer: asyncio.TimerHandle | None = None


class ConnectionGuard:
    def __init__(
        self,
        factory: Callable[[], asyncio.Protocol],
        *,
        max_connections: int,
        header_seconds: float,
        on_refused: Callable[[str], None] = lambda why: None,
    ) -> None:
        self._factory = factory
        self.max_connections = max_connections
        self.header_seconds = header_seconds
        self._on_refused = on_refused
        self._open: dict[asyncio.Transport, _Connection] = {}

    def __len__(self) -> int:
        return len(self._open)

    def __call__(self) -> asyncio.Protocol:
        return _Guarded(self._factory(), self)

    def opened(self, transport: asyncio.Transport) -> bool:
        """False: over the cap, close it."""
        if len(self._open) >= self.max_connections:
            self._on_refused("too_many_connections")
            return False
        connection = self._open[transport] = _Connection(transport)
        self._wait_for_headers(connection)
        return True

    def closed(self, transport: asyncio.Transport) -> None:
        connection = self._open.pop(transport, None)
        if connection is not None and connection.timer is not None:
            connection.timer.cancel()

    def begin(self, transport: asyncio.Transport | None) -> None:
        """A request's headers are read: its handler runs (and bounds its body)."""
        connection = self._open.get(transport) if transport is not None else None
        if connection is None:
            return
        connection.busy += 1
        if connection.timer is not None:
            connection.timer.cancel()
            connection.timer = None

    def end(self, transport: asyncio.Transport | None) -> None:
        """The response is written: the next request's headers have their deadline."""
        connection = self._open.get(transport) if transport is not None else None
        if connection is None:
            return
        connection.busy -= 1
        if not connection.busy:
            self._wait_for_headers(connection)

    def _wait_for_headers(self, connection: _Connection) -> None:
        loop = asyncio.get_running_loop()
        connection.timer = loop.call_later(self.header_seconds, self._expire, connection)

    def _expire(self, connection: _Connection) -> None:
        if connection.busy or connection.transport not in self._open:
            return
        self._on_refused("header_timeout")
        connection.transport.abort()


class _Guarded(asyncio.Protocol):
    """aiohttp's protocol, told of nothing but what the guard allows."""

    def __init__(self, inner: asyncio.Protocol, guard: ConnectionGuard) -> None:
        self._inner = inner
        self._guard = guard
        self._transport: asyncio.Transport | None = None

    def connection_made(self, base: asyncio.BaseTransport) -> None:
        transport = cast(asyncio.Transport, base)  # a TCP server's: it can abort
        if not self._guard.opened(transport):
            transport.abort()
            return
        self._transport = transport
        self._inner.connection_made(transport)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._transport is None:
            return
        self._guard.closed(self._transport)
        self._inner.connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._transport is not None:
            self._inner.data_received(data)

    def eof_received(self) -> bool | None:
        return self._inner.eof_received() if self._transport is not None else None

    def pause_writing(self) -> None:
        self._inner.pause_writing()

    def resume_writing(self) -> None:
        self._inner.resume_writing()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)
