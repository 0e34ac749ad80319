"""What the five dashboards share: template variables, colours, and the panel and query
builders each of them uses."""

from __future__ import annotations

from typing import Any

from dashboards.model import BAD, GOOD, HIGHER_IS_BETTER, WARN, Panel, Query, Variable, steps
from ioc.catalog import Catalog

AGENCY = Variable("agency", "Cơ quan / Agency", "ioc_dossiers_in_progress", info="ioc_agency_info")


LEVEL = Variable("level", "Cấp tỉnh, cấp xã / Level", "ioc_dossiers_in_progress")


SERVICE = Variable("service", "Dịch vụ / Service", "ioc_uptime_service_up", info="ioc_service_info")


SEVERITY = Variable("severity", "Mức độ / Severity", "ioc_soc_alerts_total")


SOC_AGENCY = Variable("agency", "Cơ quan / Agency", "ioc_soc_alerts_total", info="ioc_agency_info")


UP_DOWN = [
    {"type": "value", "options": {"1": {"text": "HOẠT ĐỘNG", "color": GOOD, "index": 0},
                                  "0": {"text": "NGỪNG", "color": BAD, "index": 1}}},
]  # fmt: skip


SEVERITY_COLOURS = [
    {"matcher": {"id": "byName", "options": name}, "properties": [
        {"id": "color", "value": {"mode": "fixed", "fixedColor": colour}}]}
    for name, colour in (("critical", "dark-red"), ("high", BAD), ("medium", WARN),
                         ("low", "blue"))
]  # fmt: skip


# Source messages not yet applied, per partition: the log end against the applied offset.
BACKLOG = (
    "max by (source, partition) (ioc_source_end_offset) "
    "- max by (source, partition) (ioc_aggregate_applied_offset)"
)


def stat(title: str, description: str, expr: str, **kw: object) -> Panel:
    kw.setdefault("options", {"colorMode": "background", "graphMode": "none",
                              "reduceOptions": {"calcs": ["lastNotNull"]}})  # fmt: skip
    return Panel("stat", title, description, [Query(expr, instant=True)], **kw)  # type: ignore[arg-type]


NAMED_VALUES = {
    "colorMode": "value",
    "graphMode": "none",
    "textMode": "value_and_name",
    "reduceOptions": {"calcs": ["lastNotNull"]},
}


def mean_time(
    title: str,
    description: str,
    histogram: str,
    thresholds: dict[str, Any],
    by: str = "severity",
) -> Panel:
    """Mean of a histogram over the dashboard's range, by severity (or ``by``): sum / count."""
    sel = '{severity=~"$severity"}' if by == "severity" else ""
    expr = (
        f"sum by ({by}) (increase({histogram}_sum{sel}[$__range])) / "
        f"sum by ({by}) (increase({histogram}_count{sel}[$__range]))"
    )
    query = Query(expr, "{{" + by + "}}", instant=True)
    return Panel("stat", title, description, [query], unit="s", width=4, height=8,
                 thresholds=thresholds, options=NAMED_VALUES)  # fmt: skip


def period_stat(catalog: Catalog, kpi_name: str, title: str) -> Panel:
    """A province KPI of this month, quarter and year; red below the catalog's target."""
    target = catalog.kpi.targets.get(f"{kpi_name}_rate")
    thresholds = steps((None, BAD), (target, GOOD)) if target is not None else HIGHER_IS_BETTER
    where = f" Target {target:.0%} (catalog)." if target is not None else " No target set."
    return Panel(
        "stat", f"{title} (tháng/quý/năm)",
        f"Province {kpi_name.replace('_', ' ')} rate of the current month, quarter and year "
        f"(province time).{where}",
        [Query(f"province:ioc_dossiers_{kpi_name}_in_period:ratio", "{{period}}",
               instant=True)],
        unit="percentunit", width=4, height=6, min=0, max=1, thresholds=thresholds,
        options=NAMED_VALUES,
    )  # fmt: skip


def target_line(kpi: str) -> Query:
    # Every worker exports the catalog's targets: one value, not one per worker.
    return Query(f'max by (kpi) (ioc_kpi_target_ratio{{kpi="{kpi}"}})', "mục tiêu / target")


def slo_vector(catalog: Catalog) -> str:
    """The SLO error budget (1 - SLO) of each tier as a PromQL vector keyed by ``tier``."""
    parts = [
        f'label_replace(vector({1 - slo:.6g}), "tier", "{tier}", "", "")'
        for tier, slo in sorted(catalog.kpi.uptime.slo_by_tier.items())
    ]
    return " or ".join(parts)


def error_ratio(svc: str, window: str) -> str:
    return (
        f'(sum by (service, tier) (increase(ioc_uptime_probes_total{{{svc}, result="failure"}}'
        f"[{window}])) / sum by (service, tier) (increase(ioc_uptime_probes_total{{{svc}}}"
        f"[{window}])))"
    )


def budget_expr(catalog: Catalog, svc: str, window: str) -> str:
    return f"clamp_min(1 - ({error_ratio(svc, window)} / on (tier) group_left () ({slo_vector(catalog)})), 0)"  # noqa: E501


def burn_expr(catalog: Catalog, svc: str) -> str:
    return f"{error_ratio(svc, '1h')} / on (tier) group_left () ({slo_vector(catalog)})"


# Overdue dossiers of one agency: any is a call to make, 25 is the detector's backlog ticket.
OVERDUE_STEPS = steps((None, GOOD), (1, WARN), (25, BAD))


# Decision 766 points as a share of the most the measured sub-indicators could give.
SCORE_SHARE_STEPS = steps((None, BAD), (0.6, WARN), (0.8, GOOD))


# The catalog's communes, one series each (every worker exports the grouping: max).
COMMUNE = 'max by (agency, level) (ioc_agency_info{kind="commune"})'
