"""`ioc intake wazuh`: tail alerts.json, publish SocAlerts, checkpoint what is stored."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from pathlib import Path

from prometheus_client import CollectorRegistry, Counter, Gauge

from ioc.catalog import Catalog
from ioc.catalog.assets import ASSET_TYPES, AssetRegister
from ioc.config import ConfigError, Settings
from ioc.lograte import LogOncePer
from ioc.sources.program import serve_metrics, start_publisher, stop_event
from ioc.sources.publisher import EventPublisher, Outgoing, too_large
from ioc.sources.wazuh.checkpoint import load_checkpoint, save_checkpoint
from ioc.sources.wazuh.follow import FileFollower
from ioc.sources.wazuh.lines import MAX_LINE_BYTES, Line
from ioc.sources.wazuh.mapping import Unmappable, Unregistered, map_alert

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
            "Times alerts.json was found truncated (shorter than read, or other first bytes).",
            registry=registry,
        )
        self.backlog = Gauge(
            "ioc_wazuh_backlog_bytes",
            "Bytes written to alerts.json (and its rotated files) and not yet stored, from "
            "the files' sizes: a value that stays up is a stuck intake.",
            registry=registry,
        )
        self.checkpoint_failures = Counter(
            "ioc_wazuh_checkpoint_failures",
            "Times the checkpoint could not be saved (a full disk, a read-only folder).",
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
    """Reads lines, stores each once (published, or dead-lettered with its offset and a
    reason), then moves the checkpoint past them: in that order, so that a crash resends at
    most what was not yet checkpointed, and the worker drops those by event id."""

    def __init__(
        self,
        publisher: EventPublisher,
        follower: FileFollower,
        checkpoint_file: Path,
        register: AssetRegister,
        unregistered: Unregistered,
        metrics: WazuhMetrics,
        *,
        max_event_bytes: int,
    ) -> None:
        self.publisher = publisher
        self.follower = follower
        self.checkpoint_file = checkpoint_file
        self.register = register
        self.unregistered = unregistered
        self.metrics = metrics
        self.max_event_bytes = max_event_bytes
        self.origin = f"wazuh:{follower.path}"
        self._rotations = self._truncations = 0
        self._checkpoint_errors = LogOncePer(60.0)
        self._read_errors = LogOncePer(60.0)

    def record(self, line: Line) -> tuple[Outgoing, bool | None]:
        """What ``line`` becomes, and whether its agent is registered (None: dead letter)."""
        if line.cut:
            detail = (
                f"a line of {line.length} bytes, over the limit of {MAX_LINE_BYTES}: "
                "its head is kept, with its length and SHA-256"
            )
            return self._dead(line, "oversized", detail), None
        verdict = map_alert(line.data, self.register, self.unregistered)
        if isinstance(verdict, Unmappable):
            return self._dead(line, verdict.reason, verdict.detail), None
        record = self.publisher.event_record(verdict.alert)
        if len(record.value) > self.max_event_bytes:
            detail = (
                f"the alert is {len(record.value)} bytes as an event, over "
                f"IOC_MAX_MESSAGE_BYTES ({self.max_event_bytes})"
            )
            return self._dead(line, "oversized", detail), None
        return record, verdict.registered

    def _dead(self, line: Line, reason: str, detail: str, limit: int | None = None) -> Outgoing:
        return self.publisher.dead_letter_record(
            line.data,
            reason,
            detail,
            self.origin,
            line.offset,
            original_length=line.length if line.cut else None,
            original_sha256=line.digest,
            **({"limit": limit} if limit is not None else {}),
        )

    async def store(self, lines: list[Line], stop: asyncio.Event) -> bool:
        """Store every line, resending only what the broker did not acknowledge; True once
        all are stored, False if stopped first."""
        pending = [(line, *self.record(line)) for line in lines]
        delay = 1.0
        while pending:
            outcomes = await self.publisher.send([record for _, record, _ in pending])
            again: list[tuple[Line, Outgoing, bool | None]] = []
            for (line, record, registered), outcome in zip(pending, outcomes, strict=True):
                if outcome is None:
                    if registered is not None:
                        self.metrics.alerts.labels("true" if registered else "false").inc()
                elif too_large(outcome):
                    # Refused for its size whatever the estimate said: a smaller dead letter.
                    limit = min(len(record.value) // 2, 64 * 1024)
                    detail = f"the broker refused {len(record.value)} bytes: {outcome!r}"
                    again.append((line, self._dead(line, "oversized", detail, limit), None))
                else:
                    again.append((line, record, registered))
            if not again:
                break
            pending = again
            log.warning(
                "%d of %d lines not stored (%r); retrying in %.0f s",
                len(again),
                len(lines),
                next(o for o in outcomes if o is not None),
                delay,
            )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), delay)
            if stop.is_set():
                return False
            delay = min(delay * 2, 30.0)
        self.follower.commit(lines)
        self.save_checkpoint()
        return True

    def save_checkpoint(self) -> None:
        try:
            save_checkpoint(self.checkpoint_file, self.follower.checkpoint(), time.time_ns())
        except OSError as exc:
            # Lines go on being published; a restart before the next save resends some,
            # which the worker drops by event id.
            self.metrics.checkpoint_failures.inc()
            if self._checkpoint_errors.ready(time.monotonic()):
                log.error(
                    "cannot save the checkpoint %s: %s (%d times)",
                    self.checkpoint_file,
                    exc.strerror or exc,
                    self._checkpoint_errors.take(),
                )
            return
        position = self.follower.position
        if position is not None:
            self.metrics.offset.set(position.offset)

    def observe(self) -> None:
        f = self.follower
        self.metrics.rotations.inc(f.rotations - self._rotations)
        self.metrics.truncations.inc(f.truncations - self._truncations)
        self._rotations, self._truncations = f.rotations, f.truncations
        self.metrics.backlog.set(f.backlog_bytes())

    async def run(self, stop: asyncio.Event, poll_seconds: float) -> None:
        while not stop.is_set():
            try:
                lines = self.follower.read()
            except OSError as exc:
                self.follower.problem = f"cannot read {self.follower.path}: {exc.strerror or exc}"
                lines = []
            problem = self.follower.problem
            if problem and self._read_errors.ready(time.monotonic()):
                log.error("%s (%d times)", problem, self._read_errors.take())
            if lines:
                stored = await self.store(lines, stop)
                self.observe()
                if not stored:
                    return
                continue
            self.observe()
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
    rotated_glob: str | None = None,
) -> int:
    stop = stop_event()
    registry = CollectorRegistry()
    publisher = EventPublisher(settings, registry, "wazuh", sources=("soc",))
    try:
        checkpoint_file.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(
            f"--checkpoint {checkpoint_file}: cannot create its folder ({exc.strerror or exc})"
        ) from None
    start = load_checkpoint(checkpoint_file)
    follower = FileFollower(
        alerts_file,
        start.files if start else None,
        from_beginning=from_beginning,
        checkpoint_ns=start.saved_ns if start else None,
        rotated_glob=rotated_glob,
        exclude=(checkpoint_file,),
    )
    intake = WazuhIntake(
        publisher,
        follower,
        checkpoint_file,
        register,
        unregistered,
        WazuhMetrics(registry),
        max_event_bytes=settings.max_message_bytes,
    )
    # Where a first run starts is kept at once: a restart before the first alert resumes
    # there, not at a later end of the file.
    intake.save_checkpoint()
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
