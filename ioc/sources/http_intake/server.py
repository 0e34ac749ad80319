"""The HTTP shell: authenticate, read within the limit, judge, publish, answer per item.

A 2xx means that every accepted item is stored (acknowledged by all in-sync replicas) and
every rejected one dead-lettered; a 503 means nothing of the request may be taken as
stored: the client resends it whole, and what did get stored comes back as duplicates.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, generate_latest

from ioc.catalog import Catalog
from ioc.config import Settings
from ioc.contracts.events import Event
from ioc.ingest.validate import Rejected
from ioc.sources.http_intake.auth import authorized
from ioc.sources.http_intake.items import (
    BodyError,
    ItemJudge,
    ItemResult,
    RecentIds,
    rejected_result,
    split_body,
)
from ioc.sources.program import start_publisher, stop_event
from ioc.sources.publisher import EventPublisher, PublishError

log = logging.getLogger("ioc.intake.http")
PATH = "/v1/events"
MAX_ITEMS = 10_000


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
    ) -> None:
        self.judge = judge
        self.publisher = publisher
        self.tokens = tokens
        self.now = now
        self.registry = registry
        self.metrics = IntakeMetrics(registry)
        self.max_body_bytes = max_body_bytes
        self.recent = RecentIds()

    def app(self) -> web.Application:
        app = web.Application(client_max_size=self.max_body_bytes)
        app.router.add_post(PATH, self.post_events)
        app.router.add_get("/metrics", self.metrics_page)
        app.router.add_get("/healthz", self.health)
        return app

    def _answer(self, status: int, body: Mapping[str, object]) -> web.Response:
        self.metrics.requests.labels(str(status)).inc()
        headers = {"WWW-Authenticate": 'Bearer realm="ioc"'} if status == 401 else None
        return web.json_response(dict(body), status=status, headers=headers)

    async def post_events(self, request: web.Request) -> web.Response:
        if not authorized(request.headers.get("Authorization"), self.tokens):
            return self._answer(401, {"error": "missing or wrong bearer token"})
        too_large = {"error": f"the body is larger than {self.max_body_bytes} bytes"}
        if (request.content_length or 0) > self.max_body_bytes:
            return self._answer(413, too_large)
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return self._answer(413, too_large)
        try:
            items = split_body(body, request.content_type)
        except BodyError as exc:
            return self._answer(exc.status, {"error": str(exc)})
        if len(items) > MAX_ITEMS:
            return self._answer(413, {"error": f"{len(items)} items; at most {MAX_ITEMS}"})
        results, accepted, rejected = self._judge(items)
        if not self.publisher.connected:
            return self._answer(503, {"error": "the broker is not reachable; resend later"})
        try:
            await self.publisher.publish(accepted)
            for index, rejection in rejected:
                await self.publisher.dead_letter(
                    items[index], rejection.reason, rejection.detail, f"http:{PATH}", index
                )
        except PublishError as exc:
            log.warning("request not stored: %s", exc)
            return self._answer(
                503,
                {
                    "error": "the broker did not acknowledge: resend the request (resent items "
                    "that were stored are answered as duplicates)"
                },
            )
        for event in accepted:
            self.recent.add(event.event_id)
        counts = {"accepted": 0, "duplicate": 0, "rejected": 0}
        for result in results:
            counts[result.status] += 1
            self.metrics.items.labels(result.status).inc()
        return self._answer(200, {**counts, "items": [r.as_json() for r in results]})

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

    async def health(self, request: web.Request) -> web.Response:
        if self.publisher.connected:
            return web.json_response({"status": "ok"})
        return web.json_response({"status": "broker not reachable"}, status=503)


async def run_http_intake(
    settings: Settings,
    catalog: Catalog,
    tokens: tuple[bytes, ...],
    *,
    host: str,
    port: int,
    max_body_bytes: int,
    broker_timeout: float = 10.0,
) -> int:
    stop = stop_event()
    registry = CollectorRegistry()
    publisher = EventPublisher(
        settings,
        registry,
        "http",
        sources=("dossier", "soc"),
        request_timeout_seconds=broker_timeout,
    )
    intake = HttpIntake(
        ItemJudge(catalog, settings),
        publisher,
        tokens,
        settings.clock().now,
        registry,
        max_body_bytes=max_body_bytes,
    )
    runner = web.AppRunner(intake.app(), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    log.info("HTTP intake on http://%s:%d%s", host, port, PATH)
    connecting = asyncio.create_task(start_publisher(publisher, stop))
    try:
        await stop.wait()
    finally:
        connecting.cancel()
        await asyncio.gather(connecting, return_exceptions=True)
        await runner.cleanup()
        await publisher.stop()
    return 0
