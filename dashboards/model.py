"""Grafana dashboard JSON, built from small typed pieces (plain JSON, Grafana 11 schema).

No grafanalib (unmaintained) and no SDK: a dashboard is a dict Grafana reads as it is, and the
tests read the same dicts. Panels are laid out left to right in rows of 24 grid units.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

DATASOURCE_UID = "ioc-prometheus"
DATASOURCE = {"type": "prometheus", "uid": DATASOURCE_UID}
SCHEMA_VERSION = 39

# Operators' colours: green fine, orange look, red act.
GOOD, WARN, BAD = "green", "orange", "red"


@dataclass(frozen=True)
class Query:
    """A panel's query. People read names, not ids: a legend naming ``{{agency}}`` or
    ``{{service}}`` shows the catalog's name instead, and ``names`` adds the ``name`` column
    to a table, both by a join on ``ioc_agency_info`` / ``ioc_service_info``."""

    expr: str
    legend: str = ""
    instant: bool = False
    names: str | None = None  # "agency" or "service": join the name (tables)

    def target(self, ref: str) -> dict[str, Any]:
        expr, legend = self.expr, self.legend
        key = self.names or next((k for k in _NAMED if "{{" + k + "}}" in legend), None)
        if key is not None:
            expr = named(expr, key)
            legend = legend.replace("{{" + key + "}}", "{{name}}")
        return {
            "refId": ref,
            "datasource": DATASOURCE,
            "expr": expr,
            "legendFormat": legend or "__auto",
            "instant": self.instant,
            "range": not self.instant,
        }


_NAMED = ("agency", "service")


def named(expr: str, key: str) -> str:
    """``expr`` with the catalog's name of each series' agency or service as label ``name``
    (every worker exports the info metric: max)."""
    return f"({expr})\n* on ({key}) group_left (name) max by ({key}, name) (ioc_{key}_info)"


# Tables that show names hide the ids they were joined on.
HIDE_IDS = [
    {"matcher": {"id": "byName", "options": label},
     "properties": [{"id": "custom.hidden", "value": True}]}
    for label in ("agency", "service", "instance", "job")
]  # fmt: skip


def steps(*pairs: tuple[float | None, str]) -> dict[str, Any]:
    """Absolute thresholds: (from value, colour), the first from None (minus infinity)."""
    return {"mode": "absolute", "steps": [{"value": v, "color": c} for v, c in pairs]}


HIGHER_IS_BETTER = steps((None, BAD), (0.9, WARN), (0.95, GOOD))
LOWER_IS_BETTER = steps((None, GOOD), (1, WARN), (5, BAD))
NEUTRAL = steps((None, "blue"))
LINES = {"fillOpacity": 10, "lineWidth": 2}
STACKED = {"stacking": {"mode": "normal"}, "fillOpacity": 30, "lineWidth": 1}
BARS = {"orientation": "horizontal", "displayMode": "gradient"}


@dataclass
class Panel:
    kind: str  # stat, timeseries, bargauge, table, state-timeline, gauge
    title: str  # Vietnamese, as on the wall
    description: str  # English, for the engineer who opens the panel
    queries: list[Query]
    unit: str = "short"
    width: int = 6
    height: int = 6
    thresholds: dict[str, Any] = field(default_factory=lambda: NEUTRAL)
    min: float | None = None
    max: float | None = None
    mappings: list[dict[str, Any]] = field(default_factory=list)
    options: dict[str, Any] = field(default_factory=dict)
    custom: dict[str, Any] = field(default_factory=dict)
    overrides: list[dict[str, Any]] = field(default_factory=list)
    # Thresholds colour a stat or a bar; series and slices take a palette colour each.
    color_mode: str | None = None

    def to_json(self, panel_id: int, x: int, y: int) -> dict[str, Any]:
        series = self.kind in ("timeseries", "piechart")
        defaults: dict[str, Any] = {
            "unit": self.unit,
            "thresholds": self.thresholds,
            "mappings": self.mappings,
            "color": {"mode": self.color_mode or ("palette-classic" if series else "thresholds")},
        }
        custom = self.custom or (LINES if self.kind == "timeseries" else {})
        if self.min is not None:
            defaults["min"] = self.min
        if self.max is not None:
            defaults["max"] = self.max
        if custom:
            defaults["custom"] = custom
        refs = "ABCDEFGHIJ"
        return {
            "id": panel_id,
            "type": self.kind,
            "title": self.title,
            "description": self.description,
            "datasource": DATASOURCE,
            "gridPos": {"x": x, "y": y, "w": self.width, "h": self.height},
            "targets": [q.target(refs[i]) for i, q in enumerate(self.queries)],
            "fieldConfig": {"defaults": defaults, "overrides": self.overrides},
            "options": self.options,
        }


@dataclass
class Row:
    title: str
    panels: list[Panel]


@dataclass(frozen=True)
class Variable:
    name: str
    label: str
    metric: str  # label_values(metric, name)
    multi: bool = True
    # An info metric with a ``name`` label: the picker shows names, the value stays the id.
    info: str | None = None

    def to_json(self) -> dict[str, Any]:
        definition = f"label_values({self.metric}, {self.name})"
        regex = ""
        if self.info is not None:
            definition = f"query_result(max by ({self.name}, name) ({self.info}))"
            # Either label may come first (Grafana prints them sorted): one lookahead each.
            regex = f'/^(?=.*\\b{self.name}="(?<value>[^"]+)")(?=.*\\bname="(?<text>[^"]+)")/'
        return {
            "name": self.name,
            "label": self.label,
            "type": "query",
            "datasource": DATASOURCE,
            "definition": definition,
            "regex": regex,
            "query": {
                "qryType": 5 if self.info else 1,
                "query": definition,
                "refId": f"var-{self.name}",
            },
            "refresh": 2,  # on time range change: new agencies and services appear
            "includeAll": True,
            "allValue": ".*",
            "multi": self.multi,
            "sort": 1,
            "current": {"text": "All", "value": "$__all"},
            "options": [],
            "hide": 0,
        }


# Alerts as annotations: Prometheus rule alerts, and the stream detector's alerts by name.
ANNOTATIONS = [
    {
        "name": "Cảnh báo Prometheus",
        "datasource": DATASOURCE,
        "enable": True,
        "iconColor": "red",
        "expr": 'ALERTS{alertstate="firing"}',
        "step": "60s",
        "titleFormat": "{{alertname}}",
        "textFormat": "{{severity}} {{service}}",
        "tagKeys": "severity",
        "useValueForTime": False,
    },
    {
        "name": "Cảnh báo luồng sự kiện",
        "datasource": DATASOURCE,
        "enable": True,
        "iconColor": "orange",
        "expr": "sum by (alertname, severity) (ioc_alerts_firing) > 0",
        "step": "30s",
        "titleFormat": "{{alertname}}",
        "textFormat": "{{severity}}",
        "tagKeys": "severity",
        "useValueForTime": False,
    },
]


@dataclass
class Dashboard:
    uid: str
    title: str
    description: str
    rows: list[Row]
    variables: list[Variable] = field(default_factory=list)
    tags: list[str] = field(default_factory=lambda: ["ioc"])
    refresh: str = "30s"
    time_from: str = "now-6h"
    # Every time on the wall in province time, whatever the viewer's browser says.
    timezone: str = "Asia/Ho_Chi_Minh"

    def panels(self) -> list[Panel]:
        return [p for row in self.rows for p in row.panels]

    def to_json(self) -> dict[str, Any]:
        panels: list[dict[str, Any]] = []
        next_id, y = 1, 0
        for row in self.rows:
            panels.append(
                {
                    "id": next_id,
                    "type": "row",
                    "title": row.title,
                    "collapsed": False,
                    "gridPos": {"x": 0, "y": y, "w": 24, "h": 1},
                    "panels": [],
                }
            )
            next_id, y, x, row_height = next_id + 1, y + 1, 0, 0
            for panel in row.panels:
                if x + panel.width > 24:
                    x, y, row_height = 0, y + row_height, 0
                panels.append(panel.to_json(next_id, x, y))
                next_id += 1
                x += panel.width
                row_height = max(row_height, panel.height)
            y += row_height
        return {
            "uid": self.uid,
            "title": self.title,
            "description": self.description,
            "tags": self.tags,
            "timezone": self.timezone,
            "editable": True,
            "graphTooltip": 1,  # shared crosshair: one moment across the wall
            "refresh": self.refresh,
            "schemaVersion": SCHEMA_VERSION,
            "time": {"from": self.time_from, "to": "now"},
            "templating": {"list": [v.to_json() for v in self.variables]},
            "annotations": {"list": ANNOTATIONS},
            "links": [
                {
                    "title": "IOC",
                    "type": "dashboards",
                    "tags": ["ioc"],
                    "asDropdown": True,
                    "includeVars": True,
                    "keepTime": True,
                }
            ],
            "panels": panels,
        }
