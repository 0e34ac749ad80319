"""Stream-side detection: conditions over event-time windows, evaluated at a clock.

The detector is fed observations (a probe result, a SOC alert, a received dossier, a
partition's overdue counts) and evaluated at a wall-clock instant. It answers which alerts
changed: started firing or resolved. No Kafka, no asyncio: the faust shell feeds it.

Each source has its own event-time clock: the newest event time seen, moving on with the
wall clock while the source is idle. A prober that falls silent is then noticed by time
passing, and a slow partition of one source does not make another source look silent.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from zoneinfo import ZoneInfo

from ioc.aggregate.kpi import DOWN, UNKNOWN, UP, bounded_label, next_flap_state
from ioc.alerting.evidence import (
    MAX_EVENTS,
    dashboard_link,
    outage_lines,
    probe_lines,
    soc_lines,
)
from ioc.alerting.model import Alert, AlertChange, Domain
from ioc.alerting.rules import AlertRules, IntakeStallRule
from ioc.alerting.texts import alert_annotations, duration_text
from ioc.catalog import Catalog
from ioc.catalog.calendar import WorkingCalendar
from ioc.catalog.maintenance import MaintenanceCalendar
from ioc.contracts import SOURCES


class EventClock:
    """Event time of one source: its newest event, advanced by the wall clock when idle.

    It never runs ahead of the wall clock: validation lets an event be up to
    ``IOC_MAX_FUTURE_SKEW_SECONDS`` in the future, and one such probe must not make every
    other service of its partition look silent for that long."""

    def __init__(self) -> None:
        self._event: float | None = None
        self._wall = 0.0
        self.first: float | None = None
        self.first_wall: float | None = None

    def observe(self, ts: float, wall: float) -> None:
        ts = min(ts, wall)
        current = self.now(wall)
        if current is None or ts > current:
            self._event, self._wall = ts, wall
            if self.first is None:
                self.first, self.first_wall = ts, wall

    def now(self, wall: float) -> float | None:
        if self._event is None:
            return None
        return self._event + max(0.0, wall - self._wall)


@dataclass(slots=True)
class _Service:
    id: str
    tier: int
    agency: str
    interval: float
    latency_threshold: float
    flap: list[int] = field(default_factory=lambda: [UNKNOWN, 0, 0])
    failing_since: float | None = None
    down_since: float | None = None
    last_probe: float | None = None
    latencies: deque[tuple[float, float]] = field(default_factory=deque)
    correlated_since: float | None = None
    clock: EventClock | None = None  # the clock of the source partition its probes come on
    # The latest failed probes since it last succeeded: the evidence of an outage.
    failures: deque[tuple[float, str | None]] = field(
        default_factory=lambda: deque(maxlen=MAX_EVENTS)
    )


# A SOC alert as a page quotes it: (ts, level, alert_id, agent, rule_id, description).
SocEvent = tuple[float, int, str, str, str, str]


@dataclass(slots=True)
class _Critical:
    first: float
    last: float
    level: int
    rule: str
    agent: str
    security_level: int | None = None
    alert_id: str = ""
    description: str = ""

    def event(self) -> SocEvent:
        return (self.last, self.level, self.alert_id, self.agent, self.rule, self.description)


class Detector:
    def __init__(
        self,
        rules: AlertRules,
        catalog: Catalog,
        portal_service: str = "cong-dvc",
        grafana_url: str | None = None,
    ):
        self.rules = rules
        self.grafana_url = grafana_url
        self.tz = ZoneInfo(catalog.province.timezone)
        # A year the calendar lacks counts as plain office weeks (IocCalendarYearMissing).
        self.calendar = WorkingCalendar.of(catalog).weekly_fallback()
        self._names = {a.id: a.name for a in catalog.agencies} | {
            s.id: s.name for s in catalog.services
        }
        self._tracked_techniques = frozenset(catalog.kpi.soc.tracked_techniques)
        # Alerts a rule wanted beyond rules.max_firing_per_rule, at the last evaluation.
        self.capped: dict[str, int] = {}
        policy = catalog.kpi.uptime
        self._down_after, self._up_after = policy.down_after_failures, policy.up_after_successes
        self._maintenance = MaintenanceCalendar.from_catalog(catalog)
        self._services = {
            s.id: _Service(
                s.id,
                s.tier,
                s.agency,
                s.interval_seconds,
                s.latency_threshold_seconds,
            )
            for s in catalog.services
        }
        self._portal = self._services.get(portal_service)
        self.clocks = {source: EventClock() for source in SOURCES}
        self._high_level = rules.high_level
        self._high: dict[str, deque[SocEvent]] = {}
        self._critical: dict[str, _Critical] = {}
        self._techniques: dict[str, deque[tuple[float, str, str]]] = {}
        self._overdue: dict[str, dict[str, int]] = {}
        self._last_received: float | None = None
        self._partition_clocks: dict[str, EventClock] = {}
        self.active: dict[str, Alert] = {}

    # -- observations -----------------------------------------------------------------------

    def probe(
        self,
        ts: float,
        service: str,
        success: bool,
        duration: float,
        wall: float,
        partition: str = "",
        error_class: str | None = None,
    ) -> None:
        self.clocks["uptime"].observe(ts, wall)
        svc = self._services.get(service)
        if svc is None:
            return
        # Silence is judged on the clock of the partition the probes come on: another
        # partition running ahead (a replay, a slow consumer) is not silence.
        clock = self._partition_clocks.setdefault(partition, EventClock())
        clock.observe(ts, wall)
        svc.clock = clock
        svc.last_probe = ts if svc.last_probe is None else max(svc.last_probe, ts)
        if self._maintenance.contains(service, ts):
            return  # counts neither way, as in the aggregate (ioc/catalog/maintenance.py)
        if success:
            svc.latencies.append((ts, duration))
            svc.failing_since = None
            svc.failures.clear()
        else:
            svc.failures.append((ts, error_class))
            if svc.failing_since is None:
                svc.failing_since = ts
        before = svc.flap[0]
        svc.flap = next_flap_state(svc.flap, success, self._down_after, self._up_after)
        if svc.flap[0] == DOWN and before != DOWN:
            svc.down_since = svc.failing_since if svc.failing_since is not None else ts
        elif svc.flap[0] == UP:
            svc.down_since = None
            svc.correlated_since = None

    def soc_alert(
        self,
        ts: float,
        level: int,
        agency: str,
        agent: str,
        rule: str,
        techniques: Iterable[str],
        wall: float,
        security_level: int | None = None,
        alert_id: str = "",
        description: str = "",
    ) -> None:
        self.clocks["soc"].observe(ts, wall)
        if level >= self._high_level:
            event = (ts, level, alert_id, agent, rule, description)
            self._high.setdefault(agency, deque()).append(event)
        if level >= self.rules.soc_critical.threshold(security_level):
            crit = self._critical.get(agency)
            if crit is None or ts - crit.last > self.rules.soc_critical.hold:
                self._critical[agency] = _Critical(ts, ts, level, rule, agent, security_level,
                                                   alert_id, description)  # fmt: skip
            elif ts > crit.last:
                crit.last, crit.level, crit.rule, crit.agent = ts, level, rule, agent
                crit.security_level = security_level
                crit.alert_id, crit.description = alert_id, description
        if level >= self.rules.soc_campaign.min_level:
            # Campaigns group by what the catalog tracks; any other id, made up or not, is
            # "other": one campaign at most, not one page per forged technique id.
            for technique in {bounded_label(t, self._tracked_techniques) for t in techniques}:
                self._techniques.setdefault(technique, deque()).append((ts, agent, agency))

    def dossier_received(self, ts: float, wall: float) -> None:
        self.clocks["dossier"].observe(ts, wall)
        if self._last_received is None or ts > self._last_received:
            self._last_received = ts

    def dossier_clock(self, ts: float, wall: float) -> None:
        """Any dossier event moves the dossier clock, received or not."""
        self.clocks["dossier"].observe(ts, wall)

    def overdue_counts(self, partition: str, counts: Mapping[str, int]) -> None:
        """The overdue dossiers per agency of one source partition, as its owner counted them
        at its clock. The latest report of each partition replaces the previous one."""
        self._overdue[partition] = dict(counts)

    # -- evaluation ---------------------------------------------------------------------------

    def evaluate(self, wall: float) -> list[AlertChange]:
        """Alerts that started firing or resolved since the last evaluation."""
        wanted: dict[str, Alert] = {}
        for alert in self._conditions(wall):
            wanted[alert.fingerprint] = alert
        wanted = self._cap(wanted)
        changes = []
        for fp, alert in wanted.items():
            if fp not in self.active:
                changes.append(AlertChange(alert, "firing", alert.starts_at))
        for fp, alert in self.active.items():
            if fp not in wanted:
                changes.append(AlertChange(alert, "resolved", self._now_of(alert, wall)))
        # Keep the first firing instance: its start and texts stay what was paged.
        self.active = {fp: self.active.get(fp, alert) for fp, alert in wanted.items()}
        return changes

    def _cap(self, wanted: dict[str, Alert]) -> dict[str, Alert]:
        """At most ``max_firing_per_rule`` alerts of one rule: those already firing first,
        then the oldest. The rest are counted in ``capped``, never paged: a flood of input
        must not push real alerts out of the delivery buffer or bury on-call."""
        cap = self.rules.max_firing_per_rule
        by_rule: dict[str, list[tuple[str, Alert]]] = {}
        for fp, alert in wanted.items():
            by_rule.setdefault(alert.name, []).append((fp, alert))
        self.capped = {}
        kept: dict[str, Alert] = {}
        for name, alerts in by_rule.items():
            if len(alerts) > cap:
                alerts.sort(key=lambda item: (item[0] not in self.active, item[1].starts_at))
                self.capped[name] = len(alerts) - cap
                alerts = alerts[:cap]
            kept.update(alerts)
        return kept

    def _now_of(self, alert: Alert, wall: float) -> float:
        domain = alert.labels["domain"]
        source = domain if domain in self.clocks else "uptime"  # correlated: the outage's clock
        return self.clocks[source].now(wall) or wall

    def _conditions(self, wall: float) -> Iterable[Alert]:
        uptime_now = self.clocks["uptime"].now(wall)
        soc_now = self.clocks["soc"].now(wall)
        dossier_now = self.clocks["dossier"].now(wall)
        if soc_now is not None:
            self._prune_soc(soc_now)
            yield from self._soc(soc_now)
        if uptime_now is not None:
            yield from self._uptime(uptime_now, wall)
        if dossier_now is not None:
            yield from self._dossiers(dossier_now)

    def _alert(
        self, name: str, domain: Domain, severity: str, start: float, **labels: str
    ) -> Alert:
        all_labels = {"alertname": name, "severity": severity, "domain": domain}
        all_labels.update({k: v for k, v in labels.items() if v})
        return Alert(all_labels, {}, start)

    def _texts(
        self, alert: Alert, evidence: Callable[[], str] | None = None, **facts: object
    ) -> Alert:
        kept = self.active.get(alert.fingerprint)
        if kept is not None:
            return kept  # the first firing instance's texts stay what was paged
        name = alert.name
        # People read names: the labels keep the ids (routes, links), the texts say the names.
        named = {k: self._names.get(v, v) for k, v in alert.labels.items() if k in _NAMED}
        annotations = alert_annotations(
            name, self.rules.runbook_base_url, **{**alert.labels, **named}, **facts
        )
        # Pages and e-mails print these instead of the ids (agency_name, service_name).
        annotations.update({f"{k}_name": v for k, v in named.items()})
        link = dashboard_link(
            self.grafana_url, self.rules.dashboards.get(name), alert.labels, alert.starts_at
        )
        if link:
            annotations["dashboard"] = link
        text = evidence() if evidence is not None else ""
        if text:
            annotations["evidence"] = text
        return Alert(alert.labels, annotations, alert.starts_at)

    # -- uptime -------------------------------------------------------------------------------

    def _uptime(self, now: float, wall: float) -> Iterable[Alert]:
        rules = self.rules
        for svc in self._services.values():
            maintenance = self._maintenance.contains(svc.id, now)
            silence = rules.probe_silence.intervals * svc.interval
            if svc.clock is not None and svc.last_probe is not None:
                last, own_now = svc.last_probe, svc.clock.now(wall)
            else:
                # Never heard of since the detector started: judged by the wall clock alone,
                # as other partitions' event times say nothing about this one.
                first_wall = self.clocks["uptime"].first_wall
                last, own_now = (wall, wall) if first_wall is None else (first_wall, wall)
            if own_now is not None and own_now - last > silence:
                yield self._texts(
                    self._alert(
                        "ProbeSilence", "uptime", rules.probe_silence.severity, last + silence,
                        agency=svc.agency, service=svc.id,
                    ),
                    silence=duration_text(own_now - last),
                    interval=duration_text(svc.interval),
                )  # fmt: skip
            down = svc.flap[0] == DOWN and svc.down_since is not None and not maintenance
            if down:
                assert svc.down_since is not None
                severity = rules.service_down.severity_by_tier.get(svc.tier, "page")
                yield self._texts(
                    self._alert(
                        "ServiceDown", "uptime", severity, svc.down_since,
                        agency=svc.agency, service=svc.id,
                    ),
                    partial(probe_lines, svc.failures, self.tz),
                    since=_local(svc.down_since, self.tz),
                )  # fmt: skip
                correlated = self._correlated(svc, now)
                if correlated is not None:
                    yield correlated
            latency = self._latency(svc, now)
            if latency is not None and not down and not maintenance:
                yield latency

    def _latency(self, svc: _Service, now: float) -> Alert | None:
        rule = self.rules.latency_degraded
        while svc.latencies and svc.latencies[0][0] <= now - rule.window:
            svc.latencies.popleft()
        values = sorted(d for ts, d in svc.latencies if ts <= now)
        if len(values) < rule.min_samples:
            return None
        value = quantile(values, rule.quantile)
        if value <= svc.latency_threshold:
            return None
        start = max(now - rule.window, svc.latencies[0][0])
        return self._texts(
            self._alert(
                "LatencyDegraded", "uptime", rule.severity, start,
                agency=svc.agency, service=svc.id,
            ),
            pct=round(rule.quantile * 100),
            window=duration_text(rule.window),
            value=f"{value:.2f}s",
            threshold=f"{svc.latency_threshold:.2f}s",
        )  # fmt: skip

    def _correlated(self, svc: _Service, now: float) -> Alert | None:
        rule = self.rules.correlation
        assert svc.down_since is not None
        events = [
            e
            for e in self._high.get(svc.agency, ())
            if e[1] >= rule.min_level and svc.down_since - rule.window <= e[0] <= now
        ]
        hits = [e[0] for e in events]
        if hits and svc.correlated_since is None:
            svc.correlated_since = max(svc.down_since, min(hits))
        if svc.correlated_since is None:
            return None
        return self._texts(
            self._alert(
                "CorrelatedIncident", "correlated", rule.severity, svc.correlated_since,
                agency=svc.agency, service=svc.id,
            ),
            partial(outage_lines, svc.failures, events, self.tz),
            since=_local(svc.down_since, self.tz),
            count=len(hits),
            window=duration_text(rule.window),
        )  # fmt: skip

    # -- SOC ----------------------------------------------------------------------------------

    def _prune_soc(self, now: float) -> None:
        rules = self.rules
        keep = rules.high_window
        for agency, entries in list(self._high.items()):
            while entries and entries[0][0] <= now - keep:
                entries.popleft()
            if not entries:
                del self._high[agency]
        for technique, hits in list(self._techniques.items()):
            while hits and hits[0][0] <= now - rules.soc_campaign.window:
                hits.popleft()
            if not hits:
                del self._techniques[technique]
        for agency, crit in list(self._critical.items()):
            if now - crit.last > rules.soc_critical.hold:
                del self._critical[agency]

    def _soc(self, now: float) -> Iterable[Alert]:
        rules = self.rules
        for agency, crit in self._critical.items():
            yield self._texts(
                self._alert(
                    "SocCritical", "soc", rules.soc_critical.severity, crit.first, agency=agency
                ),
                partial(soc_lines, [crit.event()], self.tz),
                level=crit.level,
                rule=crit.rule,
                agent=crit.agent,
                system_vi=_system_vi(crit.security_level),
                system_en=_system_en(crit.security_level),
            )
        burst = rules.soc_burst
        for agency, entries in self._high.items():
            recent = [e for e in entries if e[1] >= burst.min_level and e[0] > now - burst.window]
            if len(recent) >= burst.min_alerts:
                yield self._texts(
                    self._alert(
                        "SocBurst", "soc", burst.severity, min(e[0] for e in recent), agency=agency
                    ),
                    partial(soc_lines, recent, self.tz),
                    count=len(recent),
                    window=duration_text(burst.window),
                    threshold=burst.min_alerts,
                )
        campaign = rules.soc_campaign
        for technique, hits in self._techniques.items():
            agents = {agent for _, agent, _ in hits}
            agencies = sorted({agency for _, _, agency in hits})
            if len(agents) >= campaign.min_agents and len(agencies) >= campaign.min_agencies:
                yield self._texts(
                    self._alert(
                        "SocCampaign", "soc", campaign.severity, hits[0][0], technique=technique
                    ),
                    agents=len(agents),
                    n_agencies=len(agencies),
                    agencies=", ".join(self._names.get(a, a) for a in agencies[:10])
                    + (" ..." if len(agencies) > 10 else ""),
                    window=duration_text(campaign.window),
                )

    # -- dossiers -------------------------------------------------------------------------------

    def _dossiers(self, now: float) -> Iterable[Alert]:
        rules = self.rules
        backlog = rules.dossier_overdue_backlog
        totals: dict[str, int] = {}
        for counts in self._overdue.values():
            for agency, n in counts.items():
                totals[agency] = totals.get(agency, 0) + n
        for agency, n in sorted(totals.items()):
            threshold = backlog.threshold(agency)
            if n > threshold:
                yield self._texts(
                    self._alert(
                        "DossierOverdueBacklog", "dossier", backlog.severity, now, agency=agency
                    ),
                    count=n,
                    threshold=threshold,
                )
        if self._portal is not None:
            last = self._last_received
            if last is None:
                last = self.clocks["dossier"].first
            stall = rules.intake_stall
            since = stalled_since(last, now, stall, self.calendar) if last is not None else None
            if since is not None:
                yield self._texts(
                    self._alert(
                        "IntakeStall", "dossier", stall.severity, since,
                        agency=self._portal.agency, service=self._portal.id,
                    ),
                    silence=duration_text(now - since + stall.window),
                )  # fmt: skip


# Labels whose values are catalog ids, said by name in the texts.
_NAMED = frozenset({"agency", "service"})


def stalled_since(
    last: float, now: float, rule: IntakeStallRule, calendar: WorkingCalendar
) -> float | None:
    """When an intake stall began (the window after the last dossier, counted from the
    office opening if it came before), or None if ``now`` is not in one. Only working days
    have office hours: no stall on a Tết weekday, one on a compensatory Saturday."""
    local = datetime.fromtimestamp(now, calendar.tz)
    day = calendar.office_window(local.date())
    if day is None or not day[0] <= local < day[1]:
        return None
    opening = day[0]
    quiet_from = max(last, opening.timestamp())
    if now - quiet_from < rule.window:
        return None
    return quiet_from + rule.window


def quantile(sorted_values: list[float], q: float) -> float:
    """The nearest-rank quantile of sorted values (no interpolation: a real probe result)."""
    rank = max(1, math.ceil(q * len(sorted_values) - 1e-9))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def _system_vi(security_level: int | None) -> str:
    return "" if security_level is None else f", hệ thống thông tin cấp độ {security_level}"


def _system_en(security_level: int | None) -> str:
    return "" if security_level is None else f", a security level {security_level} system"


def _local(ts: float, tz: ZoneInfo) -> str:
    return datetime.fromtimestamp(ts, tz).strftime("%H:%M:%S %d/%m")
