"""A picture of a dashboard drawn from a real Prometheus, for when no Grafana is at hand.

It reads the generated dashboard JSON, runs each panel's queries as Grafana would (instant or
range over the time range), and draws every panel at its grid position: stats as coloured
tiles (thresholds and value mappings applied), time series as lines, tables and bar gauges as
ranked lists. Needs matplotlib (``pip install '.[docs]'``).
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

from dashboards.build import PanelQuery, all_values, substitute
from ioc.runtime.prometheus import PrometheusServer

COLOURS = {"green": "#37872d", "orange": "#ff780a", "red": "#c4162a", "dark-red": "#8f0a1a",
           "blue": "#1f60c4", "transparent": "#22252b"}  # fmt: skip
BACKGROUND, PANEL, TEXT = "#111217", "#181b1f", "#d8d9da"


def _colour(panel: dict[str, Any], value: float) -> str:
    steps = panel["fieldConfig"]["defaults"]["thresholds"]["steps"]
    colour = steps[0]["color"]
    for step in steps[1:]:
        if value >= step["value"]:
            colour = step["color"]
    return str(COLOURS.get(colour, colour))


def _text(panel: dict[str, Any], value: float) -> str:
    for mapping in panel["fieldConfig"]["defaults"].get("mappings", []):
        hit = mapping.get("options", {}).get(str(int(value)) if value.is_integer() else "")
        if hit:
            return str(hit["text"])
    unit = panel["fieldConfig"]["defaults"]["unit"]
    if unit == "percentunit":
        return f"{value:.1%}"
    if unit == "ops":
        return f"{value:,.0f}/s"
    if unit == "s":
        return f"{value / 60:,.0f} min" if value >= 120 else f"{value:.0f} s"
    return f"{value:,.0f}" if abs(value) >= 10 or value.is_integer() else f"{value:.2f}"


def _label(metric: dict[str, str], legend: str) -> str:
    if legend and legend != "__auto":
        out = legend
        for key, val in metric.items():
            out = out.replace("{{" + key + "}}", val)
        return out
    return ", ".join(f"{v}" for k, v in metric.items() if k != "__name__") or "value"


def render(prom: PrometheusServer, board: dict[str, Any], out: Path, since: float) -> Path:
    try:
        import matplotlib
    except ImportError:
        raise RuntimeError("drawing needs matplotlib: pip install '.[docs]'") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    now = prom.now()
    variables = all_values(board)
    queries: dict[int, list[tuple[PanelQuery, dict[str, Any]]]] = {}
    for panel in board["panels"]:
        targets = panel.get("targets", [])
        queries[panel["id"]] = [
            (PanelQuery(board["uid"], panel["title"], t["expr"], t["instant"]), t) for t in targets
        ]
    rows = max(p["gridPos"]["y"] + p["gridPos"]["h"] for p in board["panels"])
    fig = plt.figure(figsize=(24, rows * 0.42), facecolor=BACKGROUND)
    fig.suptitle(f"{board['title']}  —  {time.strftime('%Y-%m-%d %H:%M', time.localtime(now))}",
                 color=TEXT, fontsize=16, x=0.01, y=0.99, ha="left")  # fmt: skip
    for panel in board["panels"]:
        g = panel["gridPos"]
        # The top 6% holds the dashboard's title.
        rect = (g["x"] / 24 + 0.003, 0.94 - (g["y"] + g["h"]) / rows * 0.93,
                g["w"] / 24 - 0.006, g["h"] / rows * 0.93 - 0.012)  # fmt: skip
        ax = fig.add_axes(rect, facecolor=PANEL if panel["type"] != "row" else BACKGROUND)
        ax.set_xticks([]), ax.set_yticks([])
        for spine in ax.spines.values():
            spine.set_visible(False)
        ax.set_title(
            panel["title"],
            color=TEXT,
            fontsize=10 if panel["type"] != "row" else 12,
            loc="left",
            fontweight="bold" if panel["type"] == "row" else "normal",
        )
        if panel["type"] == "row":
            continue
        results = []
        for q, target in queries[panel["id"]]:
            expr = substitute(q.expr, variables)
            if q.instant:
                data = prom.query(expr)
            else:
                data = prom.query_range(expr, since, now, step=max(5.0, (now - since) / 200))
            results.append((target, data))
        _draw(ax, panel, results)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=70, facecolor=BACKGROUND)
    plt.close(fig)
    return out


def _draw(ax: Any, panel: dict[str, Any], results: list[tuple[dict[str, Any], list[Any]]]) -> None:
    kind = panel["type"]
    instants = [(t, r) for t, r in results if t["instant"]]
    if kind == "stat":
        cells = [(_label(s["metric"], t["legendFormat"]), float(s["value"][1]))
                 for t, r in instants for s in r]  # fmt: skip
        cells = [(label, v) for label, v in cells if math.isfinite(v)] or [("", math.nan)]
        n = len(cells)
        cols = min(n, 4)
        nrows = math.ceil(n / cols)
        for i, (label, value) in enumerate(cells):
            x0, y0 = (i % cols) / cols, 1 - (i // cols + 1) / nrows
            colour = _colour(panel, value) if math.isfinite(value) else PANEL
            ax.add_patch(matplotlib_rect(x0 + 0.01, y0 + 0.02, 1 / cols - 0.02, 1 / nrows - 0.04,
                                         colour))  # fmt: skip
            text = _text(panel, value) if math.isfinite(value) else "không có dữ liệu"
            size = 20 if n == 1 else 9
            ax.text(x0 + 0.5 / cols, y0 + 0.5 / nrows, text, ha="center", va="center",
                    color="white", fontsize=size, fontweight="bold")  # fmt: skip
            if n > 1:
                ax.text(x0 + 0.5 / cols, y0 + 0.12 / nrows, label, ha="center", va="center",
                        color="white", fontsize=6)  # fmt: skip
        ax.set_xlim(0, 1), ax.set_ylim(0, 1)
    elif kind in ("timeseries", "state-timeline"):
        fixed = {
            o["matcher"]["options"]: p["value"]["fixedColor"]
            for o in panel["fieldConfig"]["overrides"]
            for p in o["properties"]
            if p["id"] == "color"
        }
        for target, data in results:
            for series in data[:12]:
                xs = [float(v[0]) for v in series["values"]]
                ys = [float(v[1]) for v in series["values"]]
                label = _label(series["metric"], target["legendFormat"])
                named: str | None = fixed.get(label)
                line = COLOURS.get(named, named) if named else None
                ax.plot(xs, ys, linewidth=1.5, label=label, color=line)
        ax.tick_params(colors=TEXT, labelsize=7)
        ax.legend(fontsize=6, loc="upper left", framealpha=0.3, labelcolor=TEXT,
                  facecolor=PANEL, ncols=2)  # fmt: skip
    else:  # table, bargauge, piechart: a ranked list
        lines = []
        for target, data in instants:
            for series in data:
                value = float(series["value"][1])
                if math.isfinite(value):
                    lines.append((value, _label(series["metric"], target["legendFormat"])))
        lines.sort(reverse=True)
        for i, (value, label) in enumerate(lines[:8]):
            ax.text(0.03, 0.85 - i * 0.11, f"{label}", color=TEXT, fontsize=8,
                    transform=ax.transAxes)  # fmt: skip
            ax.text(
                0.97,
                0.85 - i * 0.11,
                _text(panel, value),
                color=_colour(panel, value),
                fontsize=8,
                ha="right",
                transform=ax.transAxes,
                fontweight="bold",
            )
        if not lines:
            ax.text(0.5, 0.5, "không có", color=TEXT, ha="center", transform=ax.transAxes)


def matplotlib_rect(x: float, y: float, w: float, h: float, colour: str) -> Any:
    from matplotlib.patches import FancyBboxPatch

    return FancyBboxPatch((x, y), w, h, boxstyle="round,pad=0.005", color=colour)
