"""`ioc intake wazuh`: tail alerts.json, publish SocAlerts, checkpoint what is stored."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path

from prometheus_client import CollectorRegistry, Counter, Gauge

from ioc.catalog import Catalog
from ioc.catalog.assets import ASSET_TYPES, AssetRegister
from ioc.config import ConfigError, Settings
from ioc.contracts.events import Event
from ioc.sources.program import serve_metrics, start_publisher, stop_event
from ioc.sources.publisher import EventPublisher, PublishError
from ioc.sources.wazuh.checkpoint import load_checkpoint, save_checkpoint
from ioc.sources.wazuh.follow import FileFollower, Line
from ioc.sources.wazuh.mapping import Mapped, Unregistered, map_alert

log = logging.getLogger("ioc.intake.wazuh")


class WazuhMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.alerts = Counter(
            "ioc_wazuh_alerts",
            "Wazuh alerts published, by whether their agent is in the asset register "
            "(unregistered ones go to the bucket agency).",
            ["registered"],
            registry=registry,
        )
        for registered in ("true", "false"):
            self.alerts.labels(registered)
        self.rotations = Counter(
            "ioc_wazuh_file_rotations",
            "Times alerts.json was replaced by a new file.",
            registry=registry,
        )
        self.truncations = Counter(
            "ioc_wazuh_file_truncations",
            "Times alerts.json was found shorter than the position read.",
            registry=registry,
        )
        self.backlog = Gauge(
            "ioc_wazuh_backlog_bytes",
            "Bytes written to alerts.json and not yet read: a growing value is a stuck intake.",
            registry=registry,
        )
        self.offset = Gauge(
            "ioc_wazuh_checkpoint_offset_bytes",
            "The checkpointed position in the current alerts file.",
            registry=registry,
        )


def unregistered_bucket(catalog: Catalog, agency: str, asset_type: str) -> Unregistered:
    agencies = {a.id for a in catalog.agencies}
    if agency not in agencies:
        raise ConfigError(
            f"--unregistered-agency {agency!r}: expected the id of an agency in the catalog"
        )
    if asset_type not in ASSET_TYPES:
        raise ConfigError(
            f"--unregistered-asset-type {asset_type!r}: expected {' or '.join(ASSET_TYPES)}"
        )
    return Unregistered(agency, asset_type)


class WazuhIntake:
    def __init__(
        self,
        publisher: EventPublisher,
        follower: FileFollower,
        checkpoint_file: Path,
        register: AssetRegister,
        unregistered: Unregistered,
        metrics: WazuhMetrics,
    ) -> None:
        self.publisher = publisher
        self.follower = follower
        self.checkpoint_file = checkpoint_file
        self.register = register
        self.unregistered = unregistered
        self.metrics = metrics
        self.origin = f"wazuh:{follower.path}"
        self._rotations = self._truncations = 0

    async def store(self, lines: list[Line], stop: asyncio.Event) -> bool:
        """Publish the lines' alerts and dead-letter the rest, retrying while the broker
        does not acknowledge; True once stored (then the checkpoint moves past them)."""
        events: list[Event] = []
        refused: list[tuple[Line, str, str]] = []
        registered: list[bool] = []
        for line in lines:
            verdict = map_alert(line.data, self.register, self.unregistered)
            if isinstance(verdict, Mapped):
                events.append(verdict.alert)
                registered.append(verdict.registered)
            else:
                refused.append((line, verdict.reason, verdict.detail))
        delay = 1.0
        while True:
            try:
                await self.publisher.publish(events)
                for line, reason, detail in refused:
                    await self.publisher.dead_letter(
                        line.data, reason, detail, self.origin, line.offset
                    )
                break
            except PublishError as exc:
                log.warning("%d lines not stored (%s); retrying in %.0f s", len(lines), exc, delay)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), delay)
                if stop.is_set():
                    return False
                delay = min(delay * 2, 30.0)
        for known in registered:
            self.metrics.alerts.labels("true" if known else "false").inc()
        save_checkpoint(self.checkpoint_file, lines[-1].end)
        self.metrics.offset.set(lines[-1].end.offset)
        return True

    def observe(self) -> None:
        f = self.follower
        self.metrics.rotations.inc(f.rotations - self._rotations)
        self.metrics.truncations.inc(f.truncations - self._truncations)
        self._rotations, self._truncations = f.rotations, f.truncations
        self.metrics.backlog.set(f.backlog_bytes())

    async def run(self, stop: asyncio.Event, poll_seconds: float) -> None:
        while not stop.is_set():
            lines = self.follower.read()
            self.observe()
            if lines:
                if not await self.store(lines, stop):
                    return
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), poll_seconds)


async def run_wazuh_intake(
    settings: Settings,
    register: AssetRegister,
    unregistered: Unregistered,
    *,
    alerts_file: Path,
    checkpoint_file: Path,
    from_beginning: bool,
    poll_seconds: float,
    metrics_port: int,
) -> int:
    stop = stop_event()
    registry = CollectorRegistry()
    publisher = EventPublisher(settings, registry, "wazuh", sources=("soc",))
    checkpoint_file.parent.mkdir(parents=True, exist_ok=True)
    start = load_checkpoint(checkpoint_file)
    follower = FileFollower(alerts_file, start, from_beginning=from_beginning)
    if start is None and follower.position is not None:
        # Where a first run starts is kept at once: a restart before the first alert
        # resumes there, not at a later end of the file.
        save_checkpoint(checkpoint_file, follower.position)
    intake = WazuhIntake(
        publisher, follower, checkpoint_file, register, unregistered, WazuhMetrics(registry)
    )
    serve_metrics(metrics_port, registry)
    log.info(
        "following %s from %s (%d agents in the register)",
        alerts_file,
        "the checkpoint" if start else "the beginning" if from_beginning else "the end",
        len(register),
    )
    try:
        if await start_publisher(publisher, stop):
            await intake.run(stop, poll_seconds)
    finally:
        follower.close()
        await publisher.stop()
    return 0
