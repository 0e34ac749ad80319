"""The evidence in a page (issue 31, part 5): the triggering events, the Grafana panel with
its variable and time range, or a plain "not configured" instead of a broken link."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest

from ioc.alerting import Detector, load_rules
from ioc.alerting.evidence import NO_GRAFANA, clean, dashboard_link, probe_lines, soc_lines
from ioc.alerting.rules import DashboardLink
from ioc.alerting.texts import TEXTS
from ioc.catalog import Catalog

GENERATED = Path(__file__).parents[2] / "dashboards" / "generated"
HCM = ZoneInfo("Asia/Ho_Chi_Minh")
T0 = datetime(2026, 11, 18, 18, 6, 40, tzinfo=HCM).timestamp()


def boards() -> dict[str, dict[str, object]]:
    return {d["uid"]: d for d in (json.loads(p.read_text()) for p in GENERATED.glob("*.json"))}


@pytest.mark.parametrize("alertname", sorted(TEXTS))
def test_every_detector_alert_links_to_a_panel_that_exists(alertname: str) -> None:
    link = load_rules().dashboards[alertname]
    board = boards()[link.dashboard]
    panels = {p["id"]: p for p in board["panels"]}  # type: ignore[attr-defined]
    assert link.panel in panels and panels[link.panel]["type"] != "row"
    if link.variable:
        names = [v["name"] for v in board["templating"]["list"]]  # type: ignore[index]
        assert link.variable in names


def test_the_link_sets_the_variable_the_panel_and_an_hour_before_the_start() -> None:
    link = DashboardLink(dashboard="ioc-soc", panel=2, variable="agency")
    url = dashboard_link("https://grafana.example/", link, {"agency": "so-tc"}, T0)
    parts = urlsplit(url)
    assert parts.netloc == "grafana.example" and parts.path == "/d/ioc-soc/"
    query = parse_qs(parts.query)
    assert query["var-agency"] == ["so-tc"] and query["viewPanel"] == ["2"]
    assert query["from"] == [str(int((T0 - 3600) * 1000))] and query["to"] == ["now"]


def test_without_grafanas_url_the_page_says_so() -> None:
    link = DashboardLink(dashboard="ioc-soc", panel=2)
    assert dashboard_link(None, link, {}, T0) == NO_GRAFANA


def test_hostile_text_becomes_one_short_printable_line() -> None:
    # A right-to-left override is not printable: it could make an id read backwards.
    assert clean("a\nb\x00c\u202e" + "x" * 500, 20) == "a b c " + "x" * 13 + "…"


def test_soc_events_are_listed_newest_first_in_province_time() -> None:
    events = [(T0 + i, 12, f"a-{i}", f"agent-{i}", "5712", "sshd brute force") for i in range(8)]
    lines = soc_lines(events, HCM).splitlines()
    assert len(lines) == 5 and "a-7" in lines[0] and "a-3" in lines[-1]
    assert "sshd brute force" in lines[0] and "agent-7" in lines[0]
    assert "18:06:47 18/11/2026" in lines[0]


def test_failed_probes_name_their_error_class_in_both_languages() -> None:
    (line,) = probe_lines([(T0, "timeout")], HCM).splitlines()
    assert "quá thời gian chờ" in line and "timeout" in line


def _burst(detector: Detector, agency: str = "so-tc") -> None:
    for i in range(12):
        detector.soc_alert(T0 + i, 12, agency, f"so-tc-d{i:04d}", "5712", ["T1110"], T0 + 20,
                           alert_id=f"alert-{i}", description="sshd:\nbrute force")  # fmt: skip


def test_a_soc_burst_page_quotes_its_alerts_and_links_its_agency(catalog: Catalog) -> None:
    detector = Detector(load_rules(), catalog, grafana_url="https://grafana.example")
    _burst(detector)
    (change,) = [c for c in detector.evaluate(T0 + 20) if c.alert.name == "SocBurst"]
    ann = change.alert.annotations
    assert "alert-11" in ann["evidence"] and "sshd: brute force" in ann["evidence"]
    assert "var-agency=so-tc" in ann["dashboard"] and "/d/ioc-soc/" in ann["dashboard"]


def test_an_outage_page_lists_its_failed_probes(catalog: Catalog) -> None:
    detector = Detector(load_rules(), catalog)
    for i, error in enumerate(["connect", "timeout", "http_5xx"]):
        detector.probe(T0 + 30 * i, "cong-dvc", False, 5.0, T0 + 30 * i, "uptime:0", error)
    changes = detector.evaluate(T0 + 61)
    (down,) = [c for c in changes if c.alert.name == "ServiceDown"]
    evidence = down.alert.annotations["evidence"]
    assert "lỗi HTTP 5xx" in evidence and "không kết nối được" in evidence
    assert down.alert.annotations["dashboard"] == NO_GRAFANA
