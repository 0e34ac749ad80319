"""Named row layouts: facts are written where ``ioc.rows`` says, rows of older versions read
as the current ones, and no reader indexes a row by a bare number."""

from __future__ import annotations

import ast
from dataclasses import fields
from pathlib import Path
from typing import Any

import orjson
import pytest

from ioc.aggregate import PartitionState, apply_batch
from ioc.aggregate.state import ALERTS, DOSSIERS, Lookups
from ioc.catalog import Catalog
from ioc.ingest import unpack_batch
from ioc.metrics import spec
from ioc.rows import batch_rows, facts, signal_rows
from ioc.rows.batch_rows import ALERT_ROW, DOSSIER_ROW
from ioc.rows.facts import ALERT_FACT, DOSSIER_FACT, PROBE_FACT, STATUS_FACT
from ioc.rows.layout import Layout
from ioc.rows.records import ALERT_RECORD, DOSSIER_RECORD
from tests.conftest import as_fact, dossier, soc_alert, uptime_probe

ROOT = Path(__file__).parents[2]
# The modules that read facts, batch rows, entity records or signal rows.
READERS = [
    "ioc/aggregate/state.py",
    "ioc/aggregate/gauges.py",
    "ioc/alerting/signals.py",
    "ioc/ingest/validate.py",
    "ioc/ingest/batch.py",
    "streams/aggregator.py",
    "streams/collector.py",
    "benchmarks/alert_latency.py",
]
# What the readers call a row, whatever its kind.
ROW_NAMES = {"row", "fact", "record", "r", "sums", "bucket", "alert", "dossier", "agent",
             "probe", "day_counts", "period_counts"}  # fmt: skip


def _is_int(node: ast.expr | None) -> bool:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        node = node.operand
    return isinstance(node, ast.Constant) and type(node.value) is int


def bare_indexes(source: str) -> list[str]:
    """Subscripts of a row by an integer literal (or a slice of literals): ``row[3]``,
    ``record[0:3]``, ``records[0][0]``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Subscript):
            continue
        index = node.slice
        literal = _is_int(index) or (
            isinstance(index, ast.Slice) and (_is_int(index.lower) or _is_int(index.upper))
        )
        of_a_row = isinstance(node.value, ast.Subscript) or (
            isinstance(node.value, ast.Name) and node.value.id in ROW_NAMES
        )
        if literal and of_a_row:
            found.append(f"line {node.lineno}: {ast.unparse(node)}")
    return found


def test_the_check_finds_a_bare_index() -> None:
    found = bare_indexes("x = row[3] + records[0][0] + record[0:3][1]")
    assert sorted(found) == [
        "line 1: record[0:3]", "line 1: record[0:3][1]", "line 1: records[0][0]", "line 1: row[3]"
    ]  # fmt: skip
    assert bare_indexes("x = row[ALERT_ROW.LEVEL] + name[:4] + rows[0]") == []


@pytest.mark.parametrize("module", READERS)
def test_no_reader_indexes_a_row_by_a_bare_number(module: str) -> None:
    assert bare_indexes((ROOT / module).read_text()) == []


@pytest.mark.parametrize(
    ("doc", "kind", "where", "value"),
    [
        (soc_alert(agency="so-tc"), facts.SOC_ALERT, ALERT_FACT.AGENCY, "so-tc"),
        (soc_alert(), facts.SOC_ALERT, ALERT_FACT.RULE_ID, "5712"),
        (soc_alert(security_level=3), facts.SOC_ALERT, ALERT_FACT.SECURITY_LEVEL, 3),
        (uptime_probe(), facts.PROBE, PROBE_FACT.SERVICE, uptime_probe()["service"]),
        (dossier(), facts.DOSSIER, DOSSIER_FACT.DOSSIER_ID, dossier()["dossier_id"]),
        (dossier(), facts.DOSSIER, DOSSIER_FACT.AGENCY, dossier()["agency"]),
    ],
)
def test_a_fact_holds_each_field_where_its_layout_says(
    doc: dict[str, Any], kind: str, where: int, value: Any
) -> None:
    fact = as_fact(doc)
    assert fact[facts.KIND] == kind
    assert fact[where] == value


@pytest.mark.parametrize(
    ("layout", "length"),
    [(ALERT_FACT, 14), (STATUS_FACT, 5), (PROBE_FACT, 8), (DOSSIER_FACT, 19)],
)
def test_a_layout_names_every_position_once(layout: Layout, length: int) -> None:
    named = [getattr(layout, f.name) for f in fields(layout)]
    assert sorted([facts.KIND, facts.EVENT_ID, facts.EVENT_TS, *named]) == list(range(length))
    assert length == layout.LENGTH


def test_a_batch_row_is_the_offset_then_the_fact() -> None:
    fact = as_fact(soc_alert())
    row = [42, *fact]
    assert row[batch_rows.OFFSET] == 42
    assert row[ALERT_ROW.AGENT_ID] == fact[ALERT_FACT.AGENT_ID]
    assert row[batch_rows.ENTITY[facts.SOC_ALERT]] == fact[facts.ENTITY[facts.SOC_ALERT]]


def _old_batch(cut: int) -> bytes:
    """A batch of one SOC alert as a version that wrote ``cut`` fields per row did."""
    row = [0, *as_fact(soc_alert(rule={"id": "1", "level": 13, "description": "x"}))][:cut]
    return orjson.dumps({"s": "soc", "p": 0, "o": [0, 1], "e": [row], "k": [0], "d": []})


@pytest.mark.parametrize("cut", [11, 13])
def test_a_batch_row_written_before_rule_and_security_levels_reads_as_unknown(
    cut: int, catalog: Catalog
) -> None:
    (row,) = unpack_batch(_old_batch(cut)).events
    assert len(row) == ALERT_ROW.LENGTH
    assert row[ALERT_ROW.SECURITY_LEVEL] is None
    if cut == 11:
        assert row[ALERT_ROW.RULE_LEVEL] == 0
    state = PartitionState()
    apply_batch(state, unpack_batch(_old_batch(cut)), Lookups.from_catalog(catalog))
    by_level = state.counters[spec.SOC_ALERTS_BY_SECURITY_LEVEL.name]
    assert list(by_level) == [spec.label_key("high", "none")]


def test_a_dossier_row_written_before_schema_version_2_reads_as_version_1() -> None:
    row = [0, *as_fact(dossier(schema_version=2, fee_required=True))][: DOSSIER_ROW.RATING + 1]
    batch = orjson.dumps({"s": "dossier", "p": 0, "o": [0, 1], "e": [row], "k": [0], "d": []})
    (read,) = unpack_batch(batch).events
    assert len(read) == DOSSIER_ROW.LENGTH
    assert read[DOSSIER_ROW.SCHEMA_VERSION] == 1
    assert read[DOSSIER_ROW.FEE_REQUIRED] is None


def test_entity_records_kept_by_older_versions_read_in_the_current_layout() -> None:
    old = PartitionState()
    old.kind(ALERTS)["a-1"] = ["high", 1.0, None, None, "so-tc", 0, 0, 1.0]
    old.kind(DOSSIERS)["d-1"] = ["so-tc", "province", None]
    state = PartitionState.from_bytes(old.to_bytes())
    assert state.kind(ALERTS)["a-1"][ALERT_RECORD.SECURITY_LEVEL] == "none"
    assert state.kind(DOSSIERS)["d-1"][DOSSIER_RECORD.ABANDON_TS] is None


def test_a_signal_row_written_before_security_levels_reads_as_unknown() -> None:
    row = signal_rows.upgrade_alert([1.0, 12, "so-tc", "agent", "5712", ["T1110"]])
    assert row[signal_rows.ALERT_SIGNAL.SECURITY_LEVEL] is None
