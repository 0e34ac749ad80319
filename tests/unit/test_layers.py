"""The house has floors: a room imports only rooms on floors below its own, so no arrow runs
back up and no two rooms import each other (docs/architecture.md draws them)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]

# Lowest first. A room is a package or module of ioc/, or streams/, dashboards/, benchmarks/.
FLOORS: list[set[str]] = [
    {"ioc/clock", "ioc/contracts", "ioc/metrics", "ioc/rows", "ioc/lograte", "ioc/generated"},
    {"ioc/config"},
    {"ioc/catalog"},
    {"ioc/ingest"},
    {"ioc/aggregate"},
    {"ioc/alerting", "ioc/simulate"},
    # Processes and clients of real components; acknowledging and routing pages reads the
    # alerting core's names.
    {"ioc/runtime"},
    {"ioc/sources", "ioc/report", "ioc/portal", "dashboards"},
    {"streams"},
    {"ioc/demo", "benchmarks"},
    {"ioc/cli"},
]
FLOOR_OF = {room: floor for floor, rooms in enumerate(FLOORS) for room in rooms}


def room_of(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] == "ioc" and len(parts) > 1 and parts[1] != "__init__":
        return f"ioc/{parts[1]}"
    if parts[0] in ("streams", "dashboards", "benchmarks"):
        return parts[0]
    return None


def imports(path: Path) -> Iterator[tuple[int, str]]:
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name


GLOBS = ("ioc/**/*.py", "streams/*.py", "dashboards/**/*.py", "benchmarks/*.py")
SOURCES = sorted(
    p for pattern in GLOBS for p in ROOT.glob(pattern) if p != ROOT / "ioc/__init__.py"
)


def test_every_room_is_on_a_floor() -> None:
    rooms = {room_of(".".join(p.relative_to(ROOT).with_suffix("").parts)) for p in SOURCES}
    assert rooms - {None} <= set(FLOOR_OF)


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_a_room_imports_only_rooms_below_it(path: Path) -> None:
    here = room_of(".".join(path.relative_to(ROOT).with_suffix("").parts))
    assert here is not None
    upward = [
        f"line {line}: {module}"
        for line, module in imports(path)
        if (there := room_of(module)) not in (None, here) and FLOOR_OF[there] >= FLOOR_OF[here]
    ]
    assert upward == []
