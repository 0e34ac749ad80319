"""`ioc report` from a real Prometheus holding two weeks of the project's series (backfilled
with promtool): the PDF's pages turn into PNG, and its text carries the numbers Prometheus
gives for the same period."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta
from html import escape
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader

from ioc.catalog import load_catalog
from ioc.report.numbers import parse, percent, points, signed
from ioc.runtime import PrometheusServer
from ioc.runtime.prometheus import local_config

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="needs poppler-utils"),
]

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
CATALOG = load_catalog()
NAMES = {a.id: a.name for a in CATALOG.agencies} | {s.id: s.name for s in CATALOG.services}
# The reported week, Monday 16 to Sunday 22 November 2026, and the one before it.
WEEK_START = datetime(2026, 11, 16, tzinfo=TZ)
WEEK_END = datetime(2026, 11, 23, tzinfo=TZ)
STEP = 300  # seconds between backfilled samples

# Per agency: (received per step, online share, on time of 10 resolved, unsatisfied per step)
AGENCIES = {
    "so-tc": ("province", 4, 0.5, 9, 0.1),
    "so-tnmt": ("province", 6, 0.25, 6, 0.3),
    "phuong-cua-lo": ("commune", 2, 0.5, 8, 0.0),
}


# Per agency, by the portal's method this month: (level, progress points of 20, online
# payment points of 10, distance to the portal's published points or None).
PORTAL_METHOD = {
    "so-tc": ("province", 18.0, 9.0, None),
    "so-tnmt": ("province", 12.0, 4.0, 3.5),
    "phuong-cua-lo": ("commune", 10.0, 0.0, None),
}


class BackfilledPrometheus(PrometheusServer):
    retention = "3650d"  # the backfilled weeks are in the past of any wall clock


def _series(name: str, labels: dict[str, str], per_step: float, start: float, end: float,
            speedup_after: float | None = None) -> list[str]:  # fmt: skip
    """A counter growing by ``per_step`` each STEP (twice as fast after ``speedup_after``)."""
    label_text = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    lines, value, t = [], 0.0, start
    while t <= end:
        lines.append(f"{name}{{{label_text}}} {value:g} {t:.0f}")
        value += per_step * (2 if speedup_after is not None and t >= speedup_after else 1)
        t += STEP
    return lines


def openmetrics() -> str:
    start = (WEEK_START - timedelta(days=8)).timestamp()
    end = (WEEK_END + timedelta(days=1)).timestamp()
    faster = WEEK_START.timestamp()  # the reported week differs from the one before
    families: dict[str, list[str]] = {}

    def add(name: str, labels: dict[str, str], per_step: float, speedup: bool = False) -> None:
        families.setdefault(name, []).extend(
            _series(name, labels, per_step, start, end, faster if speedup else None)
        )

    def constant(name: str, labels: dict[str, str], value: float) -> None:
        shown = {k: v for k, v in labels.items() if v}
        lines = _series(name, shown, 0, start, end)
        families.setdefault(name, []).extend(
            line.replace("} 0 ", f"}} {value:g} ") for line in lines
        )

    for agency, (level, received, online, on_time, unsatisfied) in AGENCIES.items():
        base = {"agency": agency, "level": level, "partition": "0"}
        add("ioc_dossiers_received_total", {**base, "channel": "online"}, received * online)
        add("ioc_dossiers_received_total", {**base, "channel": "direct"}, received * (1 - online))
        add("ioc_dossiers_received_full_online_total", base, received * online * 0.8)
        add("ioc_dossiers_received_paid_online_total", base, received * 0.3)
        add("ioc_dossiers_received_digitized_total", base, received * 0.4, speedup=True)
        timeliness = "ioc_dossiers_resolved_by_timeliness_total"
        add(timeliness, {**base, "timeliness": "on_time"}, on_time / 10 * 3)
        add(timeliness, {**base, "timeliness": "late"}, (10 - on_time) / 10 * 3, speedup=True)
        if unsatisfied:
            add("ioc_dossiers_rated_total", {**base, "rating": "complaint"}, unsatisfied)
        families.setdefault("ioc_dossiers_overdue", []).extend(
            _series("ioc_dossiers_overdue", {"agency": agency, "level": level}, 0, start, end)
        )
    for severity, per_step in (("critical", 0.01), ("high", 0.2), ("medium", 1.0)):
        labels = {"severity": severity, "asset_type": "server", "agency": "so-tc"}
        add("ioc_soc_alerts_total", labels, per_step)
        hist = "ioc_soc_alert_time_to_acknowledge_seconds"
        add(f"{hist}_count", {"severity": severity}, per_step)
        add(f"{hist}_sum", {"severity": severity}, per_step * 600)
    for service, failures in (("cong-dvc", 0.1), ("lgsp", 0.0)):
        labels = {"service": service, "tier": "1"}
        add("ioc_uptime_probes_total", {**labels, "result": "success"}, 10 - failures)
        add("ioc_uptime_probes_total", {**labels, "result": "failure"}, failures)
    add("ioc_alerts_fired_total", {"alertname": "ServiceDown", "severity": "page"}, 0.01)
    add("ioc_events_processed_total", {"source": "dossier", "partition": "0"}, 50)
    # The portal's method, as the recording rules left it (month to date): per agency the
    # points of two sub-indicators and their maxima, and the distance to the portal's figures.
    for agency, (level, progress, payment, distance) in PORTAL_METHOD.items():
        where = {"agency": agency, "level": level, "period": "month"}
        rows = (("progress", progress, 20), ("online_payment", payment, 10))
        for code, got, most in rows:
            labels = {**where, "indicator": code, "group": code}
            constant("agency:ioc_766_indicator:points", labels, got)
            constant("agency:ioc_766_indicator_max:points", labels, most)
        constant("agency:ioc_766_score:points", where, progress + payment)
        constant("agency:ioc_766_score_max:points", where, 30)
        if distance is not None:
            constant("agency:ioc_766_portal_distance:points", where | {"period": ""}, distance)
    for code, group, got, most in (("progress", "progress", 40, 60),):
        labels = {"period": "month", "indicator": code, "group": group}
        constant("province:ioc_766_indicator:points", labels, got)
        constant("province:ioc_766_indicator_max:points", labels, most)
    text = []
    for name, lines in families.items():
        text.append(f"# TYPE {name} unknown")
        text.extend(lines)
    return "\n".join(text) + "\n# EOF\n"


@pytest.fixture(scope="module")
def prometheus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BackfilledPrometheus]:
    workdir = tmp_path_factory.mktemp("report-prometheus")
    source = workdir / "backfill.om"
    source.write_text(openmetrics())
    server = BackfilledPrometheus(workdir, local_config([], scrape_interval="15s"))
    subprocess.run(
        ["promtool", "tsdb", "create-blocks-from", "openmetrics", str(source),
         str(server.data_dir)],
        check=True, capture_output=True,
    )  # fmt: skip
    with server:
        yield server


@pytest.fixture(scope="module")
def report(prometheus: BackfilledPrometheus, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report")
    result = subprocess.run(
        [sys.executable, "-m", "ioc.cli.main", "report", "--period", "week",
         "--before", "2026-11-25", "--prometheus", prometheus.url,
         "--out", str(out / "report.pdf"), "--html", str(out / "report.html")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    return out


def pdf_lines(report: Path) -> list[str]:
    reader = PdfReader(report / "report.pdf")
    return [line for page in reader.pages for line in page.extract_text().splitlines()]


def value(prom: BackfilledPrometheus, expr: str) -> float:
    result = prom.query(expr, WEEK_END.timestamp())
    assert len(result) == 1, (expr, result)
    return float(result[0]["value"][1])


def test_the_pdf_turns_into_png_pages(report: Path) -> None:
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", str(report / "report.pdf"), str(report / "page")],
        check=True,
    )
    pages = sorted(report.glob("page-*.png"))
    assert pages, "no page rendered"
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in pages)


def test_the_pdf_names_the_week_in_both_languages(report: Path) -> None:
    text = "\n".join(pdf_lines(report))
    assert "Tuần 47 (16/11 - 22/11/2026)" in text
    assert "Week 47 (16 Nov - 22 Nov 2026)" in text
    assert "Kỳ có 5 ngày làm việc / 5 working days in the period" in text.replace("\n", " ")


@pytest.mark.parametrize("agency", sorted(AGENCIES))
def test_each_agencys_on_time_rate_is_prometheus_own_for_the_week(
    prometheus: BackfilledPrometheus, report: Path, agency: str
) -> None:
    t = "ioc_dossiers_resolved_by_timeliness_total"
    on_time = value(
        prometheus,
        f'sum(increase({t}{{agency="{agency}",timeliness=~"early|on_time"}}[604800s])) / '
        f'sum(increase({t}{{agency="{agency}"}}[604800s]))',
    )
    assert in_a_row(report, NAMES[agency], percent(on_time))
    assert percent(on_time) in pdftotext(report)


def test_the_province_on_time_rate_and_its_change_are_prometheus_own(
    prometheus: BackfilledPrometheus, report: Path
) -> None:
    t = "ioc_dossiers_resolved_by_timeliness_total"
    expr = f'sum(increase({t}{{timeliness="on_time"}}[604800s])) / sum(increase({t}[604800s]))'
    this_week = value(prometheus, expr)
    before = float(prometheus.query(expr, WEEK_START.timestamp())[0]["value"][1])
    row = next(line for line in pdf_lines(report) if line.startswith("Đúng hạn / On time"))
    assert row.split()[-3:] == [
        percent(this_week),
        percent(before),
        signed((this_week - before) * 100),
    ]


def test_the_lowest_score_is_computed_from_prometheus_rates(
    prometheus: BackfilledPrometheus, report: Path
) -> None:
    def rate(num: str, den: str) -> float:
        return value(prometheus, f"sum(increase({num}[604800s])) / sum(increase({den}[604800s]))")

    a, r = 'agency="so-tnmt"', "ioc_dossiers_received_total"
    t = "ioc_dossiers_resolved_by_timeliness_total"
    score = (
        20 * rate(f'{t}{{{a},timeliness=~"early|on_time"}}', f"{t}{{{a}}}")
        + 22 * rate(f"ioc_dossiers_received_digitized_total{{{a}}}", f"{r}{{{a}}}")
        + 12 * rate(f'{r}{{{a},channel="online"}}', f"{r}{{{a}}}")
        + 10 * rate(f"ioc_dossiers_received_paid_online_total{{{a}}}", f"{r}{{{a}}}")
        + 18 * (1 - rate(f"ioc_dossiers_rated_total{{{a}}}", f"{r}{{{a}}}"))
    )
    assert in_a_row(report, NAMES["so-tnmt"], points(score))
    assert points(score) in pdftotext(report)


def test_the_portal_method_section_ranks_agencies_and_names_what_to_fix_first(
    report: Path,
) -> None:
    text = "\n".join(pdf_lines(report))
    # so-tnmt: 12 + 4 of 20 + 10; it loses 8 points on progress, 6 on online payment.
    row = next(r for r in html_rows(report, NAMES["so-tnmt"]) if "<td>30,0</td>" in r)
    assert row.split("</td><td>")[1:5] == ["16,0", "30,0", "53,3%", "3,5"]
    assert "Hồ sơ xử lý trước hạn, đúng hạn (−8,0)" in text.replace("\n", " ")
    # Lowest share first: phuong-cua-lo (10 of 30), then so-tnmt, then so-tc.
    layout = pdftotext(report)
    first = [layout.index(NAMES[a]) for a in ("phuong-cua-lo", "so-tc")]
    assert first[0] < layout.index("Sở Nông nghiệp và") < first[1]


def test_platform_availability_is_prometheus_own(
    prometheus: BackfilledPrometheus, report: Path
) -> None:
    p = "ioc_uptime_probes_total"
    availability = value(
        prometheus,
        f'sum(increase({p}{{service="cong-dvc",result="success"}}[604800s])) / '
        f'sum(increase({p}{{service="cong-dvc",result=~"success|failure"}}[604800s]))',
    )
    assert in_a_row(report, NAMES["cong-dvc"], percent(availability, 0.999))
    assert percent(availability, 0.999) in pdftotext(report)


def run_report(
    prometheus: BackfilledPrometheus, before: str, *extra: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ioc.cli.main", "report", "--period", "week",
         "--before", before, "--prometheus", prometheus.url, *extra],
        capture_output=True, text=True, check=False,
    )  # fmt: skip


def test_a_week_prometheus_holds_nothing_of_is_refused_in_one_line(
    prometheus: BackfilledPrometheus,
) -> None:
    result = run_report(prometheus, "2026-06-10")
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "no IOC data" in result.stderr


def test_an_empty_week_written_anyway_says_so_on_its_first_page(
    prometheus: BackfilledPrometheus, tmp_path: Path
) -> None:
    result = run_report(prometheus, "2026-06-10", "--allow-empty", "--out", str(tmp_path / "r.pdf"))
    assert result.returncode == 0, result.stderr
    first_page = PdfReader(tmp_path / "r.pdf").pages[0].extract_text()
    assert "No data" in first_page and "Không có số liệu" in first_page


YEAR = re.compile(r"(19|20)\d\d")


def html_rows(report: Path, name: str) -> list[str]:
    """The report's table rows that start with ``name`` (the HTML the PDF is made of), one
    per table the agency or service is in."""
    html = (report / "report.html").read_text()
    rows = [r.split("</tr>")[0] for r in html.split("<tr>")]
    return [r for r in rows if r.startswith(f"<td>{escape(name)}</td>")]


def in_a_row(report: Path, name: str, cell: str) -> bool:
    return any(f"<td>{cell}</td>" in row for row in html_rows(report, name))


def pdftotext(report: Path) -> str:
    """The PDF's text as poppler reads it (what a reader copies out of it)."""
    out = subprocess.run(["pdftotext", "-layout", str(report / "report.pdf"), "-"],
                         capture_output=True, text=True, check=True)  # fmt: skip
    return out.stdout


def test_no_agency_commune_or_service_id_appears_in_the_report(report: Path) -> None:
    text = pdftotext(report)
    ids = [i for i in NAMES if re.search(rf"(?<![\w-]){re.escape(i)}(?![\w-])", text)]
    assert ids == []
    assert NAMES["so-tnmt"] in text and NAMES["phuong-cua-lo"] in text


def test_every_number_in_the_report_is_in_the_vietnamese_format(report: Path) -> None:
    text = pdftotext(report)
    # A decimal point is the English format: 62.2% or 3.5, where 62,2% or 3,5 belongs.
    english = re.findall(r"(?<![\d.,])\d+\.\d{1,2}(?![\d.])%?", text)
    assert english == []
    numbers = re.findall(r"(?<![\w.,/:-])[+-]?\d[\d.,]*%?(?![\w/:-])", text)
    # Years (2026) and times (00:00) are not amounts.
    parsed = [n for n in (x.rstrip(".,") for x in numbers) if n and not YEAR.fullmatch(n)]
    assert len(parsed) > 30
    for n in parsed:
        parse(n)  # raises on a number that is not in the format


def test_no_time_in_the_report_is_in_utc(report: Path) -> None:
    text = pdftotext(report)
    assert "UTC+7" in text and not re.search(r"\bUTC\b(?!\+7)", text)
    assert not re.search(r"\d{4}-\d{2}-\d{2}T", text)


def test_the_report_explains_its_terms_in_both_languages(report: Path) -> None:
    text = pdftotext(report)
    assert "Giải thích thuật ngữ" in text and "Glossary" in text
    assert "Hạn mức lỗi cho phép" in text and "Error budget" in text
