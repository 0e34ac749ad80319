"""Prometheus rule files, generated from the catalog (``ioc rules generate``).

- ``ioc-recording.yml``: KPI ratios as recording rules, ``level:metric:operations``.
- ``ioc-slo.yml``: multi-window, multi-burn-rate availability alerts (SRE Workbook ch. 5),
  one set per service with the SLO of its tier.
- ``ioc-pipeline.yml``: the pipeline's own health: worker down, lag growing, dead letters.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from ioc import generated
from ioc.aggregate.portal766 import BY_CODE, SUB_INDICATORS
from ioc.catalog import Catalog

RULES_DIR = Path(__file__).resolve().parents[2] / "deploy" / "prometheus" / "rules"
RUNBOOK = "https://github.com/ioc-nghean/ioc-streams/blob/main/docs/runbooks.md"
# The alert's agency by its catalog name (ioc_agency_info), in a rule's annotation template;
# its id only if no worker exports the name.
AGENCY_NAME = (
    '{{ with printf "max by (name) (ioc_agency_info{agency=%q})" $labels.agency | query }}'
    '{{ . | first | label "name" }}{{ else }}{{ $labels.agency }}{{ end }}'
)

# (severity, long window, short window, burn rate, for)
BURN_WINDOWS = (
    ("page", "1h", "5m", 14.4, "2m"),
    ("page", "6h", "30m", 6.0, "15m"),
    ("ticket", "3d", "6h", 1.0, "1h"),
)
ERROR_WINDOWS = ("5m", "30m", "1h", "6h", "3d")

_PROBES = "ioc_uptime_probes_total"
_TIMELINESS = "ioc_dossiers_resolved_by_timeliness_total"
_RECEIVED = "ioc_dossiers_received_total"


def _ratio(num: str, den: str) -> str:
    """``num / den``, where a group with no numerator series counts 0, not "no data": the
    counters appear on their first event, and an agency without a single complaint must show
    100% satisfaction (an uptime service without a failure, 0% errors). A group whose
    denominator is 0 (no probe, no dossier in the window) has no value: absent, never NaN."""
    return f"(\n  {num}\nor\n  0 * {den}\n)\n/\n({den} > 0)"


def _unjoined(selector: str) -> str:
    return selector


def _joined_with_kind(selector: str) -> str:
    return (
        f"{selector} * on (agency, level) group_left (kind) "
        "max by (agency, level, kind) (ioc_agency_info)"
    )


# Operational ratios of the current month, quarter and year: (numerator, denominator)
# measures of ioc_dossiers_in_period. The portal's own formulas are ``portal766_rules``.
_PERIOD_KPIS = {
    "on_time": ("resolved_on_time", "resolved_with_due"),
    "online": ("received_online", "received"),
    "full_online": ("full_online", "received"),
    "paid_online": ("paid_online", "received"),
    "digitized": ("digitized", "received"),
    "satisfaction": ("rated_unsatisfied", "received"),
}
_IN_PERIOD = "ioc_dossiers_in_period"


def period_rules() -> list[dict[str, Any]]:
    """Ratios of the current period (label ``period``: month, quarter, year) by agency, kind
    and province, from the period gauges, which start again at 0 when a period turns: a
    month-to-date figure is one instant query, not a range over a calendar PromQL cannot
    express. Then the portal's Decision 766 sub-indicators and the score from them."""
    rules: list[dict[str, Any]] = []
    for level, by in _LEVELS:
        join = _joined_with_kind if level == "kind" else _unjoined
        for kpi_name, (num, den) in _PERIOD_KPIS.items():
            numerator = _IN_PERIOD + '{measure="' + num + '"}'
            denominator = _IN_PERIOD + '{measure="' + den + '"}'
            ratio = _ratio(
                f"sum by ({by}) ({join(numerator)})", f"sum by ({by}) ({join(denominator)})"
            )
            rules.append(
                {
                    "record": f"{level}:ioc_dossiers_{kpi_name}_in_period:ratio",
                    # Satisfaction is 1 - (rated unsatisfied or complaint) / received.
                    "expr": f"1 - {ratio}" if kpi_name == "satisfaction" else ratio,
                }
            )
        rules += portal766_rules(level, by)
    return rules


# Each level of aggregation and what its rules sum by.
_LEVELS = (("agency", "agency, level, period"), ("kind", "kind, period"), ("province", "period"))


def portal766_rules(level: str, by: str) -> list[dict[str, Any]]:
    """The portal's sub-indicators (``ioc.aggregate.portal766``) of one level: per
    sub-indicator its rate, its points (points × rate) and the points it could give, each
    with the labels ``indicator`` and ``group``; then the score, the sum of the points of
    the sub-indicators that have a value, beside its maximum. A sub-indicator without a value
    (nothing in its denominator, or not reported) is left out of both: never a made-up 0."""
    join = _joined_with_kind if level == "kind" else _unjoined
    # Every rate first: a group's rules run in order, and points may read another's rate.
    rules: list[dict[str, Any]] = []
    point_rules: list[dict[str, Any]] = []
    for s in SUB_INDICATORS:
        scope = "|".join(s.scope)

        def total(measure: str, scope: str = scope) -> str:
            selector = f'{_IN_PERIOD}{{measure="{measure}",level=~"{scope}"}}'
            return f"sum by ({by}) ({join(selector)})"

        numerator, denominator = total(s.numerator), total(s.denominator)
        keep = by.replace(", period", "").replace("period", "")
        on = f"on ({keep})" if keep else "on ()"
        if s.in_progress is not None:
            # Cases in progress now join the period's resolved ones; those within their
            # due time count as on time. The gauges have no period: each period gets them.
            in_progress_metric, overdue_metric = s.in_progress

            def now(metric: str, scope: str = scope, keep: str = keep) -> str:
                selector = join(f'{metric}{{level=~"{scope}"}}')
                return f"sum by ({keep}) ({selector})" if keep else f"sum ({selector})"

            in_progress = now(in_progress_metric)
            # Nothing resolved yet in the period: in progress alone still has a rate.
            every_measure = _IN_PERIOD + '{level=~"' + scope + '"}'
            any_measure = f"sum by ({by}) ({join(every_measure)})"
            denominator = f"({denominator} or 0 * {any_measure})"
            within_due = f"({in_progress} - {now(overdue_metric)})"
            numerator = f"(({numerator} or 0 * {denominator}) + {on} group_left () {within_due})"
            denominator = f"({denominator} + {on} group_left () ({in_progress}))"
        ratio = _ratio(numerator, denominator)
        if s.complement:
            ratio = f"clamp_min(1 - {ratio}, 0)"
        labels = {"indicator": s.code, "group": s.group}
        rate = f'{level}:ioc_766_indicator:ratio{{indicator="{s.code}"}}'
        points, maximum = f"{s.points:g} * {rate}", f"0 * {rate} + {s.points:g}"
        if s.gains_half_of is not None:
            # Worth half the other's points more while the other has no value.
            other = f'{level}:ioc_766_indicator:ratio{{indicator="{s.gains_half_of}"}}'
            more = BY_CODE[s.gains_half_of].points / 2 + s.points
            same = f"on ({by})"
            points = f"({more:g} * {rate} unless {same} {other}) or {points}"
            maximum = f"(0 * {rate} + {more:g} unless {same} {other}) or {maximum}"
        rules.append(
            {"record": f"{level}:ioc_766_indicator:ratio", "expr": ratio, "labels": labels}
        )
        point_rules += [
            {"record": f"{level}:ioc_766_indicator:points", "expr": points, "labels": labels},
            {"record": f"{level}:ioc_766_indicator_max:points", "expr": maximum, "labels": labels},
        ]
    rules += point_rules
    rules += [
        {
            "record": f"{level}:ioc_766_score:points",
            "expr": f"sum by ({by}) ({level}:ioc_766_indicator:points)",
        },
        {
            "record": f"{level}:ioc_766_score_max:points",
            "expr": f"sum by ({by}) ({level}:ioc_766_indicator_max:points)",
        },
    ]
    return rules


def portal_difference_rules() -> list[dict[str, Any]]:
    """Ours against what the national portal published for the current month
    (``ioc_portal_766_points``, ``ioc portal import``): per agency and sub-indicator, and the
    sum of their distances per agency. Only sub-indicators both have are compared."""
    portal = "max by (agency, level, indicator) (ioc_portal_766_points)"
    return [
        {
            "record": "agency:ioc_766_portal_difference:points",
            "expr": f'agency:ioc_766_indicator:points{{period="month"}}\n'
            f"- on (agency, level, indicator)\n{portal}",
        },
        {
            "record": "agency:ioc_766_portal_distance:points",
            "expr": "sum by (agency, level) (abs(agency:ioc_766_portal_difference:points))",
        },
    ]


def portal_check_rules(catalog: Catalog) -> dict[str, Any]:
    """A ticket for an agency whose sub-indicators differ from the portal's by more than the
    catalog's ``kpi.portal_difference_points`` in all: a broken integration, or a formula
    of ours that is wrong (docs/kpis.md)."""
    limit = catalog.kpi.portal_difference_points
    name = "Ioc766DiffersFromPortal"
    return {
        "groups": [
            {
                "name": "ioc-766-portal-check",
                "rules": [
                    {
                        "alert": name,
                        "expr": f"agency:ioc_766_portal_distance:points > {limit:g}",
                        "for": "1h",
                        "labels": {"severity": "ticket", "domain": "dossier"},
                        "annotations": {
                            "agency_name": AGENCY_NAME,
                            "summary": (
                                f"{AGENCY_NAME}: điểm 766 khác Cổng DVCQG "
                                '{{ $value | printf "%.1f" }} điểm / Decision 766 points '
                                "differ from the national portal's"
                            ),
                            "description": (
                                f"Tổng chênh lệch các chỉ tiêu thành phần tháng này vượt {limit:g} "
                                "điểm: kiểm tra đồng bộ với Cổng DVCQG và công thức.\n"
                                "This month's sub-indicators differ from the portal's published "
                                f"points by more than {limit:g} in all: check the integration "
                                "with the national portal, then our formula."
                            ),
                            "runbook_url": f"{RUNBOOK}#{name.lower()}",
                        },
                    }
                ],
            }
        ]
    }


def recording_rules() -> dict[str, Any]:
    rules: list[dict[str, str]] = []
    for w in ERROR_WINDOWS:
        rules.append(
            {
                "record": f"service:ioc_uptime_probe_errors:ratio_rate{w}",
                "expr": _ratio(
                    f'sum by (service, tier) (rate({_PROBES}{{result="failure"}}[{w}]))',
                    f'sum by (service, tier) (rate({_PROBES}{{result=~"success|failure"}}[{w}]))',
                ),
            }
        )
    for w in ("1h", "1d"):
        rules.append(
            {
                "record": f"service:ioc_uptime_availability:ratio_rate{w}",
                "expr": _ratio(
                    f'sum by (service, tier) (rate({_PROBES}{{result="success"}}[{w}]))',
                    f'sum by (service, tier) (rate({_PROBES}{{result=~"success|failure"}}[{w}]))',
                ),
            }
        )
    for level in ("agency", "kind", "province"):
        by = {"agency": "sum by (agency, level)", "kind": "sum by (kind)", "province": "sum"}[level]
        # By kind (departments, communes, others): each counter joined with the catalog's
        # grouping (ioc_agency_info; max: every worker exports it).
        join = _joined_with_kind if level == "kind" else _unjoined

        def total(selector: str, by: str = by, join: Callable[[str], str] = join) -> str:
            return f"{by} ({join(selector)})"

        received = total(_RECEIVED)
        rules += [
            {
                "record": f"{level}:ioc_dossiers_on_time:ratio",
                "expr": _ratio(
                    total(f'{_TIMELINESS}{{timeliness=~"early|on_time"}}'), total(_TIMELINESS)
                ),
            },
            {
                "record": f"{level}:ioc_dossiers_online:ratio",
                "expr": _ratio(total(f'{_RECEIVED}{{channel="online"}}'), received),
            },
            {
                "record": f"{level}:ioc_dossiers_full_online:ratio",
                "expr": _ratio(total("ioc_dossiers_received_full_online_total"), received),
            },
            {
                "record": f"{level}:ioc_dossiers_paid_online:ratio",
                "expr": _ratio(total("ioc_dossiers_received_paid_online_total"), received),
            },
            {
                "record": f"{level}:ioc_dossiers_digitized:ratio",
                "expr": _ratio(total("ioc_dossiers_received_digitized_total"), received),
            },
            {
                # Decision 766: (all - rated unsatisfied or complaint) / all.
                "record": f"{level}:ioc_dossiers_satisfaction:ratio",
                "expr": "1 - "
                + _ratio(
                    total('ioc_dossiers_rated_total{rating=~"unsatisfied|complaint"}'), received
                ),
            },
        ]
    rules += period_rules()
    rules += portal_difference_rules()
    rules.append(
        {
            "record": "source:ioc_events_processed:rate5m",
            "expr": "sum by (source) (rate(ioc_events_processed_total[5m]))",
        }
    )
    return {"groups": [{"name": "ioc-kpi-recording", "interval": "30s", "rules": rules}]}


def slo_rules(catalog: Catalog) -> dict[str, Any]:
    policy = catalog.kpi.uptime
    agency_names = {a.id: a.name for a in catalog.agencies}
    slo_by_tier = policy.slo_by_tier
    rules: list[dict[str, Any]] = []
    for service in catalog.services:
        slo = slo_by_tier.get(service.tier, 0.995)
        budget = round(1 - slo, 6)
        sel = f'{{service="{service.id}"}}'
        for severity, long_w, short_w, burn, hold in BURN_WINDOWS:
            threshold = round(burn * budget, 6)
            name = "SLOBurnRateHigh" if severity == "page" else "SLOErrorBudgetBurn"
            expr = (
                f"service:ioc_uptime_probe_errors:ratio_rate{long_w}{sel} > {threshold}\n"
                f"and\n"
                f"service:ioc_uptime_probe_errors:ratio_rate{short_w}{sel} > {threshold}"
            )
            if severity == "page":
                # increase() extrapolates to the window's edges: n failures read n +- a few
                # percent, so the bound sits half a failure below the count.
                expr += (
                    f"\nand on (service)\nsum by (service) (increase({_PROBES}"
                    f'{{service="{service.id}",result="failure"}}[{long_w}])) '
                    f"> {policy.min_failures_to_page - 0.5:g}"
                )
            rules.append(
                {
                    "alert": name,
                    "expr": expr,
                    "for": hold,
                    "labels": {
                        "severity": severity,
                        "domain": "uptime",
                        "service": service.id,
                        "agency": service.agency,
                        "slo": str(slo),
                        "window": f"{long_w}/{short_w}",
                    },
                    "annotations": {
                        # "Hạn mức lỗi", not "ngân sách lỗi": an official reads "ngân sách"
                        # as the state budget (docs/glossary.md).
                        "summary": (
                            f"{service.name}: tiêu hao hạn mức lỗi cho phép nhanh gấp {burn:g} "
                            f"lần / error budget burning {burn:g}x"
                        ),
                        "service_name": service.name,
                        "agency_name": agency_names[service.agency],
                        "description": (
                            f"Tỷ lệ lỗi {long_w} và {short_w} vượt {threshold:g} "
                            f"(SLO {slo:.1%}).\n"
                            f"Error ratio over {long_w} and {short_w} above {threshold:g} "
                            f"(SLO {slo:.1%})."
                        ),
                        "runbook_url": f"{RUNBOOK}#{name.lower()}",
                    },
                }
            )
    return {"groups": [{"name": "ioc-slo-burn-rate", "rules": rules}]}


_SECONDS = {"m": 60, "h": 3600, "d": 86400}


def _seconds(window: str) -> float:
    return float(window[:-1]) * _SECONDS[window[-1]]


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.1f} min" if seconds < 5400 else f"{seconds / 3600:.1f} h"


def burn_rate_timings(catalog: Catalog) -> list[dict[str, str]]:
    """Detection and reset time of each burn-rate rule for each service, as in the SRE
    Workbook's tables: detection is the time from the start of a total outage (every probe
    failing, after a healthy history) to the alert firing; reset is how long it keeps firing
    after the outage ends. The windows' error ratios grow linearly while all probes fail:
    the long one passes the threshold after threshold x window, the short one sooner, the
    failure count after that many probe intervals; then the rule's ``for`` holds it. Add up
    to one scrape and one rule evaluation (15 s each in deploy/prometheus)."""
    policy = catalog.kpi.uptime
    rows = []
    for service in catalog.services:
        slo = policy.slo_by_tier.get(service.tier, 0.995)
        for severity, long_w, short_w, burn, hold in BURN_WINDOWS:
            threshold = burn * (1 - slo)
            needed = [threshold * _seconds(long_w), threshold * _seconds(short_w)]
            if severity == "page":
                needed.append(policy.min_failures_to_page * service.interval_seconds)
            detection = max(needed) + _seconds(hold) if hold != "0m" else max(needed)
            # After the outage the short window's ratio falls below the threshold once all but
            # that share of it is healthy again (an outage longer than the short window).
            reset = (1 - threshold) * _seconds(short_w)
            rows.append(
                {
                    "service": service.id,
                    "tier": str(service.tier),
                    "interval": f"{service.interval_seconds:g} s",
                    "severity": severity,
                    "windows": f"{long_w}/{short_w}",
                    "burn": f"{burn:g}x",
                    "detection": _minutes(detection),
                    "reset": _minutes(reset),
                }
            )
    return rows


def burn_rate_table(catalog: Catalog) -> str:
    """``burn_rate_timings`` as the Markdown table docs/alerting.md carries."""
    head = "| service | tier | probe every | severity | windows | burn | detection | reset |"
    lines = [head, "|---|---|---|---|---|---|---|---|"]
    for r in burn_rate_timings(catalog):
        lines.append(
            f"| {r['service']} | {r['tier']} | {r['interval']} | {r['severity']} | "
            f"{r['windows']} | {r['burn']} | {r['detection']} | {r['reset']} |"
        )
    return "\n".join(lines)


# A source partition with messages waiting whose applied (or batched) offset has not moved
# for 10 minutes: a poison batch, a stuck worker, a lost assignment. By partition, the max over
# workers: after a rebalance the old owner's series is gone and the new one's counts.
_STALLED = """(
  max by (source, partition) (ioc_source_end_offset)
  - max by (source, partition) (ioc_aggregate_applied_offset) > 0
  and
  max by (source, partition) (changes(ioc_aggregate_applied_offset[10m])) == 0
)
or
(
  max by (source, partition) (ioc_source_end_offset)
  - max by (source, partition) (ioc_ingest_committed_offset) > 0
  and
  max by (source, partition) (changes(ioc_ingest_committed_offset[10m])) == 0
)"""


def pipeline_rules() -> dict[str, Any]:
    def alert(name: str, expr: str, hold: str, severity: str, vi: str, en: str) -> dict[str, Any]:
        return {
            "alert": name,
            "expr": expr,
            "for": hold,
            "labels": {"severity": severity, "domain": "pipeline"},
            "annotations": {
                "summary": f"{vi} / {en}",
                "description": f"{vi}.\n{en}.",
                "runbook_url": f"{RUNBOOK}#{name.lower()}",
            },
        }

    return {
        "groups": [
            {
                "name": "ioc-pipeline",
                "rules": [
                    alert(
                        "IocWorkerDown",
                        'up{job="ioc-worker"} == 0',
                        "1m",
                        "page",
                        "Worker xử lý luồng sự kiện không phản hồi",
                        "A stream worker is down",
                    ),
                    alert(
                        "IocConsumerLagGrowing",
                        "sum(ioc_ingest_consumer_lag_messages) > 10000\n"
                        "and\nderiv(sum(ioc_ingest_consumer_lag_messages)[10m:1m]) > 0",
                        "10m",
                        "ticket",
                        "Độ trễ tiêu thụ sự kiện tăng liên tục",
                        "Consumer lag keeps growing",
                    ),
                    alert(
                        "IocDeadLetterRateHigh",
                        "sum(rate(ioc_events_dead_lettered_total[5m]))\n/\n"
                        "(sum(rate(ioc_events_processed_total[5m])) "
                        "+ sum(rate(ioc_events_dead_lettered_total[5m]))) > 0.01",
                        "10m",
                        "ticket",
                        "Hơn 1% sự kiện bị đưa vào hàng lỗi",
                        "More than 1% of events are dead-lettered",
                    ),
                    alert(
                        "IocPartitionStalled",
                        _STALLED,
                        "5m",
                        "page",
                        "Một phân vùng nguồn sự kiện ngừng được xử lý, số liệu của nó đứng yên",
                        "A source partition stopped being processed: its numbers are frozen",
                    ),
                    alert(
                        "IocPipelineBehind",
                        "histogram_quantile(0.99, sum by (le, source) "
                        "(rate(ioc_pipeline_lag_seconds_bucket[5m]))) > 60",
                        "10m",
                        "page",
                        "Số liệu trên màn hình chậm hơn thực tế trên 1 phút",
                        "The wall's numbers are more than a minute behind the events",
                    ),
                    alert(
                        "IocAlertRuleCapped",
                        "max by (alertname) (ioc_alerts_capped) > 0",
                        "0m",
                        "ticket",
                        "Một luật cảnh báo vượt giới hạn, các cảnh báo thừa không được gửi",
                        "An alert rule hit its cap: the alerts beyond it are not sent",
                    ),
                    alert(
                        "IocBatchGapUnrepaired",
                        'increase(ioc_batch_gaps_total{outcome="unrepaired"}[15m]) > 0',
                        "0m",
                        "ticket",
                        "Một lô sự kiện bị mất, số liệu KPI bị thiếu",
                        "A batch of events was lost: KPI counts are short",
                    ),
                    alert(
                        "IocBatchQuarantined",
                        "increase(ioc_batches_quarantined_total[15m]) > 0",
                        "0m",
                        "ticket",
                        "Một lô sự kiện xử lý lỗi nhiều lần và bị cách ly, số liệu KPI bị thiếu",
                        "A batch kept failing and was quarantined: KPI counts are short",
                    ),
                    alert(
                        "IocCalendarYearMissing",
                        # 30 days ahead, in province time (UTC+7, no daylight saving).
                        "max(ioc_calendar_last_year)\n"
                        "< year(vector(time() + 7 * 3600 + 30 * 86400))",
                        "1h",
                        "ticket",
                        "Lịch làm việc trong danh mục chưa có năm sắp tới: ngày nghỉ lễ, Tết "
                        "sẽ bị tính là ngày làm việc",
                        "The catalog's working calendar lacks the coming year: its holidays "
                        "and Tết would count as office days",
                    ),
                    alert(
                        "IocAlertDeliveryFailing",
                        "increase(ioc_alert_delivery_failures_total[5m]) > 0\n"
                        "and\nincrease(ioc_alerts_delivered_total[5m]) == 0",
                        "5m",
                        "page",
                        "Không gửi được cảnh báo tới Alertmanager",
                        "Alerts cannot be delivered to Alertmanager",
                    ),
                    alert(
                        "IocEscalationBlind",
                        "increase(ioc_page_escalation_poll_failures_total[5m]) > 3",
                        "5m",
                        "page",
                        "Không đọc được cảnh báo từ Alertmanager: cảnh báo khẩn chưa ai nhận "
                        "sẽ không được chuyển tiếp",
                        "Cannot read the pages from Alertmanager: unacknowledged pages are "
                        "not escalated",
                    ),
                ],
            },
            {
                # The real sources (ioc probe, ioc intake wazuh/http): a source that stops
                # is a blind spot on a green wall.
                "name": "ioc-sources",
                "rules": [
                    alert(
                        "IocSourceDown",
                        'up{job="ioc-sources"} == 0',
                        "2m",
                        "page",
                        "Một nguồn dữ liệu thật (bộ kiểm tra, Wazuh, cổng tiếp nhận) ngừng",
                        "A real source (prober, Wazuh or HTTP intake) is down",
                    ),
                    alert(
                        "IocSourcePublishFailing",
                        "increase(ioc_source_publish_failures_total[5m]) > 0\n"
                        "and\nincrease(ioc_source_events_published_total[5m]) == 0",
                        "5m",
                        "page",
                        "Một nguồn dữ liệu không gửi được sự kiện tới Kafka",
                        "A real source cannot publish its events to Kafka",
                    ),
                    alert(
                        "IocWazuhIntakeStuck",
                        "min_over_time(ioc_wazuh_backlog_bytes[10m]) > 0\n"
                        "and\nchanges(ioc_wazuh_checkpoint_offset_bytes[10m]) == 0",
                        "0m",
                        "page",
                        "Cảnh báo Wazuh không được tiếp nhận: SOC không thấy sự cố mới",
                        "Wazuh alerts are not being taken in: the SOC is blind to new ones",
                    ),
                    alert(
                        "IocWazuhCheckpointFailing",
                        "increase(ioc_wazuh_checkpoint_failures_total[15m]) > 0",
                        "0m",
                        "ticket",
                        "Không lưu được vị trí đọc tệp cảnh báo Wazuh (đĩa đầy?)",
                        "The Wazuh intake cannot save its file position (disk full?)",
                    ),
                    alert(
                        "IocSourceEventsDropped",
                        "increase(ioc_source_events_dropped_total[15m]) > 0",
                        "0m",
                        "ticket",
                        "Nguồn dữ liệu bỏ sự kiện vì Kafka không nhận quá lâu",
                        "A source dropped events: Kafka was unreachable for too long",
                    ),
                ],
            },
        ]
    }


class _Dumper(yaml.SafeDumper):
    """Multi-line PromQL as ``|`` blocks, as people write rule files."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def rule_files(catalog: Catalog) -> dict[str, str]:
    """File name → YAML text of every generated rule file."""
    header = "# Generated by `ioc rules generate` from the catalog. Do not edit.\n"
    files = {
        "ioc-recording.yml": recording_rules(),
        "ioc-slo.yml": slo_rules(catalog),
        "ioc-pipeline.yml": pipeline_rules(),
        "ioc-766.yml": portal_check_rules(catalog),
    }
    return {
        name: header
        + yaml.dump(body, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
        for name, body in files.items()
    }


def stale_files(catalog: Catalog, directory: Path = RULES_DIR) -> list[str]:
    """Rule files whose committed copy differs from what the catalog gives now."""
    return generated.stale_files(rule_files(catalog), directory, "*.yml")


def write_files(catalog: Catalog, directory: Path = RULES_DIR) -> list[Path]:
    return generated.write_files(rule_files(catalog), directory)
