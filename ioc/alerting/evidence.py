"""The evidence a page carries: the few events that triggered it, and the link to the
Grafana panel that shows it, with its agency or service picked and the time range set.

The events come from untrusted input (alert ids, agent ids, rule descriptions): they are
cut to one printable line each before a person reads them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from ioc.alerting.rules import DashboardLink

# Events listed in one page: enough to start from, short enough for a phone.
MAX_EVENTS = 5
NO_GRAFANA = "chưa cấu hình địa chỉ Grafana (IOC_GRAFANA_URL) / Grafana's URL is not configured"
# Time shown before the alert's start on the linked panel.
LEAD_SECONDS = 3600

ERROR_CLASS_VI = {
    "timeout": "quá thời gian chờ",
    "dns": "lỗi phân giải tên miền",
    "tls": "lỗi chứng chỉ TLS",
    "connect": "không kết nối được",
    "http_4xx": "lỗi HTTP 4xx",
    "http_5xx": "lỗi HTTP 5xx",
    "content": "nội dung không đúng",
    "other": "lỗi khác",
}


def one_line(text: object) -> str:
    """The text as one line of printable characters, runs of anything else one space."""
    return " ".join("".join(c if c.isprintable() else " " for c in str(text)).split())


def clean(text: object, limit: int = 120) -> str:
    """One printable line of at most ``limit`` characters, cut with an ellipsis."""
    flat = one_line(text)
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def dashboard_link(
    grafana_url: str | None,
    link: DashboardLink | None,
    labels: Mapping[str, str],
    start: float,
) -> str:
    """The panel's URL, from an hour before ``start`` to now; the not-configured text when
    Grafana's URL is unset, never a broken link."""
    if not grafana_url:
        return NO_GRAFANA
    if link is None:
        return ""
    query: dict[str, str | int] = {
        "orgId": 1,
        "from": int((start - LEAD_SECONDS) * 1000),
        "to": "now",
        "viewPanel": link.panel,
    }
    if link.variable and labels.get(link.variable):
        query[f"var-{link.variable}"] = labels[link.variable]
    return f"{grafana_url.rstrip('/')}/d/{link.dashboard}/?{urlencode(query)}"


def soc_lines(events: Iterable[tuple[float, int, str, str, str, str]], tz: ZoneInfo) -> str:
    """``(ts, level, alert_id, agent, rule_id, description)``, newest first."""
    rows = sorted(events, key=lambda e: e[0], reverse=True)[:MAX_EVENTS]
    return "\n".join(
        f"{_time(ts, tz)} · mức / level {level} · máy / agent {clean(agent, 64)} · "
        f"{clean(alert_id, 64)} · {clean(description) or '?'} (luật / rule {clean(rule, 32)})"
        for ts, level, alert_id, agent, rule, description in rows
    )


def probe_lines(failures: Iterable[tuple[float, str | None]], tz: ZoneInfo) -> str:
    """``(ts, error_class)`` of failed probes, newest first."""
    rows = sorted(failures, key=lambda e: e[0], reverse=True)[:MAX_EVENTS]
    return "\n".join(
        f"{_time(ts, tz)} · kiểm tra thất bại / probe failed: "
        f"{ERROR_CLASS_VI.get(str(error), 'lỗi khác')} / {clean(error or 'other', 16)}"
        for ts, error in rows
    )


def outage_lines(
    failures: Iterable[tuple[float, str | None]],
    events: Iterable[tuple[float, int, str, str, str, str]],
    tz: ZoneInfo,
) -> str:
    """The failed probes, then the SOC alerts around them."""
    return "\n".join(t for t in (probe_lines(failures, tz), soc_lines(events, tz)) if t)


def _time(ts: float, tz: ZoneInfo) -> str:
    return datetime.fromtimestamp(ts, tz).strftime("%H:%M:%S %d/%m/%Y")
