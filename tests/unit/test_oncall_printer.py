"""What ``ioc oncall`` prints for a person: times in province time."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from ioc.alerting import Detector
from ioc.alerting.rules import AlertRules
from ioc.catalog import load_catalog
from ioc.runtime.oncall import province_time, render
from tests.conftest import WEEKDAY_MORNING


def test_a_page_prints_its_start_in_province_time() -> None:
    note = {
        "status": "firing",
        "alerts": [
            {
                "status": "firing",
                "labels": {"alertname": "ServiceDown", "severity": "page", "service": "lgsp"},
                "annotations": {"summary": "LGSP ngừng hoạt động / LGSP is down"},
                "startsAt": "2026-11-24T02:01:07.520841612Z",
            }
        ],
    }
    printed = render("oncall", note)
    assert "từ / since 09:01:07 24/11/2026 (UTC+7)" in printed
    assert "02:01:07" not in printed


def test_a_time_that_does_not_parse_is_shown_as_it_came() -> None:
    assert province_time("yesterday") == "yesterday"
    assert province_time(None) == "?"


def test_a_detector_page_prints_names_and_no_id_or_utc_time() -> None:
    catalog = load_catalog()
    detector = Detector(AlertRules(), catalog)
    for i in range(5):
        t = WEEKDAY_MORNING.timestamp() + i
        agency = "so-tnmt" if i % 2 else "phuong-cua-lo"
        detector.soc_alert(t, 12, agency, f"a{i}", "100300", ["T1486"], wall=t)
    changes = detector.evaluate(WEEKDAY_MORNING.timestamp() + 5)
    alerts = [
        {"status": "firing", "labels": c.alert.labels, "annotations": c.alert.annotations,
         "startsAt": datetime.fromtimestamp(c.alert.starts_at, UTC).isoformat()}
        for c in changes
    ]  # fmt: skip
    printed = render("oncall", {"status": "firing", "alerts": alerts})
    assert "Sở Nông nghiệp và Môi trường" in printed and "Phường Cửa Lò" in printed
    ids = {a.id for a in catalog.agencies} | {s.id for s in catalog.services}
    assert not [i for i in ids if re.search(rf"(?<![\w-]){re.escape(i)}(?![\w-])", printed)]
    assert "UTC+7" in printed and not re.search(r"\d{4}-\d{2}-\d{2}T|Z\b", printed)
