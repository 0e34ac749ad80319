"""Alert rules and thresholds (``rules.yaml``): data a province can replace, not code."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ioc.config.durations import Seconds
from ioc.config.yamlfile import read_yaml

DEFAULT_RULES_PATH = Path(__file__).parent / "data" / "rules.yaml"

Severity = Literal["page", "ticket", "info"]


class _Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ServiceDownRule(_Rule):
    severity_by_tier: dict[int, Severity] = {1: "page", 2: "page", 3: "ticket"}


class ProbeSilenceRule(_Rule):
    intervals: float = Field(default=3, gt=0)
    severity: Severity = "ticket"


class LatencyRule(_Rule):
    window: Seconds = 300
    quantile: float = Field(default=0.95, gt=0, le=1)
    min_samples: int = Field(default=5, ge=1)
    severity: Severity = "ticket"


class SocCriticalRule(_Rule):
    min_level: int = Field(default=15, ge=0, le=16)
    # A lower bar on the province's most important systems: security level -> min rule level
    # at that level and above (Decree 85/2016 defines levels 1-5; from level 3 an incident
    # matters more, so a high alert pages).
    min_level_by_security_level: dict[Annotated[int, Field(ge=1, le=5)], int] = Field(
        default_factory=lambda: {3: 12}
    )
    hold: Seconds = 900
    severity: Severity = "page"

    def threshold(self, security_level: int | None) -> int:
        """The lowest rule level that is critical on a system of this security level."""
        if security_level is None:
            return self.min_level
        # The entry of the highest level at or below this one: "level 3" holds for 4 and 5.
        below = [lvl for lvl in self.min_level_by_security_level if lvl <= security_level]
        if not below:
            return self.min_level
        return self.min_level_by_security_level[max(below)]

    @property
    def lowest(self) -> int:
        return min([self.min_level, *self.min_level_by_security_level.values()])


class SocBurstRule(_Rule):
    min_level: int = Field(default=12, ge=0, le=16)
    min_alerts: int = Field(default=10, ge=1)
    window: Seconds = 300
    severity: Severity = "page"


class SocCampaignRule(_Rule):
    min_level: int = Field(default=12, ge=0, le=16)
    min_agents: int = Field(default=5, ge=1)
    min_agencies: int = Field(default=2, ge=1)
    window: Seconds = 900
    severity: Severity = "page"


class OverdueBacklogRule(_Rule):
    default_threshold: int = Field(default=25, ge=1)
    thresholds: dict[str, int] = {}
    severity: Severity = "ticket"

    def threshold(self, agency: str) -> int:
        return self.thresholds.get(agency, self.default_threshold)


class IntakeStallRule(_Rule):
    """No dossier received for ``window`` inside office hours of a working day (the catalog's
    working calendar, ioc.catalog.calendar: shared with the simulator and Alertmanager)."""

    window: Seconds = 1800
    severity: Severity = "page"


class CorrelationRule(_Rule):
    window: Seconds = 900
    min_level: int = Field(default=12, ge=0, le=16)
    severity: Severity = "page"


class DeliveryPolicy(_Rule):
    resend_interval: Seconds = 60
    buffer_size: int = Field(default=10_000, ge=1)
    max_backoff: Seconds = 30


class DashboardLink(_Rule):
    """Where an alert shows on the wall: a page links to this panel (``ioc.alerting.evidence``)."""

    dashboard: str = Field(pattern=r"^[a-z0-9-]+$")  # the dashboard's uid
    panel: int = Field(ge=1)
    # The dashboard variable set from the alert's label of the same name.
    variable: Literal["agency", "service"] | None = None


EscalationTarget = Literal["secondary", "head_of_operations"]


class EscalationStep(_Rule):
    to: EscalationTarget
    after: Seconds = Field(gt=0)


class EscalationPolicy(_Rule):
    """Who is called next when nobody acknowledges a page (``ioc.alerting.escalation``)."""

    # How often the worker asks Alertmanager which pages are firing and acknowledged.
    poll: Seconds = Field(default=15, gt=0)
    # How long ``ioc ack`` silences a page: past it, a page still firing is sent again.
    ack_for: Seconds = Field(default=12 * 3600, gt=0)
    # Per severity, the steps of the chain, each counted from the page's first sighting.
    steps: dict[Severity, list[EscalationStep]] = {}

    @model_validator(mode="after")
    def _ordered(self) -> EscalationPolicy:
        for severity, steps in self.steps.items():
            afters = [s.after for s in steps]
            if afters != sorted(afters) or len(set(afters)) != len(afters):
                raise ValueError(f"steps of {severity}: 'after' must increase step by step")
            targets = [s.to for s in steps]
            if len(set(targets)) != len(targets):
                raise ValueError(f"steps of {severity}: each person is called once")
        return self


class AlertRules(_Rule):
    runbook_base_url: str = "docs/runbooks.md"
    # Firing alerts of one rule at most; beyond it they are counted
    # (ioc_alerts_capped) and IocAlertRuleCapped tickets, instead of paging each.
    max_firing_per_rule: int = Field(default=100, ge=1)
    service_down: ServiceDownRule = ServiceDownRule()
    probe_silence: ProbeSilenceRule = ProbeSilenceRule()
    latency_degraded: LatencyRule = LatencyRule()
    soc_critical: SocCriticalRule = SocCriticalRule()
    soc_burst: SocBurstRule = SocBurstRule()
    soc_campaign: SocCampaignRule = SocCampaignRule()
    dossier_overdue_backlog: OverdueBacklogRule = OverdueBacklogRule()
    intake_stall: IntakeStallRule = IntakeStallRule()
    correlation: CorrelationRule = CorrelationRule()
    delivery: DeliveryPolicy = DeliveryPolicy()
    escalation: EscalationPolicy = EscalationPolicy()
    dashboards: dict[str, DashboardLink] = {}

    # Summaries over the rules, for the detector, its signals and a takeover.

    @property
    def signal_level(self) -> int:
        """The lowest SOC level any rule looks at: lower alerts are not sent to the detector."""
        return min(
            self.soc_burst.min_level,
            self.soc_campaign.min_level,
            self.soc_critical.lowest,
            self.correlation.min_level,
        )

    @property
    def high_level(self) -> int:
        """The lowest level of the alerts the burst and correlation rules count."""
        return min(self.soc_burst.min_level, self.correlation.min_level)

    @property
    def high_window(self) -> float:
        """How long the burst and correlation rules keep a high alert."""
        return max(self.soc_burst.window, self.correlation.window)

    @property
    def longest_window(self) -> float:
        """How far back any rule looks."""
        return max(
            self.latency_degraded.window,
            self.soc_critical.hold,
            self.soc_burst.window,
            self.soc_campaign.window,
            self.intake_stall.window,
            self.correlation.window,
        )


def load_rules(path: Path | str | None = None) -> AlertRules:
    """Read alert rules; ``None`` reads the bundled defaults."""
    chosen = path or DEFAULT_RULES_PATH
    doc = read_yaml(chosen)
    try:
        return AlertRules.model_validate(doc.data or {})
    except ValidationError as exc:
        raise doc.error(exc) from None
