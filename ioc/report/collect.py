"""The report's figures, asked of Prometheus for exact windows: each figure is the increase
of the project's counters over [start, end) of the period, evaluated at its end, so that a
month is its calendar month and the previous period compares like with like."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ioc.aggregate.kpi import SCORE_POINTS
from ioc.aggregate.portal766 import BY_CODE
from ioc.catalog import Catalog
from ioc.catalog.calendar import WorkingCalendar
from ioc.report.period import ReportPeriod, quarter_of
from ioc.runtime.prometheus import PrometheusApi

DOSSIER_RATIOS = ("on_time", "full_online", "satisfaction", "digitized", "paid_online", "online")
_SCORE_GROUP = {
    "on_time": "progress",
    "digitized": "digitization",
    "online": "online_services",
    "paid_online": "online_payment",
    "satisfaction": "satisfaction",
}
SEVERITIES = ("critical", "high", "medium", "low")
SECURITY_LEVELS = ("5", "4", "3", "2", "1", "none")


@dataclass
class AgencyFigures:
    agency: str
    name: str
    kind: str
    received: float
    ratios: dict[str, float | None]
    score: float | None
    previous_score: float | None
    overdue: float
    # Overdue by more than 5 working days at the period's end (the working calendar).
    overdue_long: float = 0.0

    @property
    def change(self) -> float | None:
        if self.score is None or self.previous_score is None:
            return None
        return self.score - self.previous_score


@dataclass
class ResponseFigures:
    key: str  # a severity or a security level
    alerts: float
    mtta_seconds: float | None
    mttr_seconds: float | None


@dataclass
class AckFigures:
    key: str  # a team (incident_response, it_operations) or an agency's name
    acknowledged: float
    mean_seconds: float | None
    escalations: float | None = None  # counted per team only


@dataclass
class ServiceFigures:
    service: str
    name: str
    tier: int
    slo: float
    availability: float | None
    burn_alerts: int  # SLO burn-rate pages that fired in the period

    @property
    def budget_used(self) -> float | None:
        """Share of the period's error budget spent (1 = all of it)."""
        if self.availability is None:
            return None
        return (1 - self.availability) / (1 - self.slo)


@dataclass
class AgencyScore:
    """One agency's Decision 766 points by the portal's method, month to date."""

    agency: str
    name: str
    points: float
    maximum: float
    # Ours minus the portal's published points, summed as distances over the sub-indicators
    # both have (None: nothing imported for the month).
    portal_distance: float | None
    # The sub-indicator that loses the most points, and how many.
    worst: tuple[str, float] | None

    @property
    def share(self) -> float:
        return self.points / self.maximum if self.maximum > 0 else 0.0


@dataclass
class Portal766Figures:
    """The month to date at the report's end, by the portal's method (docs/kpis.md)."""

    month: str  # YYYY-MM of the province's calendar
    province_points: dict[str, float]  # sub-indicator code -> points
    province_maximum: dict[str, float]
    agencies: list[AgencyScore]


@dataclass
class ReportData:
    period: ReportPeriod
    province: str
    agencies: list[AgencyFigures]
    province_ratios: dict[str, float | None]
    province_previous: dict[str, float | None]
    soc_by_severity: list[ResponseFigures]
    soc_by_security_level: list[ResponseFigures]
    services: list[ServiceFigures]
    pages: dict[str, float] = field(default_factory=dict)
    # Pages acknowledged (ioc ack), their mean time to acknowledge and the escalations, by
    # team, then by agency (named).
    acknowledgements: list[AckFigures] = field(default_factory=list)
    portal766: Portal766Figures | None = None
    generated_at: datetime | None = None
    # The catalog's targets (ratios, e.g. full_online_rate): figures are never rounded across.
    targets: dict[str, float] = field(default_factory=dict)
    # Working days in the period by the catalog's calendar, and the years it only estimates
    # (provisional, or not listed: plain office weeks).
    working_days: int | None = None
    calendar_estimated: tuple[int, ...] = ()
    # Source events the workers applied in the period: 0 is a Prometheus that holds no IOC
    # data for it (another Prometheus, a retention shorter than the period, no scrape).
    events: float = 0.0

    @property
    def empty(self) -> bool:
        return self.events <= 0


def score(ratios: Mapping[str, float | None]) -> float | None:
    """Decision 766 points of the measured groups (docs/kpis.md); None if a rate has none."""
    total = 0.0
    for kpi_name, group in _SCORE_GROUP.items():
        value = ratios.get(kpi_name)
        if value is None:
            return None
        total += SCORE_POINTS[group] * value
    return total


class _Window:
    """Instant queries at the end of a period over its whole length."""

    def __init__(self, api: PrometheusApi, period: ReportPeriod) -> None:
        self.api = api
        self.at = period.end.timestamp()
        self.range = f"{period.seconds}s"

    def increase(self, selector: str, by: str) -> dict[str, float]:
        expr = f"sum by ({by}) (increase({selector}[{self.range}]))"
        return self.vector(expr, by)

    def vector(self, expr: str, by: str) -> dict[str, float]:
        return {
            r["metric"].get(by, ""): float(r["value"][1]) for r in self.api.query(expr, self.at)
        }


def _ratio(num: dict[str, float], den: dict[str, float], key: str) -> float | None:
    d = den.get(key, 0.0)
    return None if d <= 0 else num.get(key, 0.0) / d


PROVINCE = ""  # the key of the province's figures, beside the agencies' ids


def _dossier_ratios(w: _Window) -> tuple[dict[str, dict[str, float | None]], dict[str, float]]:
    """KPI -> agency (and PROVINCE) -> ratio; and received by agency (and PROVINCE). The
    province's counts are the agencies' summed: one query a counter, not two."""
    timeliness = "ioc_dossiers_resolved_by_timeliness_total"
    received = w.increase("ioc_dossiers_received_total", "agency")
    judged = w.increase(timeliness, "agency")
    counts = {
        "on_time": w.increase(f'{timeliness}{{timeliness=~"early|on_time"}}', "agency"),
        "full_online": w.increase("ioc_dossiers_received_full_online_total", "agency"),
        "digitized": w.increase("ioc_dossiers_received_digitized_total", "agency"),
        "paid_online": w.increase("ioc_dossiers_received_paid_online_total", "agency"),
        "online": w.increase('ioc_dossiers_received_total{channel="online"}', "agency"),
    }
    bad = w.increase('ioc_dossiers_rated_total{rating=~"unsatisfied|complaint"}', "agency")
    for by_agency in (received, judged, bad, *counts.values()):
        by_agency[PROVINCE] = sum(by_agency.values())
    out: dict[str, dict[str, float | None]] = {k: {} for k in DOSSIER_RATIOS}
    for key in set(received) | set(judged):
        out["on_time"][key] = _ratio(counts["on_time"], judged, key)
        for name in ("full_online", "digitized", "paid_online", "online"):
            out[name][key] = _ratio(counts[name], received, key)
        unsatisfied = _ratio(bad, received, key)
        out["satisfaction"][key] = None if unsatisfied is None else 1 - unsatisfied
    return out, received


def _responses(
    w: _Window, by: str, keys: tuple[str, ...], counter: str, hist: str
) -> list[ResponseFigures]:
    alerts = w.increase(counter, by)
    means: dict[str, dict[str, float | None]] = {}
    for verb in ("acknowledge", "resolve"):
        name = hist.format(verb=verb)
        sums, counts = w.increase(f"{name}_sum", by), w.increase(f"{name}_count", by)
        means[verb] = {k: _ratio(sums, counts, k) for k in keys}
    return [
        ResponseFigures(k, alerts.get(k, 0.0), means["acknowledge"][k], means["resolve"][k])
        for k in keys
    ]


TEAMS = ("incident_response", "it_operations")


def _acknowledgements(w: _Window, catalog: Catalog) -> list[AckFigures]:
    """Per team, then per agency that acknowledged any: from ioc_page_acknowledge_seconds
    and ioc_page_escalations_total."""
    hist = "ioc_page_acknowledge_seconds"
    out: list[AckFigures] = []
    escalated = w.increase("ioc_page_escalations_total", "team")
    for by, keys in (("team", TEAMS), ("agency", tuple(a.id for a in catalog.agencies))):
        sums, counts = w.increase(f"{hist}_sum", by), w.increase(f"{hist}_count", by)
        names = {a.id: a.name for a in catalog.agencies}
        for k in keys:
            if by == "agency" and counts.get(k, 0.0) < 0.5:
                continue
            esc = escalated.get(k, 0.0) if by == "team" else None
            out.append(AckFigures(names.get(k, k), counts.get(k, 0.0), _ratio(sums, counts, k),
                                  esc))  # fmt: skip
    return out


def _row_of(code: str) -> int:
    indicator = BY_CODE.get(code)
    return indicator.row if indicator is not None else 99


def _portal766(api: PrometheusApi, catalog: Catalog, period: ReportPeriod) -> Portal766Figures:
    """The recorded month-to-date figures as the wall showed them last before the period's
    end: the month gauges start again at 0 when a month turns, so a month is read at its own
    last instant."""
    at = period.end.timestamp() - 1
    # A quarter's report reads the quarter's figures; a week's or month's, its month's.
    label = "quarter" if period.kind == "quarter" else "month"
    last_day = (period.end - timedelta(seconds=1)).astimezone(period.end.tzinfo)
    month = last_day.strftime("%Y-%m") if label == "month" else quarter_of(last_day).title_vi

    def last(expr: str, *by: str) -> dict[tuple[str, ...], float]:
        query = f'last_over_time({expr}{{period="{label}"}}[1h])'
        return {
            tuple(r["metric"].get(b, "") for b in by): float(r["value"][1])
            for r in api.query(query, at)
        }

    indicator = "province:ioc_766_indicator"
    province = {k[0]: v for k, v in last(f"{indicator}:points", "indicator").items()}
    province_max = {k[0]: v for k, v in last(f"{indicator}_max:points", "indicator").items()}
    scores = last("agency:ioc_766_score:points", "agency")
    maxima = last("agency:ioc_766_score_max:points", "agency")
    points = last("agency:ioc_766_indicator:points", "agency", "indicator")
    most = last("agency:ioc_766_indicator_max:points", "agency", "indicator")
    distance = {
        r["metric"].get("agency", ""): float(r["value"][1])
        for r in api.query("last_over_time(agency:ioc_766_portal_distance:points[1h])", at)
    }
    worst: dict[str, tuple[str, float]] = {}
    # Most points lost first; between equals, the row that comes first on the portal's sheet.
    for (agency, code), top in sorted(most.items(), key=lambda kv: _row_of(kv[0][1])):
        lost = top - points.get((agency, code), 0.0)
        if lost > 0 and lost > worst.get(agency, ("", 0.0))[1]:
            worst[agency] = (code, lost)
    names = {a.id: a.name for a in catalog.agencies}
    agencies = [
        AgencyScore(agency, names.get(agency, agency), value, maxima.get((agency,), 0.0),
                    distance.get(agency), worst.get(agency))
        for (agency,), value in scores.items()
    ]  # fmt: skip
    agencies.sort(key=lambda a: (a.share, a.agency))
    return Portal766Figures(month, province, province_max, agencies)


def working_days_in(period: ReportPeriod, catalog: Catalog) -> tuple[int, tuple[int, ...]]:
    """Working days in the period by the catalog's calendar, and the years of it that the
    calendar only estimates (provisional, or not listed: plain office weeks)."""
    calendar = WorkingCalendar.of(catalog)
    last = period.end - timedelta(seconds=1)
    years = range(period.start.year, last.year + 1)
    estimated = tuple(y for y in years if not calendar.covers(y) or y in calendar.provisional_years)
    days = calendar.weekly_fallback().working_days_between(
        period.start - timedelta(seconds=1), last
    )
    return days, estimated


def collect(api: PrometheusApi, catalog: Catalog, period: ReportPeriod) -> ReportData:
    w = _Window(api, period)
    before = _Window(api, period.previous())
    by_agency, received = _dossier_ratios(w)
    previous, _ = _dossier_ratios(before)
    overdue = {
        r["metric"]["agency"]: float(r["value"][1])
        for r in api.query("sum by (agency) (ioc_dossiers_overdue)", w.at)
    }
    overdue_long = {
        r["metric"]["agency"]: float(r["value"][1])
        for r in api.query(
            'sum by (agency) (ioc_dossiers_overdue_by_working_days{working_days!~"0|1|2-5"})',
            w.at,
        )
    }
    working_days, estimated = working_days_in(period, catalog)
    agencies = []
    for agency in catalog.agencies:
        if agency.id not in received:
            continue
        ratios = {k: by_agency[k].get(agency.id) for k in DOSSIER_RATIOS}
        before_ratios = {k: previous[k].get(agency.id) for k in DOSSIER_RATIOS}
        agencies.append(
            AgencyFigures(
                agency.id, agency.name, agency.group, received[agency.id], ratios,
                score(ratios), score(before_ratios), overdue.get(agency.id, 0.0),
                overdue_long.get(agency.id, 0.0),
            )
        )  # fmt: skip
    services = []
    probes = "ioc_uptime_probes_total"
    ok = w.increase(f'{probes}{{result="success"}}', "service")
    judged = w.increase(f'{probes}{{result=~"success|failure"}}', "service")
    # Pages sent: each time a burn-rate page started firing (a minute's resolution), not
    # whether one fired at all (max_over_time of ALERTS is only ever 0 or 1).
    firing = 'ALERTS{alertname="SLOBurnRateHigh",alertstate="firing"}'
    burns = w.vector(
        f"sum by (service) (count_over_time((max by (service) ({firing}) unless "
        f"max by (service) ({firing} offset 1m))[{w.range}:1m]))",
        "service",
    )
    slo_by_tier = catalog.kpi.uptime.slo_by_tier
    for s in catalog.services:
        services.append(
            ServiceFigures(
                s.id, s.name, s.tier, slo_by_tier.get(s.tier, 0.995), _ratio(ok, judged, s.id),
                int(burns.get(s.id, 0.0)),
            )
        )  # fmt: skip
    return ReportData(
        period=period,
        province=catalog.province.name,
        agencies=agencies,
        province_ratios={k: by_agency[k].get(PROVINCE) for k in DOSSIER_RATIOS},
        province_previous={k: previous[k].get(PROVINCE) for k in DOSSIER_RATIOS},
        soc_by_severity=_responses(
            w, "severity", SEVERITIES, "ioc_soc_alerts_total",
            "ioc_soc_alert_time_to_{verb}_seconds",
        ),
        soc_by_security_level=_responses(
            w, "security_level", SECURITY_LEVELS, "ioc_soc_alerts_by_security_level_total",
            "ioc_soc_alert_time_to_{verb}_by_security_level_seconds",
        ),
        services=services,
        pages=w.increase('ioc_alerts_fired_total{severity="page"}', "alertname"),
        acknowledgements=_acknowledgements(w, catalog),
        portal766=_portal766(api, catalog, period),
        events=sum(w.increase("ioc_events_processed_total", "source").values()),
        targets=dict(catalog.kpi.targets),
        working_days=working_days,
        calendar_estimated=estimated,
    )  # fmt: skip
