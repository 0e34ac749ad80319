"""Declared maintenance has one definition (ioc/catalog/maintenance.py): the aggregate's
up/down gauge and the detector's ServiceDown agree at every probe, also when a service goes
down right as its window ends."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import orjson
import pytest

from ioc.aggregate import PartitionState, apply_batch
from ioc.aggregate.gauges import gauges
from ioc.aggregate.state import Lookups
from ioc.alerting import Detector
from ioc.alerting.rules import AlertRules
from ioc.catalog import Catalog
from ioc.catalog.maintenance import MaintenanceCalendar
from ioc.ingest.batch import Batch
from ioc.metrics import spec
from tests.conftest import as_fact, uptime_probe

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
SERVICE = "thu-cong-vu"  # the bundled catalog's window: 29 Nov 22:00 to 30 Nov 02:00 (+07)
END = datetime(2026, 11, 30, 2, 0, tzinfo=TZ)


class Both:
    """The aggregate and the detector, fed the same probes."""

    def __init__(self, catalog: Catalog) -> None:
        self.lookups = Lookups.from_catalog(catalog)
        self.state = PartitionState()
        self.detector = Detector(AlertRules(), catalog)

    def probe(self, at: datetime, success: bool) -> None:
        doc = uptime_probe(
            service=SERVICE,
            probe_kind="tcp",
            http_status=None,
            tls_days_left=None,
            success=success,
            error_class=None if success else "connect",
            event_id=f"p-{at.timestamp()}",
            event_time=at.isoformat(),
        )
        offset = self.state.next_offset
        apply_batch(
            self.state, Batch("uptime", 0, offset, offset + 1, [[offset, *as_fact(doc)]], []),
            self.lookups,
        )  # fmt: skip
        ts = at.timestamp()
        self.detector.probe(ts, SERVICE, success, 0.1, wall=ts)

    def aggregate_down(self, at: datetime) -> bool:
        up = gauges([self.state], at.timestamp(), self.lookups)[spec.SERVICE_UP.name]
        return up.get(spec.label_key(SERVICE, "2")) == 0

    def detector_down(self, at: datetime) -> bool:
        self.detector.evaluate(at.timestamp())
        return any(
            a.name == "ServiceDown" and a.labels["service"] == SERVICE
            for a in self.detector.active.values()
        )


def every_minute(start: datetime, count: int) -> list[datetime]:
    return [start + timedelta(minutes=i) for i in range(count)]


def test_failures_inside_the_window_are_not_carried_past_its_end(catalog: Catalog) -> None:
    both = Both(catalog)
    for at in every_minute(END - timedelta(minutes=10), 10):  # failing in maintenance
        both.probe(at, success=False)
    for at in every_minute(END, 2):  # two more failures after it: not yet down
        both.probe(at, success=False)
        assert (both.aggregate_down(at), both.detector_down(at)) == (False, False)


def test_a_service_down_right_as_its_window_ends_pages_at_the_third_failure_after_it(
    catalog: Catalog,
) -> None:
    both = Both(catalog)
    for at in every_minute(END - timedelta(minutes=5), 5):
        both.probe(at, success=False)
    after = every_minute(END, 4)
    states = []
    for at in after:
        both.probe(at, success=False)
        states.append((both.aggregate_down(at), both.detector_down(at)))
    assert states == [(False, False), (False, False), (True, True), (True, True)]
    page = next(a for a in both.detector.active.values() if a.name == "ServiceDown")
    assert page.starts_at == END.timestamp()  # the first failure after the window


def test_a_service_down_before_its_window_is_still_down_after_it(catalog: Catalog) -> None:
    both = Both(catalog)
    start = END - timedelta(hours=4, minutes=5)  # 21:55, five minutes before the window
    for at in every_minute(start, 4):
        both.probe(at, success=False)
    assert both.detector_down(start + timedelta(minutes=3))
    both.probe(END - timedelta(hours=1), success=True)  # in maintenance: counts neither way
    both.probe(END, success=False)
    assert (both.aggregate_down(END), both.detector_down(END)) == (True, True)


def test_the_calendar_includes_the_start_and_excludes_the_end(catalog: Catalog) -> None:
    calendar = MaintenanceCalendar.from_catalog(catalog)
    start = END - timedelta(hours=4)
    assert calendar.contains(SERVICE, start.timestamp())
    assert not calendar.contains(SERVICE, END.timestamp())
    assert not calendar.contains("cong-dvc", start.timestamp())


@pytest.mark.parametrize("minutes_after_end", [0, 1, 2])
def test_the_ground_truth_counts_probes_as_the_aggregate_does(
    catalog: Catalog, minutes_after_end: int
) -> None:
    from ioc.contracts.events import UptimeProbe
    from ioc.simulate.truth import GroundTruth

    truth = GroundTruth(catalog)
    at = END + timedelta(minutes=minutes_after_end - 1)
    doc = uptime_probe(
        service=SERVICE, probe_kind="tcp", http_status=None, tls_days_left=None,
        success=False, error_class="connect", event_time=at.isoformat(),
    )  # fmt: skip
    truth.record(UptimeProbe.model_validate_json(orjson.dumps(doc)), 0)
    both = Both(catalog)
    both.probe(at, success=False)
    result = "maintenance" if at < END else "failure"
    key = spec.label_key(SERVICE, "2", result)
    assert both.state.counters[spec.UPTIME_PROBES.name][key] == 1
    assert (
        truth.samples[
            ("ioc_uptime_probes_total", (("result", result), ("service", SERVICE), ("tier", "2")))
        ]
        == 1
    )
