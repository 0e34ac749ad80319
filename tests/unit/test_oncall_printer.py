"""What ``ioc oncall`` prints for a person: times in province time."""

from __future__ import annotations

from ioc.runtime.oncall import province_time, render


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
