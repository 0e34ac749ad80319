"""What each alert says: a Vietnamese summary and description with an English line, and the
runbook section to open. One entry per alert name, filled from the alert's facts."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class AlertText:
    summary_vi: str
    summary_en: str
    detail_vi: str
    detail_en: str
    anchor: str


TEXTS: dict[str, AlertText] = {
    "ServiceDown": AlertText(
        "Dịch vụ {service} ngừng hoạt động",
        "Service {service} is down",
        "Các lần kiểm tra liên tiếp thất bại từ {since}. Đơn vị vận hành: {agency}.",
        "Consecutive probes failed since {since}. Operated by {agency}.",
        "servicedown",
    ),
    "ProbeSilence": AlertText(
        "Mất dữ liệu giám sát dịch vụ {service}",
        "No probe results for {service}",
        "Không nhận được kết quả kiểm tra nào trong {silence} (chu kỳ {interval}).",
        "No probe result for {silence} (interval {interval}): the monitor itself is broken.",
        "probesilence",
    ),
    "LatencyDegraded": AlertText(
        "Dịch vụ {service} phản hồi chậm",
        "Service {service} is slow",
        "p{pct} độ trễ trong {window} qua là {value}, ngưỡng {threshold}.",
        "p{pct} latency over the last {window} is {value}, threshold {threshold}.",
        "latencydegraded",
    ),
    "SocCritical": AlertText(
        "Cảnh báo ATTT nghiêm trọng tại {agency}",
        "Critical security alert at {agency}",
        "Cảnh báo mức {level} (luật {rule}) trên máy {agent}{system_vi}.",
        "Level {level} alert (rule {rule}) on agent {agent}{system_en}.",
        "soccritical",
    ),
    "SocBurst": AlertText(
        "Dồn dập cảnh báo ATTT mức cao tại {agency}",
        "Burst of high security alerts at {agency}",
        "{count} cảnh báo mức cao trở lên trong {window} (ngưỡng {threshold}).",
        "{count} high or critical alerts within {window} (threshold {threshold}).",
        "socburst",
    ),
    "SocCampaign": AlertText(
        "Chiến dịch tấn công {technique} trên nhiều đơn vị",
        "Attack campaign {technique} across agencies",
        "Kỹ thuật {technique} trên {agents} máy thuộc {n_agencies} đơn vị trong {window}: "
        "{agencies}.",
        "Technique {technique} on {agents} agents in {n_agencies} agencies within {window}: "
        "{agencies}.",
        "soccampaign",
    ),
    "DossierOverdueBacklog": AlertText(
        "Tồn đọng hồ sơ quá hạn tại {agency}",
        "Overdue dossier backlog at {agency}",
        "{count} hồ sơ đang giải quyết đã quá hạn (ngưỡng {threshold}).",
        "{count} dossiers in progress are past their due time (threshold {threshold}).",
        "dossieroverduebacklog",
    ),
    "IntakeStall": AlertText(
        "Cổng dịch vụ công không tiếp nhận hồ sơ",
        "The portal receives no dossier",
        "Không có hồ sơ nào được tiếp nhận trong {silence} giờ hành chính; "
        "kiểm tra cổng dù thăm dò vẫn báo hoạt động.",
        "No dossier received for {silence} during office hours; check the portal even if "
        "probes say it is up.",
        "intakestall",
    ),
    "CorrelatedIncident": AlertText(
        "Sự cố kết hợp: {service} ngừng hoạt động khi {agency} bị tấn công",
        "Correlated incident: {service} down while {agency} is under attack",
        "{service} ngừng từ {since}; {count} cảnh báo ATTT mức cao tại {agency} trong "
        "{window} quanh sự cố.",
        "{service} down since {since}; {count} high or critical security alerts at {agency} "
        "within {window} of the outage.",
        "correlatedincident",
    ),
}


def alert_annotations(name: str, runbook_base_url: str, **facts: object) -> dict[str, str]:
    text = TEXTS[name]
    return {
        "summary": f"{text.summary_vi.format(**facts)} / {text.summary_en.format(**facts)}",
        "description": text.detail_vi.format(**facts) + "\n" + text.detail_en.format(**facts),
        "runbook_url": f"{runbook_base_url}#{text.anchor}",
    }


def duration_text(seconds: float) -> str:
    """``90`` → ``1m30s``, ``1800`` → ``30m``: short and the same in both languages."""
    s = round(seconds)
    h, rest = divmod(s, 3600)
    m, sec = divmod(rest, 60)
    return "".join(f"{v}{u}" for v, u in ((h, "h"), (m, "m"), (sec, "s")) if v) or "0s"
