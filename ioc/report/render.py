"""The report as HTML (pure): Vietnamese first, then English; charts as inline SVG so that
the PDF needs no browser and no plotting library."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from ioc.aggregate import kpi
from ioc.aggregate.portal766 import BY_CODE, SUB_INDICATORS
from ioc.report.collect import DOSSIER_RATIOS, AgencyFigures, ReportData, ResponseFigures
from ioc.report.glossary import GLOSSARY
from ioc.report.numbers import NO_DATA, count, number, percent, points, signed

KPI_TITLES = {
    "on_time": ("Đúng hạn", "On time"),
    "full_online": ("Toàn trình", "Fully online"),
    "satisfaction": ("Hài lòng", "Satisfaction"),
    "digitized": ("Số hóa", "Digitized"),
    "paid_online": ("Thanh toán trực tuyến", "Paid online"),
    "online": ("Nộp trực tuyến", "Filed online"),
}
KIND_TITLES = {"department": "Sở, ngành", "commune": "Xã, phường", "other": "Khác"}
MEASURED_POINTS = round(kpi.MEASURED_POINTS)
# The alerts a page table names, as an official reads them.
ALERT_TITLES = {
    "ServiceDown": "Dịch vụ ngừng hoạt động / Service down",
    "ProbeSilence": "Mất dữ liệu giám sát dịch vụ / No probe results",
    "LatencyDegraded": "Dịch vụ phản hồi chậm / Service slow",
    "SocCritical": "Cảnh báo an toàn thông tin nghiêm trọng / Critical security alert",
    "SocBurst": "Dồn dập cảnh báo an toàn thông tin / Burst of security alerts",
    "SocCampaign": "Chiến dịch tấn công nhiều đơn vị / Attack campaign",
    "DossierOverdueBacklog": "Nhiều hồ sơ quá hạn / Overdue dossiers",
    "IntakeStall": "Cổng dịch vụ công không tiếp nhận hồ sơ / Intake stalled",
    "CorrelatedIncident": "Sự cố kết hợp / Correlated incident",
}


def duration(seconds: float | None) -> str:
    if seconds is None:
        return NO_DATA
    minutes = round(seconds / 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}" if hours else f"{minutes} min"


_CSS = """
@page { size: A4; margin: 16mm 14mm; @bottom-right { content: counter(page) "/" counter(pages);
  font-size: 8pt; color: #666; } }
body { font-family: "DejaVu Sans", sans-serif; font-size: 9pt; color: #222; }
h1 { font-size: 15pt; margin: 0 0 2mm; } h2 { font-size: 12pt; margin: 7mm 0 2mm;
  border-bottom: 1px solid #999; } .en { color: #555; font-weight: normal; }
table { border-collapse: collapse; width: 100%; margin: 2mm 0; }
th, td { border: 1px solid #bbb; padding: 1mm 1.5mm; text-align: right; }
th:first-child, td:first-child { text-align: left; min-width: 32mm; } th { background: #eee; }
.warning { color: #b71c1c; border: 1px solid #b71c1c; padding: 4pt; }
.note { color: #555; font-size: 8pt; } .bad { color: #b71c1c; } .good { color: #1b5e20; }
"""


def bar_chart(items: Sequence[tuple[str, float]], top: float, unit: str = "") -> str:
    """Horizontal bars, one a row, labelled, scaled to ``top``."""
    row, label_w, bar_w = 14, 150, 330
    height = row * len(items) + 4
    parts = [
        f'<svg width="{label_w + bar_w + 60}" height="{height}" '
        'xmlns="http://www.w3.org/2000/svg" font-family="DejaVu Sans" font-size="8">'
    ]
    for i, (label, value) in enumerate(items):
        y = i * row + 2
        width = 0 if top <= 0 else max(0.0, min(value / top, 1.0)) * bar_w
        parts.append(f'<text x="0" y="{y + 10}">{escape(label)}</text>')
        parts.append(
            f'<rect x="{label_w}" y="{y + 1}" width="{width:.1f}" height="{row - 4}" '
            'fill="#3f6fb5"/>'
        )
        shown = number(value, 1) + unit
        parts.append(f'<text x="{label_w + width + 4:.1f}" y="{y + 10}">{shown}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _heading(number: int, vi: str, en: str) -> str:
    return f'<h2>{number}. {escape(vi)} <span class="en">/ {escape(en)}</span></h2>'


def _province_table(data: ReportData) -> str:
    rows = []
    for kpi_name in DOSSIER_RATIOS:
        vi, en = KPI_TITLES[kpi_name]
        now, before = data.province_ratios.get(kpi_name), data.province_previous.get(kpi_name)
        change = None if now is None or before is None else (now - before) * 100
        target = data.targets.get(f"{kpi_name}_rate")
        rows.append(
            f"<tr><td>{vi} / {en}</td><td>{percent(now, target)}</td>"
            f"<td>{percent(before, target)}</td>"
            f"<td>{signed(change)}</td></tr>"
        )
    return (
        "<table><tr><th>Chỉ số / Indicator</th><th>Kỳ này / This period</th>"
        "<th>Kỳ trước / Previous</th><th>Thay đổi (điểm %) / Change (pts)</th></tr>"
        + "".join(rows)
        + "</table>"
    )


def _agency_table(agencies: Sequence[AgencyFigures]) -> str:
    head = (
        "<tr><th>Cơ quan / Agency</th><th>Loại / Kind</th><th>Tiếp nhận / Received</th>"
        + "".join(f"<th>{KPI_TITLES[k][0]}</th>" for k in DOSSIER_RATIOS)
        + f"<th>Điểm /{MEASURED_POINTS} / Score</th><th>± kỳ trước / vs previous</th>"
        "<th>Quá hạn / Overdue</th><th>Quá hạn trên 5 ngày làm việc / over 5 working days</th>"
        "</tr>"
    )
    rows = []
    for a in agencies:
        cells = "".join(f"<td>{percent(a.ratios.get(k))}</td>" for k in DOSSIER_RATIOS)
        rows.append(
            f"<tr><td>{escape(a.name)}</td><td>{KIND_TITLES.get(a.kind, a.kind)}</td>"
            f"<td>{count(a.received)}</td>{cells}<td>{points(a.score)}</td>"
            f"<td>{signed(a.change)}</td><td>{count(a.overdue)}</td>"
            f"<td>{count(a.overdue_long)}</td></tr>"
        )
    return "<table>" + head + "".join(rows) + "</table>"


def _response_table(title: str, rows: Sequence[ResponseFigures]) -> str:
    body = "".join(
        f"<tr><td>{escape(r.key)}</td><td>{count(r.alerts)}</td><td>{duration(r.mtta_seconds)}"
        f"</td><td>{duration(r.mttr_seconds)}</td></tr>"
        for r in rows
    )
    return (
        f"<table><tr><th>{title}</th><th>Cảnh báo / Alerts</th><th>MTTA</th><th>MTTR</th></tr>"
        + body
        + "</table>"
    )


TEAM_NAMES = {
    "incident_response": "Đội ứng cứu sự cố ATTT / Incident response",
    "it_operations": "Vận hành nền tảng dùng chung / IT operations",
}


def _ack_table(data: ReportData) -> str:
    body = "".join(
        f"<tr><td>{escape(TEAM_NAMES.get(r.key, r.key))}</td><td>{count(r.acknowledged)}</td>"
        f"<td>{duration(r.mean_seconds)}</td>"
        f"<td>{NO_DATA if r.escalations is None else count(r.escalations)}</td></tr>"
        for r in data.acknowledgements
    )
    return (
        "<table><tr><th>Đội, đơn vị / Team, agency</th><th>Đã nhận / Acknowledged</th>"
        "<th>Thời gian trung bình / Mean time</th><th>Chuyển tiếp / Escalated</th></tr>"
        + (body or '<tr><td colspan="4">Không có / None</td></tr>')
        + "</table>"
    )


def _budget_chart(data: ReportData) -> str:
    used = [(s.name, s.budget_used * 100) for s in data.services if s.budget_used is not None]
    if not used:
        return '<p class="note">Không có số liệu / No data.</p>'
    return bar_chart(used, max(100.0, *(v for _, v in used)), "%")


def _portal766_section(data: ReportData) -> str:
    figures = data.portal766
    head = _heading(
        1, "Điểm Quyết định 766 theo cách tính của Cổng DVCQG",
        "Decision 766 score, the national portal's method",
    )  # fmt: skip
    if figures is None or not (figures.agencies or figures.province_points):
        return head + '<p class="note">Không có số liệu / No data.</p>'
    if figures.month[4:5] == "-":  # YYYY-MM
        year, month = figures.month.split("-")
        span_vi, span_en = f"Tháng {int(month)}/{year}", f"Month {int(month)}/{year}"
    else:  # a quarter, as its Vietnamese title
        span_vi, span_en = figures.month, figures.month.replace("Quý", "Quarter")
    rows = "".join(
        f"<tr><td>{s.row}. {escape(s.name)}</td><td>{points(figures.province_points.get(s.code))}"
        f"</td><td>{points(figures.province_maximum.get(s.code))}</td></tr>"
        for s in SUB_INDICATORS
        if s.code in figures.province_points
    )
    total = sum(figures.province_points.values())
    most = sum(figures.province_maximum.values())
    agencies = "".join(
        f"<tr><td>{escape(a.name)}</td><td>{points(a.points)}</td><td>{points(a.maximum)}</td>"
        f"<td>{percent(a.share)}</td><td>{points(a.portal_distance)}</td>"
        f"<td>{_worst(a.worst)}</td></tr>"
        for a in figures.agencies[:20]
    )
    return f"""{head}
<p class="note">{span_vi}, đến hết kỳ báo cáo; các chỉ tiêu thành phần đo được từ luồng
sự kiện (docs/kpis.md), điểm = điểm tối đa × tỷ lệ. / {span_en} to the end of the
report's period; the sub-indicators the stream measures, points = maximum × rate.</p>
<table><tr><th>Chỉ tiêu thành phần / Sub-indicator</th><th>Điểm / Points</th>
<th>Tối đa / Max</th></tr>{rows}
<tr><th>Tổng / Total</th><th>{points(total)}</th><th>{points(most)}</th></tr></table>
<p><b>Cơ quan, xã thấp nhất và việc cần khắc phục / Lowest agencies and communes, and what to
fix first</b></p>
<table><tr><th>Cơ quan / Agency</th><th>Điểm / Points</th><th>Tối đa / Max</th>
<th>Tỷ lệ / Share</th><th>Chênh lệch với Cổng / vs portal</th>
<th>Cần khắc phục / Fix first</th></tr>{agencies}</table>
"""


def _working_days(data: ReportData) -> str:
    if data.working_days is None:
        return ""
    estimated = ", ".join(str(y) for y in data.calendar_estimated)
    note = (
        f" (lịch năm {estimated} là tạm tính / the calendar of {estimated} is an estimate)"
        if estimated
        else ""
    )
    return (
        f'<br><span class="note">Kỳ có {count(data.working_days)} ngày làm việc / '
        f"{count(data.working_days)} working days in the period{note}.</span>"
    )


def _glossary() -> str:
    rows = "".join(
        f"<tr><td><b>{escape(vi)}</b><br>{escape(en)}</td><td>{escape(vi_text)}<br>"
        f'<span class="en">{escape(en_text)}</span></td></tr>'
        for vi, en, vi_text, en_text in GLOSSARY
    )
    return "<table><tr><th>Thuật ngữ / Term</th><th>Nghĩa / Meaning</th></tr>" + rows + "</table>"


def _worst(worst: tuple[str, float] | None) -> str:
    if worst is None:
        return NO_DATA
    code, lost = worst
    return f"{escape(BY_CODE[code].name)} (−{points(lost)})" if code in BY_CODE else NO_DATA


def to_html(data: ReportData) -> str:
    period = data.period
    scored = sorted(data.agencies, key=lambda a: (a.score is None, a.score or 0.0))
    lowest = [(a.name, a.score) for a in scored if a.score is not None][:15]
    services = "".join(
        f"<tr><td>{escape(s.name)}</td><td>{s.tier}</td><td>{percent(s.slo, s.slo)}</td>"
        f"<td>{percent(s.availability, s.slo)}</td><td>{percent(s.budget_used, 1.0)}</td>"
        f"<td>{count(s.burn_alerts)}</td></tr>"
        for s in data.services
    )
    pages = (
        "".join(
            f"<tr><td>{escape(ALERT_TITLES.get(name, name))}</td><td>{count(n)}</td></tr>"
            for name, n in sorted(data.pages.items(), key=lambda kv: -kv[1])
            if n >= 0.5
        )
        or '<tr><td colspan="2">Không có / None</td></tr>'
    )
    generated = (
        f"Lập lúc / Generated {data.generated_at:%H:%M %d/%m/%Y}. " if data.generated_at else ""
    )
    empty = (
        '<p class="warning"><b>Không có số liệu: Prometheus không lưu số liệu nào của IOC '
        "trong kỳ này, mọi con số dưới đây đều bằng 0 và không phản ánh thực tế.</b><br>"
        "No data: Prometheus holds no IOC figures for this period; every figure below reads "
        "zero and says nothing.</p>"
        if data.empty
        else ""
    )
    return f"""<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><title>IOC {escape(period.title_en)}</title>
<style>{_CSS}</style></head><body>
<h1>Báo cáo Trung tâm Điều hành thông minh - {escape(data.province)}</h1>
<div class="en">Intelligent Operations Center report</div>
<p><b>{escape(period.title_vi)}</b> / {escape(period.title_en)}<br>
<span class="note">{generated}Số liệu từ Prometheus của IOC, giờ Việt Nam (UTC+7), kỳ từ
{period.start:%H:%M %d/%m/%Y} đến trước {period.end:%H:%M %d/%m/%Y}. / Figures from the IOC's
Prometheus, province time (UTC+7), the period from {period.start:%H:%M %d/%m/%Y} up to
{period.end:%H:%M %d/%m/%Y}. Số viết theo văn bản hành chính: 12.096; 62,2%.</span>
{_working_days(data)}</p>
{empty}
{_portal766_section(data)}
{_heading(2, "Tỷ lệ hồ sơ trong kỳ (vận hành)", "Dossier rates of the period (operations)")}
{_province_table(data)}
<p class="note">Điểm vận hành trong kỳ báo cáo, đọc tuyến tính trên các nhóm ({MEASURED_POINTS}
điểm): tiến độ 20, số hóa 22, cung cấp trực tuyến 12 + 10, hài lòng 18; không phải cách tính
của Cổng DVCQG (mục trên). / An operational reading over the report's period
({MEASURED_POINTS} points), not the portal's method (the section above).</p>
<p><b>Cơ quan có điểm vận hành thấp nhất / Lowest operational scores</b></p>
{bar_chart([(name, value) for name, value in lowest if value is not None], MEASURED_POINTS)}
{_agency_table(scored)}

{_heading(3, "An toàn thông tin", "Security operations")}
{_response_table("Mức độ / Severity", data.soc_by_severity)}
{_response_table("Cấp độ hệ thống / System security level", data.soc_by_security_level)}
<p class="note">MTTA: từ cảnh báo đến khi tiếp nhận; MTTR: đến khi xử lý xong. / MTTA: alert to
acknowledgement; MTTR: alert to resolution.</p>

{_heading(4, "Nền tảng dùng chung", "Shared platforms")}
<table><tr><th>Dịch vụ / Service</th><th>Nhóm / Tier</th><th>SLO</th>
<th>Sẵn sàng / Availability</th><th>Hạn mức lỗi đã dùng / Error budget used</th>
<th>Cảnh báo khẩn do tiêu hao / Burn-rate pages</th></tr>{services}</table>
<p class="note">Cảnh báo khẩn do tiêu hao: số lần cảnh báo bắt đầu và được gửi trong kỳ (không
tính lần nhắc lại của cảnh báo chưa khắc phục). / Burn-rate pages: the times a page started and
was sent in the period (not the hourly reminders of one still firing).</p>
<p><b>Hạn mức lỗi cho phép đã dùng trong kỳ / Error budget used in the period</b> (100% = hết /
spent; dịch vụ không có số liệu không vẽ / services without data not drawn)</p>
{_budget_chart(data)}

{_heading(5, "Cảnh báo khẩn đã gửi", "Pages sent")}
<table><tr><th>Cảnh báo / Alert</th><th>Số lần / Times</th></tr>{pages}</table>

<p><b>Nhận xử lý cảnh báo khẩn / Pages acknowledged</b> (lệnh <code>ioc ack</code>; thời gian
từ khi cảnh báo bắt đầu / time from the page's start)</p>
{_ack_table(data)}

{_heading(6, "Giải thích thuật ngữ", "Glossary")}
{_glossary()}
</body></html>
"""
