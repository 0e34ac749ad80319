"""SOC alerts by the security level of the information system they hit: counted and timed
by level (1-5, Decree 85/2016), and a high alert on a system of level 3 and above pages as
critical."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from ioc.aggregate import PartitionState, apply_batch
from ioc.aggregate.state import ALERTS, Lookups
from ioc.alerting import Detector
from ioc.alerting.rules import AlertRules
from ioc.alerting.signals import feed, signal_of
from ioc.catalog import Catalog
from ioc.ingest.batch import Batch
from ioc.metrics import spec
from ioc.rows.records import ALERT_RECORD
from tests.conftest import as_fact, soc_alert
from tests.unit.test_detect import T0


def alert(level: int, security_level: int | None, **over: Any) -> dict[str, Any]:
    doc = soc_alert(**over)
    doc["rule"] = {**doc["rule"], "level": level}
    if security_level is not None:
        doc |= {"information_system": "so-tc-ht3-01", "security_level": security_level}
    return doc


def status(kind: str, minute: int) -> dict[str, Any]:
    return {
        "schema_version": 1,
        "event_id": f"s-{kind}",
        "event_time": f"2026-11-23T09:{minute:02d}:00+07:00",
        "event_type": "soc_alert_status",
        "alert_id": "a-1",
        "agent_id": "so-tc-d0001",
        "status": kind,
        "actor": "analyst",
    }


def applied(catalog: Catalog, docs: list[dict[str, Any]]) -> PartitionState:
    state = PartitionState()
    rows = [[i, *as_fact(d)] for i, d in enumerate(docs)]
    apply_batch(state, Batch("soc", 0, 0, len(rows), rows, []), Lookups.from_catalog(catalog))
    return state


def test_alerts_are_counted_by_severity_and_security_level(catalog: Catalog) -> None:
    state = applied(
        catalog,
        [alert(13, 3, event_id="e-1", alert_id="a-1"), alert(13, None, event_id="e-2",
         alert_id="a-2"), alert(4, 1, event_id="e-3", alert_id="a-3")],
    )  # fmt: skip
    counts = state.counters[spec.SOC_ALERTS_BY_SECURITY_LEVEL.name]
    assert counts == {
        spec.label_key("high", "3"): 1,
        spec.label_key("high", "none"): 1,
        spec.label_key("low", "1"): 1,
    }


def test_response_times_are_observed_by_security_level(catalog: Catalog) -> None:
    state = applied(catalog, [alert(13, 3), status("acknowledged", 5), status("resolved", 30)])
    mtta = state.histograms[spec.SOC_MTTA_BY_SECURITY_LEVEL.name][spec.label_key("3")]
    mttr = state.histograms[spec.SOC_MTTR_BY_SECURITY_LEVEL.name][spec.label_key("3")]
    assert (mtta[-1], mttr[-1]) == (300.0, 1800.0)  # (buckets..., count, sum): the sums


def test_an_alert_record_kept_before_security_levels_still_settles(catalog: Catalog) -> None:
    state = applied(catalog, [alert(13, 3)])
    record = state.kind(ALERTS)["a-1"]
    del record[ALERT_RECORD.SECURITY_LEVEL :]  # as the previous version kept it
    state = PartitionState.from_bytes(state.to_bytes())  # its snapshot, read by this one
    apply_batch(
        state,
        Batch("soc", 0, 1, 2, [[1, *as_fact(status("resolved", 30))]], []),
        Lookups.from_catalog(catalog),
    )
    mttr = state.histograms[spec.SOC_MTTR_BY_SECURITY_LEVEL.name]
    assert list(mttr) == [spec.label_key("none")]


@pytest.mark.parametrize(
    ("security_level", "pages"), [(5, True), (4, True), (3, True), (2, False), (None, False)]
)
def test_a_high_alert_pages_as_critical_on_a_system_of_level_3_and_above(
    catalog: Catalog, security_level: int | None, pages: bool
) -> None:
    detector = Detector(AlertRules(), catalog)
    detector.soc_alert(T0, 12, "so-tc", "so-tc-s0001", "5712", ["T1110"], T0, security_level)
    changes = [c.alert for c in detector.evaluate(T0) if c.alert.name == "SocCritical"]
    assert bool(changes) == pages
    if pages:
        assert f"security level {security_level} system" in changes[0].annotations["description"]


@pytest.mark.parametrize("security_level", [4, 5])
def test_an_alert_of_a_level_4_or_5_system_is_accepted_and_counted_by_its_level(
    catalog: Catalog, security_level: int
) -> None:
    state = applied(catalog, [alert(12, security_level)])
    by_level = state.counters[spec.SOC_ALERTS_BY_SECURITY_LEVEL.name]
    assert by_level == {spec.label_key("high", str(security_level)): 1}


def test_the_detector_hears_the_security_level_through_the_signal(catalog: Catalog) -> None:
    rows = [[0, *as_fact(alert(12, 3))]]
    data = signal_of(rows, min_soc_level=12)
    assert data is not None
    detector = Detector(AlertRules(), catalog)
    ts = orjson.loads(data)["r"][0][0]
    feed(detector, data, wall=ts)
    assert [c.alert.name for c in detector.evaluate(ts)] == ["SocCritical"]


def test_a_signal_written_before_security_levels_is_still_read(catalog: Catalog) -> None:
    old = orjson.dumps({"k": "a", "t": T0, "r": [[T0, 15, "so-tc", "a1", "5712", ["T1110"]]]})
    detector = Detector(AlertRules(), catalog)
    feed(detector, old, wall=T0)
    assert [c.alert.name for c in detector.evaluate(T0)] == ["SocCritical"]
