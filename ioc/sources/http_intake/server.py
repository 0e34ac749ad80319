"""The HTTP shell: authenticate, read within the limit and the deadline, judge, publish,
answer per item.

A 2xx means that every accepted item is stored (acknowledged by all in-sync replicas) and
every rejected one dead-lettered; a 503 means nothing of the request may be taken as
stored: the client resends it whole, and what did get stored comes back as duplicates (an
event by its id, a dead letter by its bytes), so a resend stores nothing twice. The events
and dead letters of a request go to the broker together, in one round of acknowledgements.

``/healthz`` and ``/readyz`` answer 503 while the broker does not answer (a load balancer
then sends the traffic elsewhere); ``/livez`` only says the process runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, generate_latest

from ioc.catalog import Catalog
from ioc.config import Settings
from ioc.contracts.events import Event
from ioc.ingest.validate import Rejected
from ioc.runtime.errors import Unavailable
from ioc.sources.http_intake.auth import authorized
from ioc.sources.http_intake.encoding import decoded_body
from ioc.sources.http_intake.guard import ConnectionGuard
from ioc.sources.http_intake.items import (
    BodyError,
    ItemJudge,
    ItemResult,
    RecentIds,
    rejected_result,
    split_body,
)
from ioc.sources.http_intake.openapi import MAX_ITEMS, openapi
from ioc.sources.program import start_publisher, stop_event
from ioc.sources.publisher import EventPublisher, Outgoing

log = logging.getLogger("ioc.intake.http")
PATH = "/v1/events"
OPENAPI_PATH = "/v1/openapi.json"


class IntakeMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.requests = Counter(
            "ioc_intake_http_requests",
            "Requests to the HTTP intake, by the status code answered.",
            ["code"],
            registry=registry,
        )
        self.items = Counter(
            "ioc_intake_http_items",
            "Items posted to the HTTP intake, by result (accepted, duplicate, rejected).",
            ["result"],
            registry=registry,
        )
        for result in ("accepted", "duplicate", "rejected"):
            self.items.labels(result)
        self.refused = Counter(
            "ioc_intake_http_connections_refused",
            "Connections closed unheard: over the cap, or no request headers in time.",
            ["reason"],
            registry=registry,
        )
        for reason in ("too_many_connections", "header_timeout", "body_timeout"):
            self.refused.labels(reason)


@dataclass(frozen=True, slots=True)
class ServerLimits:
    """How long a client may take and how many may connect at once."""

    header_seconds: float = 15.0  # to send a request's headers, after connecting or a response
    body_seconds: float = 30.0  # to send its body
    max_connections: int = 256
    broker_check_seconds: float = 5.0  # how often readiness asks the broker


class HttpIntake:
    def __init__(
        self,
        judge: ItemJudge,
        publisher: EventPublisher,
        tokens: tuple[bytes, ...],
        now: Callable[[], float],
        registry: CollectorRegistry,
        *,
        max_body_bytes: int,
        body_seconds: float = 30.0,
    ) -> None:
        self.judge = judge
        self.publisher = publisher
        self.tokens = tokens
        self.now = now
        self.registry = registry
        self.metrics = IntakeMetrics(registry)
        self.max_body_bytes = max_body_bytes
        self.body_seconds = body_seconds
        self.recent = RecentIds()  # event ids stored, and digests of items dead-lettered
        self.guard: ConnectionGuard | None = None

    def app(self) -> web.Application:
        app = web.Application(client_max_size=self.max_body_bytes, middlewares=[self._guarded])
        app.router.add_post(PATH, self.post_events)
        app.router.add_get("/metrics", self.metrics_page)
        app.router.add_get("/healthz", self.ready)
        app.router.add_get("/readyz", self.ready)
        app.router.add_get("/livez", self.live)
        app.router.add_get(OPENAPI_PATH, self.openapi_page)
        return app

    @web.middleware
    async def _guarded(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        if self.guard is None:
            return await handler(request)
        self.guard.begin(request.transport)
        try:
            return await handler(request)
        finally:
            self.guard.end(request.transport)

    def _answer(
        self, status: int, body: Mapping[str, object], *, close: bool = False
    ) -> web.Response:
        self.metrics.requests.labels(str(status)).inc()
        headers = {"WWW-Authenticate": 'Bearer realm="ioc"'} if status == 401 else {}
        if close:
            headers["Connection"] = "close"
        return web.json_response(dict(body), status=status, headers=headers or None)

    async def _body(self, request: web.Request) -> bytes | web.Response:
        too_large = {"error": f"the body is larger than {self.max_body_bytes} bytes"}
        if (request.content_length or 0) > self.max_body_bytes:
            return self._answer(413, too_large, close=True)
        try:
            return await asyncio.wait_for(request.read(), self.body_seconds)
        except web.HTTPRequestEntityTooLarge:
            return self._answer(413, too_large, close=True)
        except TimeoutError:
            self.metrics.refused.labels("body_timeout").inc()
            error = f"the body did not arrive within {self.body_seconds:g} s"
            return self._answer(408, {"error": error}, close=True)

    async def post_events(self, request: web.Request) -> web.Response:
        if not authorized(request.headers.get("Authorization"), self.tokens):
            return self._answer(401, {"error": "missing or wrong bearer token"})
        body = await self._body(request)
        if isinstance(body, web.Response):
            return body
        try:
            body = decoded_body(body, request.headers.get("Content-Encoding"), self.max_body_bytes)
            items = split_body(body, request.content_type)
        except BodyError as exc:
            return self._answer(exc.status, {"error": str(exc)})
        if len(items) > MAX_ITEMS:
            return self._answer(413, {"error": f"{len(items)} items; at most {MAX_ITEMS}"})
        results, accepted, rejected = self._judge(items)
        if not self.publisher.connected:
            return self._answer(503, {"error": "the broker is not reachable; resend later"})
        records, marks = self._records(items, accepted, rejected)
        outcomes = await self.publisher.send(records)
        for mark, outcome in zip(marks, outcomes, strict=True):
            if outcome is None:
                self.recent.add(mark)  # a resend is answered from here, not stored again
        failed = next((outcome for outcome in outcomes if outcome is not None), None)
        if failed is not None:
            log.warning("request not stored: %r", failed)
            return self._answer(
                503,
                {
                    "error": "the broker did not acknowledge: resend the request (resent items "
                    "that were stored are answered as duplicates)"
                },
            )
        counts = {"accepted": 0, "duplicate": 0, "rejected": 0}
        for result in results:
            counts[result.status] += 1
            self.metrics.items.labels(result.status).inc()
        return self._answer(200, {**counts, "items": [r.as_json() for r in results]})

    def _records(
        self, items: list[bytes], accepted: list[Event], rejected: list[tuple[int, Rejected]]
    ) -> tuple[list[Outgoing], list[str]]:
        """What to store, and how each is remembered once stored (event id, item digest).
        An item dead-lettered before is not dead-lettered again."""
        records = [self.publisher.event_record(event) for event in accepted]
        marks = [event.event_id for event in accepted]
        for index, rejection in rejected:
            digest = _dead_mark(items[index])
            if digest in self.recent:
                continue
            records.append(
                self.publisher.dead_letter_record(
                    items[index], rejection.reason, rejection.detail, f"http:{PATH}", index
                )
            )
            marks.append(digest)
        return records, marks

    def _judge(
        self, items: list[bytes]
    ) -> tuple[list[ItemResult], list[Event], list[tuple[int, Rejected]]]:
        now = self.now()
        results: list[ItemResult] = []
        accepted: list[Event] = []
        rejected: list[tuple[int, Rejected]] = []
        in_request: set[str] = set()
        for index, raw in enumerate(items):
            verdict = self.judge.judge(raw, now)
            if isinstance(verdict, Rejected):
                results.append(rejected_result(index, verdict))
                rejected.append((index, verdict))
            elif verdict.event_id in self.recent or verdict.event_id in in_request:
                results.append(ItemResult(index, "duplicate", event_id=verdict.event_id))
            else:
                in_request.add(verdict.event_id)
                accepted.append(verdict)
                results.append(ItemResult(index, "accepted", event_id=verdict.event_id))
        return results, accepted, rejected

    async def metrics_page(self, request: web.Request) -> web.Response:
        return web.Response(
            body=generate_latest(self.registry), headers={"Content-Type": CONTENT_TYPE_LATEST}
        )

    async def openapi_page(self, request: web.Request) -> web.Response:
        return web.json_response(openapi(self.max_body_bytes))

    async def ready(self, request: web.Request) -> web.Response:
        if self.publisher.connected and self.publisher.reachable:
            return web.json_response({"status": "ok"})
        return web.json_response({"status": "broker not reachable"}, status=503)

    async def live(self, request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})


def _dead_mark(item: bytes) -> str:
    """How a dead-lettered item is remembered: by its bytes, since it may have no id."""
    return "dead:" + hashlib.sha256(item).hexdigest()


async def watch_broker(publisher: EventPublisher, stop: asyncio.Event, every: float) -> None:
    """Keep ``publisher.reachable`` true to the broker between requests."""
    while not stop.is_set():
        if publisher.connected:
            await publisher.check()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), every)


async def run_http_intake(
    settings: Settings,
    catalog: Catalog,
    tokens: tuple[bytes, ...],
    *,
    host: str,
    port: int,
    max_body_bytes: int,
    broker_timeout: float = 10.0,
    limits: ServerLimits | None = None,
) -> int:
    limits = limits or ServerLimits()
    stop = stop_event()
    registry = CollectorRegistry()
    publisher = EventPublisher(
        settings,
        registry,
        "http",
        sources=("dossier", "feedback", "soc"),
        request_timeout_seconds=broker_timeout,
    )
    intake = HttpIntake(
        ItemJudge(catalog, settings),
        publisher,
        tokens,
        settings.clock().now,
        registry,
        max_body_bytes=max_body_bytes,
        body_seconds=limits.body_seconds,
    )
    # aiohttp's decompression is off (encoding.py); idle keep-alive ends with the header wait.
    runner = web.AppRunner(
        intake.app(),
        access_log=None,
        auto_decompress=False,
        keepalive_timeout=limits.header_seconds,
    )
    await runner.setup()
    assert runner.server is not None
    guard = ConnectionGuard(
        runner.server,
        max_connections=limits.max_connections,
        header_seconds=limits.header_seconds,
        on_refused=lambda reason: intake.metrics.refused.labels(reason).inc(),
    )
    intake.guard = guard
    loop = asyncio.get_running_loop()
    try:
        server = await loop.create_server(guard, host, port, reuse_address=True)
    except OSError as exc:
        await runner.cleanup()
        raise Unavailable(
            f"cannot listen on {host}:{port} ({exc.strerror}): another program holds the "
            "port; pass --port"
        ) from None
    log.info("HTTP intake on http://%s:%d%s", host, port, PATH)
    connecting = asyncio.create_task(start_publisher(publisher, stop))
    watching = asyncio.create_task(watch_broker(publisher, stop, limits.broker_check_seconds))
    try:
        await stop.wait()
    finally:
        server.close()
        connecting.cancel()
        watching.cancel()
        await asyncio.gather(connecting, watching, return_exceptions=True)
        await runner.cleanup()
        await publisher.stop()
    return 0
