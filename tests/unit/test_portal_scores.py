"""The national portal's published scores: the import file, and the board the workers keep."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from ioc.aggregate.portal766 import ROW_POINTS, SUB_INDICATORS
from ioc.catalog import Catalog
from ioc.config import ConfigError
from ioc.portal.board import PortalBoard
from ioc.portal.scores import PortalScore, parse_scores, parse_text, to_message

HEADER = "agency,month,row,points\n"


def test_every_measured_sub_indicator_has_the_points_of_its_row_of_the_sheet() -> None:
    assert {str(s.row): s.points for s in SUB_INDICATORS}.items() <= ROW_POINTS.items()
    assert sum(ROW_POINTS.values()) == 100


def test_a_file_gives_each_agencys_month_with_its_rows(catalog: Catalog) -> None:
    text = (
        HEADER
        + 'so-tnmt,2026-11,5,14.5\nso-tnmt,2026-11,total,"70,25"\nphuong-cua-lo,2026-11,24,9\n'
    )
    scores = {s.agency: s for s in parse_text(text, "f.csv", catalog)}
    assert scores["so-tnmt"].points == {"5": 14.5, "total": 70.25}
    assert scores["phuong-cua-lo"].level == "commune"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("no-such,2026-11,5,1", "line 2: column 'agency': 'no-such' is not in the catalog"),
        ("so-tnmt,11/2026,5,1", "line 2: column 'month': expected YYYY-MM"),
        ("so-tnmt,2026-11,25,1", "line 2: column 'row': expected a row 1-24"),
        ("so-tnmt,2026-11,24,10.5", "line 2: column 'points': expected a number from 0 to 10"),
        ("so-tnmt,2026-11,5,nan", "line 2: column 'points'"),
        ("so-tnmt,2026-11,5", "line 2: expected 4 columns"),
    ],
)
def test_a_wrong_line_names_the_file_the_line_the_column_and_what_was_expected(
    catalog: Catalog, line: str, message: str
) -> None:
    with pytest.raises(ConfigError, match=f"^f.csv: {message}"):
        parse_text(HEADER + line + "\n", "f.csv", catalog)


def test_a_row_given_twice_for_one_agency_and_month_is_refused(catalog: Catalog) -> None:
    with pytest.raises(ConfigError, match="line 3: row 5 of so-tnmt for 2026-11 given twice"):
        parse_text(HEADER + "so-tnmt,2026-11,5,1\nso-tnmt,2026-11,5,2\n", "f.csv", catalog)


def test_a_file_without_the_header_is_refused(catalog: Catalog) -> None:
    with pytest.raises(ConfigError, match="line 1: expected the header agency,month,row,points"):
        parse_text("so-tnmt,2026-11,5,1\n", "f.csv", catalog)


def test_a_file_that_is_not_utf8_is_refused(catalog: Catalog, tmp_path: Path) -> None:
    path = tmp_path / "scores.csv"
    path.write_bytes(HEADER.encode() + b"so-tnmt,2026-11,5,\xff\n")
    with pytest.raises(ConfigError, match="expected UTF-8"):
        parse_scores(path, catalog)


def board() -> PortalBoard:
    return PortalBoard(frozenset({"so-tnmt", "phuong-cua-lo"}))


def test_the_board_exports_the_measured_rows_by_code_and_the_total_of_the_month() -> None:
    b = board()
    published = PortalScore("so-tnmt", "province", "2026-11", {"5": 14.0, "1": 6.0, "total": 70.0})
    assert b.apply(to_message(published, 0.0)) is None
    assert sorted(b.series("2026-11")) == [
        ("so-tnmt", "province", "progress", 14.0),
        ("so-tnmt", "province", "total", 70.0),
    ]
    assert list(b.series("2026-12")) == []


def test_a_later_import_of_an_agencys_month_replaces_the_earlier() -> None:
    b = board()
    b.apply(to_message(PortalScore("so-tnmt", "province", "2026-11", {"5": 14.0}), 0.0))
    b.apply(to_message(PortalScore("so-tnmt", "province", "2026-11", {"5": 16.0}), 1.0))
    assert list(b.series("2026-11")) == [("so-tnmt", "province", "progress", 16.0)]


@pytest.mark.parametrize(
    "value",
    [
        None,
        b"not json",
        b"[]",
        orjson.dumps({"agency": "so-tnmt", "level": "province", "month": "2026-13", "points": {}}),
        orjson.dumps({"agency": "evil", "level": "province", "month": "2026-11", "points": {}}),
        orjson.dumps(
            {"agency": "so-tnmt", "level": "province", "month": "2026-11", "points": {"5": 21}}
        ),
        orjson.dumps(
            {"agency": "so-tnmt", "level": "province", "month": "2026-11", "points": {"x": 1}}
        ),
    ],
)
def test_a_message_that_is_not_a_portal_score_is_refused_with_a_reason(
    value: bytes | None,
) -> None:
    b = board()
    assert b.apply(value)
    assert list(b.series("2026-11")) == []
