"""The generated dashboards, checked without Grafana: structure, UIDs, datasource, freshness."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from dashboards.build import GENERATED, load, metric_names, stale_files, substitute
from ioc.catalog import Catalog, load_catalog

ROOT = Path(__file__).parents[2]
PROVISIONING = ROOT / "dashboards" / "provisioning"


def panels(board: dict[str, Any]) -> list[dict[str, Any]]:
    return [p for p in board["panels"] if p["type"] != "row"]


def test_committed_json_is_what_the_catalog_generates(catalog: Catalog) -> None:
    assert stale_files(catalog, GENERATED) == []


def test_a_changed_dashboard_is_reported_stale(catalog: Catalog, tmp_path: Path) -> None:
    for path in GENERATED.glob("*.json"):
        (tmp_path / path.name).write_text(path.read_text())
    (tmp_path / "ioc-soc.json").write_text("{}")
    (tmp_path / "old.json").write_text("{}")
    assert stale_files(catalog, tmp_path) == ["ioc-soc.json", "old.json"]


def test_five_dashboards_with_unique_uids() -> None:
    uids = [b["uid"] for b in load()]
    assert sorted(uids) == ["ioc-dossiers", "ioc-overview", "ioc-pipeline", "ioc-soc", "ioc-uptime"]


def test_every_datasource_reference_is_the_provisioned_one() -> None:
    provisioned = yaml.safe_load((PROVISIONING / "datasources" / "prometheus.yml").read_text())
    uid = provisioned["datasources"][0]["uid"]
    for board in load():
        refs = [p["datasource"] for p in panels(board)]
        refs += [t["datasource"] for p in panels(board) for t in p["targets"]]
        refs += [v["datasource"] for v in board["templating"]["list"]]
        refs += [a["datasource"] for a in board["annotations"]["list"]]
        assert {r["uid"] for r in refs} == {uid}, board["uid"]


def test_dashboard_provider_points_at_the_mounted_generated_json() -> None:
    provider = yaml.safe_load((PROVISIONING / "dashboards" / "ioc.yml").read_text())
    path = provider["providers"][0]["options"]["path"]
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    mounts = compose["services"]["grafana"]["volumes"]
    assert f"./dashboards/generated:{path}:ro" in mounts


def test_every_panel_has_a_title_description_unit_and_query() -> None:
    for board in load():
        for p in panels(board):
            where = f"{board['uid']} / {p['title']}"
            assert p["title"] and p["description"], where
            assert p["fieldConfig"]["defaults"]["unit"], where
            assert p["targets"] and all(t["expr"] for t in p["targets"]), where


def test_panels_do_not_overlap_and_fit_the_grid() -> None:
    for board in load():
        cells: set[tuple[int, int]] = set()
        for p in board["panels"]:
            g = p["gridPos"]
            assert g["x"] + g["w"] <= 24, p["title"]
            mine = {(x, y) for x in range(g["x"], g["x"] + g["w"])
                    for y in range(g["y"], g["y"] + g["h"])}  # fmt: skip
            assert not cells & mine, p["title"]
            cells |= mine


def test_panel_ids_are_unique_within_a_dashboard() -> None:
    for board in load():
        ids = [p["id"] for p in board["panels"]]
        assert len(ids) == len(set(ids)), board["uid"]


def test_drill_down_dashboards_have_their_variables() -> None:
    names = {b["uid"]: {v["name"] for v in b["templating"]["list"]} for b in load()}
    assert names["ioc-dossiers"] == {"agency", "level"}
    assert names["ioc-soc"] == {"agency", "severity"}
    assert names["ioc-uptime"] == {"service"}


def test_every_dashboard_shows_alerts_as_annotations() -> None:
    for board in load():
        exprs = [a["expr"] for a in board["annotations"]["list"]]
        assert any("ALERTS" in e for e in exprs) and any("ioc_alerts_firing" in e for e in exprs)


def test_variables_and_grafana_intervals_are_substituted() -> None:
    expr = 'rate(x{agency=~"$agency"}[$__rate_interval]) + increase(y[$__range])'
    assert substitute(expr, {"agency": ".*"}) == 'rate(x{agency=~".*"}[30s]) + increase(y[1h])'


def test_metric_names_skip_functions_labels_and_strings() -> None:
    expr = (
        'sum by (severity) (rate(ioc_soc_alerts_total{agency=~"a|b"}[5m])) / on (tier) '
        'group_left () label_replace(vector(1), "tier", "1", "", "") or '
        "province:ioc_dossiers_on_time:ratio"
    )
    assert metric_names(expr) == {"ioc_soc_alerts_total", "province:ioc_dossiers_on_time:ratio"}


@pytest.mark.parametrize("kpi", ["full_online_rate", "satisfaction_rate"])
def test_catalog_targets_are_drawn_on_the_dossier_rates(kpi: str) -> None:
    board = next(b for b in load() if b["uid"] == "ioc-dossiers")
    exprs = [t["expr"] for p in panels(board) for t in p["targets"]]
    assert f'max by (kpi) (ioc_kpi_target_ratio{{kpi="{kpi}"}})' in exprs


def test_every_dashboard_shows_province_time_whatever_the_browser(catalog: Catalog) -> None:
    assert {board["uid"]: board["timezone"] for board in load()} == {
        board["uid"]: catalog.province.timezone for board in load()
    }


def test_no_legend_or_title_shows_an_agency_or_service_id() -> None:
    catalog = load_catalog()
    ids = {a.id for a in catalog.agencies} | {s.id for s in catalog.services}
    shown = []
    for board in load():
        shown.append(board["title"])
        for panel in all_panels(board["panels"]):
            shown.append(panel.get("title", ""))
            shown += [t.get("legendFormat", "") for t in panel.get("targets", [])]
    assert not [t for t in shown if "{{agency}}" in t or "{{service}}" in t]
    assert not [t for t in shown if any(re.search(rf"\b{re.escape(i)}\b", t) for i in ids)]


def all_panels(panels: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [p for panel in panels for p in (panel, *all_panels(panel.get("panels", [])))]


def test_no_title_calls_the_error_budget_a_budget() -> None:
    # "Ngân sách" reads as the state budget to an official: "hạn mức lỗi cho phép".
    titles = [p.get("title", "") for b in load() for p in all_panels(b["panels"])]
    assert not [t for t in titles if "ngân sách" in t.lower() or "thư chết" in t.lower()]
