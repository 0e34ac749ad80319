"""The alerting shell: signals in, detector evaluated, alerts out to ``ioc.alerts`` and
Alertmanager.

The detector runs on the worker that owns the single partition of the signals topic; the
other workers only send signals, and only the owner delivers to Alertmanager. Its windows
live in memory. Whenever the signals it receives do not follow on from the last one it saw
(a start, a restart, a partition that came back after another worker had it), it takes over
from the log (``ioc.alerting.handover``): the firing alerts from ``ioc.alerts``, the windows
from the last signals. A worker that loses the partition stops delivering and forgets its
alerts, so a page never stays stuck on a worker that no longer evaluates it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Iterable
from typing import Any, get_args

import aiohttp
import faust
import orjson
from aiokafka.errors import KafkaError
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from ioc.aggregate import PartitionState
from ioc.aggregate.gauges import overdue_by_agency
from ioc.aggregate.kpi import bounded_label
from ioc.alerting import AlertChange, Detector, load_rules
from ioc.alerting.ack import Acknowledgement
from ioc.alerting.delivery import DeliveryQueue, alertmanager_body, http_date
from ioc.alerting.escalation import ESCALATION_ALERT, TEAMS, Chain, Escalator, page_of
from ioc.alerting.handover import firing_alerts, last_changes, lookback_seconds, replay
from ioc.alerting.rules import EscalationTarget
from ioc.alerting.signals import feed, overdue_signal, signal_of
from ioc.alerting.texts import TEXTS
from ioc.catalog import Catalog
from ioc.config import Settings
from streams.repair import read_messages

log = logging.getLogger(__name__)


def _one_partition(app: faust.App, name: str, internal: bool = False) -> faust.TopicT:
    """A topic of raw bytes with one partition: each holds what one place must see whole."""
    return app.topic(
        name,
        key_type=bytes,
        value_type=bytes,
        key_serializer="raw",
        value_serializer="raw",
        partitions=1,
        internal=internal,
    )


class AlertMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.fired = Counter(
            "ioc_alerts_fired",
            "Alerts that started firing in the stream-side detector.",
            ["alertname", "severity"],
            registry=registry,
        )
        self.resolved = Counter(
            "ioc_alerts_resolved",
            "Alerts the stream-side detector resolved.",
            ["alertname", "severity"],
            registry=registry,
        )
        self.firing = Gauge(
            "ioc_alerts_firing",
            "Alerts firing now in this worker's detector.",
            ["alertname", "severity"],
            registry=registry,
        )
        self.delivered = Counter(
            "ioc_alerts_delivered",
            "Alert states accepted by Alertmanager (firing, re-sent or resolved).",
            registry=registry,
        )
        self.delivery_failures = Counter(
            "ioc_alert_delivery_failures",
            "Posts to Alertmanager that failed (error status, timeout, unreachable).",
            registry=registry,
        )
        self.dropped = Counter(
            "ioc_alerts_dropped",
            "Alert states dropped because the delivery buffer was full.",
            registry=registry,
        )
        self.queue = Gauge(
            "ioc_alert_delivery_queue",
            "Alert states waiting to be delivered to Alertmanager.",
            registry=registry,
        )
        self.peer_clock_offset = Gauge(
            "ioc_alertmanager_clock_skew_seconds",
            "Alertmanager's clock minus this worker's, from the Date of its answers (0 under "
            "2 s); delivery writes endsAt on Alertmanager's clock.",
            registry=registry,
        )
        self.capped = Gauge(
            "ioc_alerts_capped",
            "Alerts a detector rule wanted beyond its cap (max_firing_per_rule), not sent.",
            ["alertname"],
            registry=registry,
        )
        self.takeovers = Counter(
            "ioc_detector_takeovers",
            "Times this worker's detector took over from the log (start, restart, or the "
            "signals partition moving here).",
            registry=registry,
        )
        self.escalated = Counter(
            "ioc_page_escalations",
            "Pages nobody acknowledged in time, sent on to the next person of the chain.",
            ["step", "team"],
            registry=registry,
        )
        self.chains = Gauge(
            "ioc_page_escalation_chains",
            "Pages firing unacknowledged whose escalation chain is running.",
            registry=registry,
        )
        self.escalation_poll_failures = Counter(
            "ioc_page_escalation_poll_failures",
            "Times the detector's worker could not read the pages from Alertmanager (no "
            "escalation while it fails).",
            registry=registry,
        )
        self.acknowledge_seconds = Histogram(
            "ioc_page_acknowledge_seconds",
            "From a page's start to its acknowledgement (ioc ack), per team and agency.",
            ["team", "agency"],
            buckets=(60, 300, 600, 900, 1800, 3600, 7200, 14400, 43200),
            registry=registry,
        )
        self.bad_signals = Counter(
            "ioc_alert_signals_undecodable",
            "Messages on the signals topic the detector could not read (skipped).",
            registry=registry,
        )


class Alerting:
    """Wires the detector into a faust app. ``send_signal`` is for the aggregators."""

    def __init__(
        self,
        app: faust.App,
        settings: Settings,
        catalog: Catalog,
        registry: CollectorRegistry,
        dossier_states: Callable[[], Iterable[tuple[str, PartitionState, float]]],
    ) -> None:
        self.app = app
        self.settings = settings
        # Event time meets "now" in the detector: the province clock. Delivery stays on the
        # wall clock, which is Alertmanager's.
        self.clock = settings.clock()
        self.rules = load_rules(settings.alert_rules_path)
        self.min_level = self.rules.signal_level
        self.metrics = AlertMetrics(registry)
        for name in TEXTS:  # known series at 0 from the first scrape
            self.metrics.capped.labels(name).set(0)
        for step in get_args(EscalationTarget):
            for team in sorted(TEAMS):
                self.metrics.escalated.labels(step, team)
        self.catalog = catalog
        self.detector = self._new_detector()
        self.escalator = self._new_escalator()
        self._agencies = frozenset(a.id for a in catalog.agencies)
        self.queue = self._new_queue()
        # The signals offset the detector expects next; any other means it takes over.
        self._next_signal: int | None = None
        # Signals below this offset were fed by the last takeover's replay.
        self._replayed_to = 0
        self._owner = False
        self._client_kwargs = settings.kafka_client_kwargs()
        self._dropped_seen = 0
        self._wake = asyncio.Event()
        self._dossier_states = dossier_states
        topics = settings.topics
        self.signals = _one_partition(app, topics.signals, internal=True)
        self.alerts = _one_partition(app, topics.alerts)
        self.escalations = _one_partition(app, topics.escalations, internal=True)
        self.acks = _one_partition(app, topics.acks)
        app.agent(self.signals, name="detect")(self._detect)
        app.agent(self.acks, name="acknowledged")(self._acknowledged)
        app.timer(1.0)(self._tick)
        app.timer(5.0)(self._report_overdue)
        app.task(self._deliver_forever)
        app.task(self._escalate_forever)

        @app.page("/alerts")
        async def alerts_page(web: Any, request: Any) -> Any:
            active = [
                {"fingerprint": fp, "labels": a.labels, "annotations": a.annotations}
                for fp, a in self.detector.active.items()
            ]
            return web.bytes(orjson.dumps(active), content_type="application/json")

    def _new_detector(self) -> Detector:
        return Detector(self.rules, self.catalog, grafana_url=self.settings.grafana_url)

    def _new_escalator(self) -> Escalator:
        return Escalator(self.rules.escalation.steps)

    def _new_queue(self) -> DeliveryQueue:
        policy = self.rules.delivery
        s = self.settings
        public = s.public_url or f"http://{s.web_host}:{s.web_port}"
        return DeliveryQueue(
            policy.buffer_size, policy.resend_interval, policy.max_backoff, f"{public}/alerts"
        )

    # -- input ----------------------------------------------------------------------------

    async def send_signal(self, partition: bytes, rows: Iterable[Any]) -> None:
        data = signal_of(rows, self.min_level, partition.decode())
        if data is not None:
            await self.signals.send(value=data)

    def _owns_detector(self) -> bool:
        consumer = self.app.consumer
        if consumer is None:
            return False
        return any(tp.topic == self.signals.get_topic_name() for tp in consumer.assignment())

    async def _detect(self, stream: faust.StreamT[bytes]) -> Any:
        async for event in stream.events():
            message = event.message
            if message.offset != self._next_signal:
                await self._take_over(message.topic, message.partition, message.offset)
            self._next_signal = message.offset + 1
            if message.offset < self._replayed_to:
                yield None  # fed in the takeover's replay already
                continue
            wall = self.clock.now()
            try:
                feed(self.detector, event.value, wall)
            except ValueError as exc:
                self.metrics.bad_signals.inc()
                log.error("detect: %s", exc)
                continue
            await self._publish(self.detector.evaluate(wall))
            yield None

    async def _take_over(self, topic: str, partition: int, resume: int) -> None:
        """Become the detector from the log: the alerts firing when the last owner stopped,
        and windows rebuilt from the signals up to the end of the topic. The stream resumes
        at ``resume``, which may be behind what the last owner had seen (its commit lags):
        replaying only up to there, the detector would judge the alerts of the last owner by
        older signals, resolve them and fire them again as the signals came back."""
        started = time.monotonic()
        shift = self.clock.now() - time.time()  # the province clock against Kafka's
        lookback = lookback_seconds(self.rules)
        since_ms = int((time.time() - lookback) * 1000)
        try:
            alerts = await read_messages(self._client_kwargs, self.alerts.get_topic_name(), 0,
                                         None, None)  # fmt: skip
            chains = await read_messages(
                self._client_kwargs, self.escalations.get_topic_name(), 0, None, None
            )
            signals = await read_messages(self._client_kwargs, topic, partition, None, None,
                                          since_ms=since_ms)  # fmt: skip
        except (KafkaError, OSError, TimeoutError) as exc:
            # Detecting from new signals beats not detecting: the windows refill, and the
            # alerts in Alertmanager expire on their endsAt if nothing re-sends them.
            log.error("detect: reading the log to take over failed (%r): empty windows", exc)
            alerts, signals, chains = [], [], []
        detector = self._new_detector()
        escalator = self._new_escalator()
        escalator.restore((bytes(m.key or b"").decode(), m.value) for m in chains)
        fed, bad = replay(
            detector, ((m.value, m.timestamp / 1000 + shift) for m in signals if m.value)
        )
        self._replayed_to = max(resume, signals[-1].offset + 1 if signals else 0)
        # The escalation steps are the escalator's, resumed from their chains.
        changes = last_changes(m.value for m in alerts if m.value)
        last = {fp: c for fp, c in changes.items() if c.alert.name != ESCALATION_ALERT}
        restored = firing_alerts(last)
        detector.active = dict(restored)
        self.detector, self.escalator, self.queue = detector, escalator, self._new_queue()
        self._owner = True
        wall, recent = time.time(), self.clock.now() - lookback
        for alert in escalator.firing():
            self.queue.submit(AlertChange(alert, "firing", alert.starts_at), wall)
        for change in escalator.ended_since(wall - lookback):
            self.queue.submit(change, wall)
        for change in last.values():
            # Firing ones are re-sent (Alertmanager knows them: not paged anew); recent
            # resolutions too, in case the last owner stopped before delivering them.
            if change.status == "firing" or change.at >= recent:
                self.queue.submit(change, wall)
        self.metrics.takeovers.inc()
        self.metrics.bad_signals.inc(bad)
        log.warning(
            "detect: took over at signal offset %d in %.1f s: %d alerts firing, %d signals "
            "replayed up to offset %d (%d unreadable)", resume, time.monotonic() - started,
            len(restored), fed, self._replayed_to, bad,
        )  # fmt: skip
        await self._publish(detector.evaluate(self.clock.now()))

    def _let_go(self) -> None:
        """The signals partition went to another worker: stop delivering, forget alerts."""
        self.detector = self._new_detector()
        self.escalator = self._new_escalator()
        self.queue = self._new_queue()
        self._next_signal = None
        self.metrics.firing.clear()
        self.metrics.queue.set(0)
        log.warning("detect: signals partition revoked; this worker no longer delivers alerts")

    async def _tick(self) -> None:
        self._owner = self._owns_detector()
        if self._next_signal is None:
            return  # not taken over yet: the first signal does it
        if not self._owner:
            self._let_go()
        else:
            await self._publish(self.detector.evaluate(self.clock.now()))

    async def _report_overdue(self) -> None:
        """Each worker counts overdue dossiers of its own partitions at their event clocks."""
        per_partition: dict[str, dict[str, int]] = {}
        for partition, state, now in self._dossier_states():
            counts = per_partition.setdefault(partition, {})
            for agency, n in overdue_by_agency(state, now).items():
                counts[agency] = counts.get(agency, 0) + n
        for partition, counts in per_partition.items():
            await self.signals.send(value=overdue_signal(partition, counts))

    # -- acknowledgements and escalation ----------------------------------------------------

    async def _acknowledged(self, stream: faust.StreamT[bytes]) -> Any:
        """The audit trail of ``ioc ack``: each acknowledgement is timed, by whichever worker
        holds the topic's partition (counted once across the workers)."""
        async for value in stream:
            try:
                ack = Acknowledgement.from_record(value)
            except ValueError as exc:
                log.error("acknowledged: %s", exc)
                continue
            # Anyone who can write to the topic writes these: labels stay bounded sets.
            agency = bounded_label(ack.agency, self._agencies) if ack.agency else "none"
            team = ack.team if ack.team in TEAMS else "other"
            self.metrics.acknowledge_seconds.labels(team, agency).observe(
                ack.seconds_to_acknowledge
            )
            yield None

    async def _escalate_forever(self) -> None:
        url = self.settings.alertmanager_url
        if not url:
            return
        endpoint = url.rstrip("/") + "/api/v2/alerts?active=true&silenced=true&inhibited=true"
        timeout = aiohttp.ClientTimeout(total=5.0)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            while True:
                await asyncio.sleep(self.rules.escalation.poll)
                if self._owner and self._next_signal is not None:
                    await self._escalate_once(session, endpoint)

    async def _escalate_once(self, session: aiohttp.ClientSession, endpoint: str) -> None:
        try:
            async with session.get(endpoint) as resp:
                if resp.status >= 300:
                    raise aiohttp.ClientResponseError(resp.request_info, (), status=resp.status)
                items = await resp.json()
                peer = http_date(resp.headers.get("Date"))
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            self.metrics.escalation_poll_failures.inc()
            log.warning("escalation: reading the pages from Alertmanager failed (%r)", exc)
            return
        pages = [p for p in map(page_of, items if isinstance(items, list) else []) if p]
        escalator = self.escalator
        # Chains are timed on Alertmanager's clock, which its silences follow: learnt from
        # this answer too, as no page may have been delivered yet.
        if peer is not None:
            self.queue.observe_peer_clock(peer, time.time())
        now = time.time() + self.queue.peer_clock_offset
        changes, changed = escalator.update(pages, now)
        # Chains are recorded before their steps are sent: a takeover never sends one twice.
        for key, chain in changed.items():
            await self.escalations.send(
                key=key.encode(), value=chain.to_record() if isinstance(chain, Chain) else None
            )
        if escalator is not self.escalator:
            return  # let go meanwhile
        for change in changes:
            if change.status == "firing":
                labels = change.alert.labels
                self.metrics.escalated.labels(labels["escalation"], labels["team"]).inc()
                log.warning("escalation: %s to %s", labels.get("escalated_alertname"),
                            labels["escalation"])  # fmt: skip
        self.metrics.chains.set(sum(1 for c in escalator.chains.values() if c.ended is None))
        await self._send_changes(changes)

    # -- output ---------------------------------------------------------------------------

    async def _publish(self, changes: list[AlertChange]) -> None:
        for name in TEXTS:  # every rule's series exists, at 0 while it is under its cap
            self.metrics.capped.labels(name).set(self.detector.capped.get(name, 0))
        self.metrics.firing.clear()
        for alert in self.detector.active.values():
            self.metrics.firing.labels(alert.name, alert.severity).inc()
        if not changes:
            return
        for change in changes:
            labels = (change.alert.name, change.alert.severity)
            if change.status == "firing":
                self.metrics.fired.labels(*labels).inc()
                log.warning("alert firing: %s %s", change.alert.labels, change.alert.fingerprint)
            else:
                self.metrics.resolved.labels(*labels).inc()
                log.warning("alert resolved: %s %s", change.alert.labels, change.alert.fingerprint)
        await self._send_changes(changes)

    async def _send_changes(self, changes: list[AlertChange]) -> None:
        """To the alerts topic (the record), then to Alertmanager."""
        if not changes:
            return
        wall = time.time()
        for change in changes:
            await self.alerts.send(
                key=change.alert.fingerprint.encode(), value=orjson.dumps(change.to_record())
            )
            self.queue.submit(change, wall)
        self._wake.set()

    async def _deliver_forever(self) -> None:
        url = self.settings.alertmanager_url
        if not url:
            log.info("alerting: IOC_ALERTMANAGER_URL unset, alerts go to the topic only")
            return
        endpoint = url.rstrip("/") + "/api/v2/alerts"
        timeout = aiohttp.ClientTimeout(total=5.0)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            while True:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=0.5)
                self._wake.clear()
                await self._deliver_once(session, endpoint)

    async def _deliver_once(self, session: aiohttp.ClientSession, endpoint: str) -> None:
        if not self._owner:
            return  # only the detector's worker speaks for the alerts
        queue = self.queue
        if queue.dropped > self._dropped_seen:
            self.metrics.dropped.inc(queue.dropped - self._dropped_seen)
            log.error("alerting: delivery buffer full, %d alert states dropped", queue.dropped)
            self._dropped_seen = queue.dropped
        payload = queue.due(time.time())
        if not payload:
            self.metrics.queue.set(len(queue))
            return
        try:
            async with session.post(endpoint, json=alertmanager_body(payload)) as resp:
                if resp.status >= 300:
                    text = (await resp.text())[:200]
                    raise aiohttp.ClientResponseError(
                        resp.request_info, (), status=resp.status, message=text
                    )
                peer = http_date(resp.headers.get("Date"))
        except (aiohttp.ClientError, TimeoutError) as exc:
            self.metrics.delivery_failures.inc()
            delay = queue.failed(time.time())
            log.warning("alerting: Alertmanager post failed (%s); retry in %.1f s", exc, delay)
        else:
            queue.delivered(payload, time.time())
            if peer is not None:
                queue.observe_peer_clock(peer, time.time())
                self.metrics.peer_clock_offset.set(queue.peer_clock_offset)
            self.metrics.delivered.inc(len(payload))
        self.metrics.queue.set(len(queue))
