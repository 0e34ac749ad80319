"""The worker's web pages: /metrics, /progress and /state."""

from __future__ import annotations

from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from streams.owned import OwnedState


def add_pages(app: Any, registry: CollectorRegistry, owned: OwnedState) -> None:
    @app.page("/metrics")  # type: ignore[untyped-decorator]
    async def metrics(web: Any, request: Any) -> Any:
        return web.bytes(generate_latest(registry), content_type=CONTENT_TYPE_LATEST.split(";")[0])

    @app.page("/progress")  # type: ignore[untyped-decorator]
    async def progress(web: Any, request: Any) -> Any:
        """How far each owned source partition is applied, as JSON: a cheap view for tools
        that poll often (the real-time benchmark reads it every 100 ms)."""
        applied: dict[str, dict[str, float]] = {}
        for source, partition, offset in owned.applied_offsets():
            applied.setdefault(source, {})[partition] = offset
        return web.json({"applied": applied})

    @app.page("/state")  # type: ignore[untyped-decorator]
    async def state_size(web: Any, request: Any) -> Any:
        """What the state held here weighs, for benchmarks and capacity planning."""
        return web.json(owned.sizes())
