"""Read a file of the scores the national portal publishes, per agency, month and
sub-indicator (row of the portal's sheet), and turn them into messages for the workers.

The file is CSV, UTF-8, with the header ``agency,month,row,points``: ``agency`` a catalog
id, ``month`` ``YYYY-MM`` (province calendar), ``row`` the sub-indicator's number 1-24 as in
docs/kpis.md (or ``total`` for the portal's total), ``points`` as the portal shows them
(``12.5`` or ``12,5``). A bad line is a clear error naming the file, the line, the column
and what was expected; nothing of a file with an error is imported.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

import orjson

from ioc.aggregate.portal766 import ROW_POINTS
from ioc.catalog import Catalog
from ioc.config import ConfigError

COLUMNS = ("agency", "month", "row", "points")
TOTAL = "total"
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
# A file the province fills in by hand has hundreds of lines; this bounds a wrong one.
MAX_LINES = 100_000


@dataclass(frozen=True)
class PortalScore:
    """One agency's month as the portal published it: points by row, and its total."""

    agency: str
    level: str
    month: str
    points: dict[str, float]  # "1"-"24" or "total" -> points


def parse_scores(path: Path, catalog: Catalog) -> list[PortalScore]:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: expected UTF-8 text (CSV)") from None
    return parse_text(text, str(path), catalog)


def parse_text(text: str, where: str, catalog: Catalog) -> list[PortalScore]:
    levels = {a.id: a.level for a in catalog.agencies}
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None or [h.strip().lower() for h in header] != list(COLUMNS):
        raise ConfigError(f"{where}: line 1: expected the header {','.join(COLUMNS)}, got {header}")
    by_key: dict[tuple[str, str], dict[str, float]] = {}
    for line, cells in enumerate(reader, start=2):
        if line > MAX_LINES:
            raise ConfigError(f"{where}: more than {MAX_LINES} lines")
        if not cells or all(not c.strip() for c in cells):
            continue
        if len(cells) != len(COLUMNS):
            raise ConfigError(
                f"{where}: line {line}: expected {len(COLUMNS)} columns "
                f"({','.join(COLUMNS)}), got {len(cells)}"
            )
        agency, month, row, points = (c.strip() for c in cells)
        if agency not in levels:
            raise ConfigError(
                f"{where}: line {line}: column 'agency': {agency!r} is not in the catalog"
            )
        if not _MONTH.match(month):
            raise ConfigError(
                f"{where}: line {line}: column 'month': expected YYYY-MM, got {month!r}"
            )
        if row != TOTAL and row not in ROW_POINTS:
            raise ConfigError(
                f"{where}: line {line}: column 'row': expected a row 1-24 of the portal's sheet "
                f"or 'total', got {row!r}"
            )
        value = _points(points)
        most = 100.0 if row == TOTAL else ROW_POINTS[row]
        if value is None or not 0 <= value <= most:
            raise ConfigError(
                f"{where}: line {line}: column 'points': expected a number from 0 to {most:g}, "
                f"got {points!r}"
            )
        rows = by_key.setdefault((agency, month), {})
        if row in rows:
            raise ConfigError(
                f"{where}: line {line}: row {row} of {agency} for {month} given twice"
            )
        rows[row] = value
    return [
        PortalScore(agency, levels[agency], month, rows) for (agency, month), rows in by_key.items()
    ]


def _points(text: str) -> float | None:
    """Points as a number: ``12.5``, or ``12,5`` as an official document writes it."""
    try:
        value = float(text.replace(",", "."))
    except ValueError:
        return None
    return value if value == value and abs(value) != float("inf") else None


def message_key(score: PortalScore) -> bytes:
    return f"{score.agency}|{score.month}".encode()


def to_message(score: PortalScore, imported_at: float) -> bytes:
    """The message for the portal-scores topic: a later import of the same agency and month
    replaces it."""
    return orjson.dumps(
        {
            "agency": score.agency,
            "level": score.level,
            "month": score.month,
            "points": score.points,
            "imported_at": imported_at,
        }
    )
