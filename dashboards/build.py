"""Generate the dashboards' JSON into ``dashboards/generated/`` and read their queries back."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dashboards.boards import build_all
from ioc import generated
from ioc.catalog import Catalog

GENERATED = Path(__file__).parent / "generated"


def render(catalog: Catalog) -> dict[str, str]:
    """File name → JSON text of every dashboard."""
    out = {}
    for board in build_all(catalog):
        text = json.dumps(board.to_json(), indent=2, ensure_ascii=False) + "\n"
        out[f"{board.uid}.json"] = text
    return out


def write_files(catalog: Catalog, directory: Path = GENERATED) -> list[Path]:
    return generated.write_files(render(catalog), directory)


def stale_files(catalog: Catalog, directory: Path = GENERATED) -> list[str]:
    """Files that differ from what the catalog generates, are missing, or are left over."""
    return generated.stale_files(render(catalog), directory, "*.json")


def load(directory: Path = GENERATED) -> list[dict[str, Any]]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(directory.glob("*.json"))]


@dataclass(frozen=True)
class PanelQuery:
    dashboard: str
    panel: str
    expr: str
    instant: bool  # Grafana runs an instant query; else a range query over the time range


def panel_queries(dashboard: dict[str, Any]) -> Iterator[PanelQuery]:
    for panel in dashboard["panels"]:
        for target in panel.get("targets", []):
            yield PanelQuery(
                dashboard["uid"], panel["title"], target["expr"], bool(target.get("instant"))
            )


# Grafana's built-in variables, as a Prometheus instant query at the end of a short run sees
# them; template variables take their "All" value.
BUILTINS = {"$__rate_interval": "30s", "$__interval": "15s", "$__range": "1h"}


def substitute(expr: str, variables: dict[str, str]) -> str:
    for name, value in BUILTINS.items():
        expr = expr.replace(name, value)
    return re.sub(r"\$(\w+)", lambda m: variables.get(m.group(1), m.group(0)), expr)


def all_values(dashboard: dict[str, Any]) -> dict[str, str]:
    """Each template variable at its "All" value."""
    return {v["name"]: v.get("allValue", ".*") for v in dashboard["templating"]["list"]}


_NOT_METRICS = {
    "sum", "min", "max", "avg", "count", "rate", "increase", "topk", "bottomk", "sort",
    "sort_desc", "by",
    "on", "or", "and", "unless", "group_left", "group_right", "vector", "time", "clamp_min",
    "histogram_quantile", "label_replace", "le", "without", "bool", "offset", "ignoring",
}  # fmt: skip


def metric_names(expr: str) -> set[str]:
    """Metric names a PromQL expression reads (label names and functions left out)."""
    no_strings = re.sub(r'"[^"]*"', '""', expr)
    no_labels = re.sub(r"\{[^}]*\}", "{}", no_strings)
    no_ranges = re.sub(r"\[[^\]]*\]", "[]", no_labels)
    no_groupings = re.sub(r"\b(by|on|without|group_left|ignoring)\s*\([^)]*\)", r"\1", no_ranges)
    return {
        name
        for name in re.findall(r"[a-zA-Z_:][a-zA-Z0-9_:]*", no_groupings)
        if name not in _NOT_METRICS and not name.isdigit()
    }
