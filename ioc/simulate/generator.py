"""Deterministic generator of SOC alerts, uptime probes and dossier events.

Time is simulated: ``t`` is seconds since the simulation start. Events come out in event-time
order. Shapes follow the shared reference: dossiers mostly in office hours (Asia/Ho_Chi_Minh,
Mon-Fri 07:30-17:00) with online ones around the clock, SOC alerts mostly low-level with
occasional bursts, services usually up with rare outages and latency spikes.

Dossier handling times are compressed to minutes so that a short run shows whole lifecycles.
"""

from __future__ import annotations

import heapq
import math
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from ioc.catalog import Catalog
from ioc.catalog.assets import synthetic_assets
from ioc.catalog.calendar import WorkingCalendar
from ioc.contracts import (
    DOSSIER_SCHEMA_VERSION,
    SCHEMA_VERSION,
    Agent,
    DossierEvent,
    Event,
    FeedbackEvent,
    Mitre,
    Rule,
    SocAlert,
    SocAlertStatus,
    UptimeProbe,
)
from ioc.contracts.keys import partition_key
from ioc.simulate.profile import (
    DossierBacklogSurge,
    FeedbackSurge,
    ScenarioFile,
    ServiceOutage,
    SocCampaign,
)

# (rule id, level, description, groups, mitre ids, tactics, weight): a Wazuh-like rule mix.
# High and critical rules are rare outside incidents: at the demo's ~57 SOC alerts/s, one
# level-12 technique reaches about one agent per 15 minutes, so a campaign page (5 agents)
# comes from a scenario or a burst, not from the background.
_RULES = (
    ("5501", 3, "PAM: Login session opened.", ("pam", "authentication_success"), (), (), 30),
    ("5502", 3, "PAM: Login session closed.", ("pam",), (), (), 25),
    (
        "60106",
        3,
        "Windows logon success.",
        ("windows", "authentication_success"),
        ("T1078",),
        ("Defense Evasion",),
        20,
    ),
    ("531", 5, "Partition usage reached 90%.", ("ossec", "low_diskspace"), (), (), 6),
    (
        "5710",
        5,
        "sshd: Attempt to login using a non-existent user",
        ("syslog", "sshd", "authentication_failed"),
        ("T1110.001",),
        ("Credential Access",),
        8,
    ),
    (
        "60122",
        5,
        "Logon failure - Unknown user or bad password.",
        ("windows", "authentication_failed"),
        ("T1531",),
        ("Impact",),
        6,
    ),
    ("554", 7, "File added to the system.", ("ossec", "syscheck"), (), (), 4),
    (
        "31151",
        10,
        "Multiple web server 400 error codes from same source ip.",
        ("web", "accesslog", "web_scan"),
        ("T1595.002",),
        ("Reconnaissance",),
        2.5,
    ),
    (
        "5712",
        10,
        "sshd: brute force trying to get access to the system.",
        ("syslog", "sshd", "authentication_failures"),
        ("T1110",),
        ("Credential Access",),
        1.5,
    ),
    (
        "87105",
        12,
        "VirusTotal: Alert - malicious file detected.",
        ("virustotal",),
        ("T1204.002",),
        ("Execution",),
        0.002,
    ),
    (
        "92213",
        12,
        "Executable file dropped in folder commonly used by malware.",
        ("windows", "sysmon"),
        ("T1105",),
        ("Command and Control",),
        0.001,
    ),
    (
        "100201",
        15,
        "Ransomware behaviour: mass file encryption.",
        ("windows", "ransomware"),
        ("T1486",),
        ("Impact",),
        0.00005,  # one every ~10 hours at the demo's rate: each one pages
    ),
)
_RULE_WEIGHTS = [r[6] for r in _RULES]
# A quiet baseline has no high or critical alert: those come from scenarios only.
_QUIET_RULE_WEIGHTS = [r[6] if r[1] < 12 else 0.0 for r in _RULES]


@dataclass(frozen=True)
class _Procedure:
    code: str
    field: str
    days: int
    # What the national procedure database says of it (the portal's denominators).
    full_online_eligible: bool
    fee_required: bool
    result_is_document: bool
    replaceable_components: bool


_PROCEDURES = (
    _Procedure("1.001", "Hộ tịch", 2, True, True, True, True),
    _Procedure("1.002", "Chứng thực", 1, True, True, True, False),
    _Procedure("2.001", "Đất đai", 15, False, True, True, True),
    _Procedure("2.002", "Xây dựng", 10, True, True, True, False),
    _Procedure("3.001", "Đăng ký kinh doanh", 3, True, False, True, True),
    _Procedure("3.002", "Đầu tư", 15, False, False, True, False),
    _Procedure("4.001", "Lao động", 5, True, False, False, False),
    _Procedure("5.001", "Y tế", 7, True, True, True, False),
    _Procedure("6.001", "Giáo dục", 5, True, False, False, True),
    _Procedure("7.001", "Giao thông", 5, True, True, True, True),
    _Procedure("8.001", "Tư pháp", 3, True, True, True, False),
)


@dataclass(frozen=True, slots=True)
class Emitted:
    source: str
    key: str
    event: Event


@dataclass(frozen=True, slots=True)
class _Asset:
    agency: str
    asset_type: str
    agent_id: str
    system: str | None
    security_level: int | None


class Simulator:
    """Yields events in event-time order, ``rate`` events per simulated second on average."""

    def __init__(
        self,
        catalog: Catalog,
        *,
        seed: int = 1,
        start: datetime,
        rate: float = 100.0,
        scenarios: ScenarioFile | None = None,
    ) -> None:
        if start.tzinfo is None:
            raise ValueError("start must be timezone-aware")
        self.catalog = catalog
        self.rng = random.Random(seed)
        self.start = start
        self.rate = rate
        self.scenarios = scenarios or ScenarioFile()
        self._incidents = self.scenarios.background_incidents
        self._rule_weights = _RULE_WEIGHTS if self._incidents else _QUIET_RULE_WEIGHTS
        self.tz = ZoneInfo(catalog.province.timezone)
        # Night traffic on Tết and days off, office traffic on compensatory Saturdays.
        self.calendar = WorkingCalendar.of(catalog).weekly_fallback()
        self._assets = self._build_assets()
        self._asset_weights = None  # uniform over assets: more desktops, more alerts
        self._agencies = [a.id for a in catalog.agencies]
        self._agency_level = {a.id: a.level for a in catalog.agencies}
        # Provincial departments receive many more dossiers each than a commune.
        self._agency_weights = [6.0 if a.level == "province" else 1.0 for a in catalog.agencies]
        self._heap: list[tuple[float, int, Event]] = []
        self._seq = 0
        self._next_probe = {s.id: self.rng.uniform(0, s.interval_seconds) for s in catalog.services}
        self._outage_until: dict[str, float] = {}
        self._spike_until: dict[str, float] = {}
        self._burst: tuple[str, float] | None = None
        self._n_dossier = 0
        self._n_feedback = 0
        self._n_alert = 0

    # -- public -----------------------------------------------------------------------------

    def events(self) -> Iterator[Emitted]:
        """An endless, time-ordered stream of events."""
        tick = 0
        while True:
            self._generate_second(float(tick))
            horizon = tick + 1.0
            while self._heap and self._heap[0][0] < horizon:
                _, _, event = heapq.heappop(self._heap)
                yield Emitted(event.source, partition_key(event), event)
            tick += 1

    def time_of(self, event: Event) -> float:
        return (event.event_time - self.start).total_seconds()

    # -- generation -------------------------------------------------------------------------

    def _push(self, t: float, event: Event) -> None:
        self._seq += 1
        heapq.heappush(self._heap, (t, self._seq, event))

    def _at(self, t: float) -> datetime:
        return self.start + timedelta(seconds=t)

    def _id(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def _generate_second(self, t0: float) -> None:
        self._probes(t0)
        office = self._office_hours(self._at(t0))
        # Split the rate: about 55% SOC alerts (plus their status updates), the rest dossiers.
        soc_rate = self.rate * 0.5
        dossier_rate = self.rate * 0.45 / 2.6 * (1.0 if office else 0.15)
        self._soc(t0, soc_rate)
        self._dossiers(t0, dossier_rate, office)
        # Citizen feedback: a few for every hundred dossiers, at any hour (online).
        self._feedbacks(t0, dossier_rate * 0.05)

    def _poisson(self, lam: float) -> int:
        if lam <= 0:
            return 0
        if lam > 50:
            return max(0, round(self.rng.gauss(lam, math.sqrt(lam))))
        limit, k, p = math.exp(-lam), 0, 1.0
        while True:
            p *= self.rng.random()
            if p <= limit:
                return k
            k += 1

    def _office_hours(self, at: datetime) -> bool:
        return self.calendar.is_working(at)

    # uptime

    def _probes(self, t0: float) -> None:
        for service in self.catalog.services:
            t = self._next_probe[service.id]
            while t < t0 + 1.0:
                self._push(
                    t,
                    self._probe(
                        service.id, service.probe_kind, service.latency_threshold_seconds, t
                    ),
                )
                t += service.interval_seconds
            self._next_probe[service.id] = t

    def _probe(self, service: str, kind: str, threshold: float, t: float) -> UptimeProbe:
        rng = self.rng
        outage = next(
            (
                s
                for s in self.scenarios.scenarios
                if isinstance(s, ServiceOutage) and s.service == service and s.active(t)
            ),
            None,
        )
        background = self._incidents
        if (
            background
            and outage is None
            and self._outage_until.get(service, -1.0) < t
            and rng.random() < 2e-4
        ):
            self._outage_until[service] = t + rng.uniform(60, 300)
        if background and self._spike_until.get(service, -1.0) < t and rng.random() < 1e-3:
            self._spike_until[service] = t + rng.uniform(30, 180)
        down = outage is not None or self._outage_until.get(service, -1.0) >= t
        latency = rng.lognormvariate(math.log(threshold * 0.15), 0.5)
        if self._spike_until.get(service, -1.0) >= t:
            latency *= rng.uniform(3, 10)
        ok = not down and rng.random() > 0.002
        error = None
        status: int | None = 200 if kind == "http" else None
        if not ok:
            error = (
                outage.error_class
                if outage is not None
                else rng.choice(("timeout", "connect", "http_5xx"))
            )
            if error == "timeout":
                latency = 10.0
            if kind == "http":
                status = 503 if error == "http_5xx" else None
            if error == "http_5xx" and kind != "http":
                error = "connect"
        return UptimeProbe(
            schema_version=SCHEMA_VERSION,
            event_id=self._id(),
            event_time=self._at(t),
            event_type="uptime_probe",
            service=service,
            probe_kind=kind,  # type: ignore[arg-type]
            success=ok,
            duration_seconds=round(latency, 4),
            http_status=status,
            error_class=error,  # type: ignore[arg-type]
            tls_days_left=float(60 - int(t // 86400)) if kind == "http" else None,
        )

    # soc

    def _build_assets(self) -> list[_Asset]:
        return [
            _Asset(a.agency, a.asset_type, a.agent_id, a.information_system, a.security_level)
            for a in synthetic_assets(self.catalog)
        ]

    def _soc(self, t0: float, rate: float) -> None:
        rng = self.rng
        if self._incidents and self._burst is None and rng.random() < 1 / 1800:
            self._burst = (rng.choice(self._agencies), t0 + rng.uniform(30, 120))
        elif self._burst is not None and self._burst[1] < t0:
            self._burst = None
        for _ in range(self._poisson(rate)):
            rule = rng.choices(_RULES, weights=self._rule_weights)[0]
            self._alert(t0 + rng.random(), rng.choice(self._assets), rule)
        if self._burst is not None:
            agency = self._burst[0]
            local = [a for a in self._assets if a.agency == agency]
            for _ in range(self._poisson(max(1.0, rate * 0.05))):
                rule = rng.choice([r for r in _RULES if 10 <= r[1] <= 12])
                self._alert(t0 + rng.random(), rng.choice(local), rule)
        for sc in self.scenarios.scenarios:
            if isinstance(sc, SocCampaign) and sc.active(t0):
                pool = [a for a in self._assets if a.agency in sc.agencies]
                targets = random.Random(f"{sc.technique}@{sc.start}").sample(
                    pool, min(sc.agents, len(pool))
                )
                for _ in range(self._poisson(sc.alerts_per_second)):
                    rule = (
                        "100300",
                        sc.level,
                        f"Campaign activity: MITRE {sc.technique}",
                        ("attack", "campaign"),
                        (sc.technique,),
                        ("Credential Access",),
                        0,
                    )
                    self._alert(t0 + rng.random(), rng.choice(targets), rule)

    def _alert(self, t: float, asset: _Asset, rule: tuple) -> None:  # type: ignore[type-arg]
        rid, level, desc, groups, mitre_ids, tactics, _ = rule
        self._n_alert += 1
        alert_id = f"a{self._n_alert:09d}-{self._id()[:8]}"
        alert = SocAlert(
            schema_version=SCHEMA_VERSION,
            event_id=self._id(),
            event_time=self._at(t),
            event_type="soc_alert",
            alert_id=alert_id,
            rule=Rule(
                id=rid,
                level=level,
                description=desc,
                groups=list(groups),
                mitre=Mitre(id=list(mitre_ids), tactic=list(tactics)),
            ),
            agent=Agent(id=asset.agent_id, name=asset.agent_id),
            asset_type=asset.asset_type,  # type: ignore[arg-type]
            agency=asset.agency,
            information_system=asset.system,
            security_level=asset.security_level,
        )
        self._push(t, alert)
        if level >= 7:
            ack = t + self.rng.expovariate(1 / 300)
            self._push(ack, self._status(alert, "acknowledged", ack))
            done = ack + self.rng.expovariate(1 / 900)
            self._push(done, self._status(alert, "resolved", done))

    def _status(
        self, alert: SocAlert, status: Literal["acknowledged", "resolved"], t: float
    ) -> SocAlertStatus:
        return SocAlertStatus(
            schema_version=SCHEMA_VERSION,
            event_id=self._id(),
            event_time=self._at(t),
            event_type="soc_alert_status",
            alert_id=alert.alert_id,
            agent_id=alert.agent.id,
            status=status,
            actor=f"analyst-{self.rng.randint(1, 8)}",  # type: ignore[arg-type]
        )

    # dossiers

    def _dossiers(self, t0: float, rate: float, office: bool) -> None:
        rng = self.rng
        surges = [
            s
            for s in self.scenarios.scenarios
            if isinstance(s, DossierBacklogSurge) and s.active(t0)
        ]
        for _ in range(self._poisson(rate)):
            agency = rng.choices(self._agencies, weights=self._agency_weights)[0]
            self._dossier(t0 + rng.random(), agency, office, 1.0)
        for surge in surges:
            extra = rate * (surge.arrival_multiplier - 1) * 0.05
            for _ in range(self._poisson(extra)):
                self._dossier(t0 + rng.random(), surge.agency, office, surge.slowdown)

    # citizen feedback (PAKN)

    def _feedbacks(self, t0: float, rate: float) -> None:
        rng = self.rng
        for _ in range(self._poisson(rate)):
            agency = rng.choices(self._agencies, weights=self._agency_weights)[0]
            self._feedback(t0 + rng.random(), agency, 1.0)
        for surge in self.scenarios.scenarios:
            if isinstance(surge, FeedbackSurge) and surge.active(t0):
                for _ in range(self._poisson(max(rate, 0.02) * surge.arrival_multiplier)):
                    self._feedback(t0 + rng.random(), surge.agency, surge.slowdown)

    def _feedback(self, t: float, agency: str, slowdown: float) -> None:
        rng = self.rng
        self._n_feedback += 1
        # Compressed time, as for dossiers: the portal's ten working days become ten minutes.
        budget = 600.0
        received = FeedbackEvent(
            schema_version=SCHEMA_VERSION,
            event_id=self._id(),
            event_time=self._at(t),
            event_type="feedback",
            feedback_id=f"PAKN{self._n_feedback:09d}",
            agency=agency,
            level=self._agency_level[agency],  # type: ignore[arg-type]
            lifecycle="received",
            # Every later step repeats its due time.
            due_time=self._at(t + budget),
        )
        self._push(t, received)

        def step(at: float, lifecycle: str, rating: str | None = None) -> None:
            update = {"event_id": self._id(), "event_time": self._at(at), "lifecycle": lifecycle}
            if rating is not None:
                update["rating"] = rating
            self._push(at, received.model_copy(update=update))

        done = t + budget * rng.lognormvariate(math.log(0.5), 0.5) * slowdown
        step(done, "resolved")
        if rng.random() < 0.5:
            rating = "satisfied" if rng.random() < 0.9 else "unsatisfied"
            step(done + rng.uniform(30, 600), "rated", rating)
        if rng.random() < 0.03:
            step(done + rng.uniform(600, 1200), "complaint")

    def _synced(self, t: float) -> datetime | None:
        """When the national portal acknowledged a step at ``t``: mostly within a minute,
        sometimes late, now and then never."""
        r = self.rng.random()
        if r < 0.01:
            return None
        delay = self.rng.uniform(1, 60) if r < 0.97 else self.rng.uniform(600, 3600)
        return self._at(t + delay)

    def _dossier(self, t: float, agency: str, office: bool, slowdown: float) -> None:
        rng = self.rng
        self._n_dossier += 1
        procedure = rng.choice(_PROCEDURES)
        days = procedure.days
        channel = (
            "online"
            if not office
            else rng.choices(("online", "direct", "postal"), weights=(60, 35, 5))[0]
        )
        online = channel == "online"
        full_online = online and procedure.full_online_eligible and rng.random() < 0.78
        level = self._agency_level[agency]
        # Compressed time: a procedure's legal days become minutes.
        budget = days * 60.0
        received = DossierEvent(
            schema_version=DOSSIER_SCHEMA_VERSION,
            event_id=self._id(),
            event_time=self._at(t),
            event_type="dossier",
            dossier_id=f"{level[0].upper()}{self._n_dossier:09d}",
            agency=agency,
            level=level,
            procedure_code=procedure.code,
            procedure_field=procedure.field,
            lifecycle="received",
            channel=channel,  # type: ignore[arg-type]
            full_online=full_online,
            paid_online=online and procedure.fee_required and rng.random() < 0.7,
            digitized=rng.random() < 0.85,
            # Every later event of the dossier repeats its due time.
            due_time=self._at(t + budget),
            full_online_eligible=procedure.full_online_eligible,
            fee_required=procedure.fee_required,
            components_replaced=(rng.random() < 0.4) if procedure.replaceable_components else None,
            portal_synced_time=self._synced(t),
        )
        self._push(t, received)

        def step(at: float, lifecycle: str, rating: str | None = None) -> None:
            update: dict[str, object] = {
                "event_id": self._id(),
                "event_time": self._at(at),
                "lifecycle": lifecycle,
                "portal_synced_time": self._synced(at),
            }
            if rating is not None:
                update["rating"] = rating
            if lifecycle == "resolved" and procedure.result_is_document:
                update["electronic_result"] = rng.random() < 0.6
            self._push(at, received.model_copy(update=update))

        fate = rng.random()
        handling = budget * rng.lognormvariate(math.log(0.6), 0.45) * slowdown
        if fate < 0.05:
            # The clock stops while the citizen gathers documents; the agency resumes after.
            asked = t + handling * 0.3
            step(asked, "additional_docs_requested")
            waited = rng.uniform(0.5, 5.0) * 60.0  # days, compressed to minutes as above
            step(asked + waited, "additional_docs_submitted")
            handling += waited
        if fate > 0.99:
            step(t + handling * 0.2, "cancelled")
            return
        if fate > 0.975:
            step(t + handling * 0.5, "returned")
            return
        t_done = t + handling
        step(t_done, "resolved")
        if rng.random() < 0.6:
            rating = rng.choices(("satisfied", "unsatisfied", "complaint"), weights=(96, 3, 1))[0]
            step(t_done + rng.uniform(30, 600), "rated", rating)
