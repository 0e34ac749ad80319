"""Stream-side detection rules, fed observations directly (no broker)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from ioc.alerting import Detector, EventClock, fingerprint
from ioc.alerting.detect import quantile, stalled_since
from ioc.alerting.rules import AlertRules, IntakeStallRule
from ioc.catalog import Catalog, load_catalog
from ioc.catalog.calendar import WorkingCalendar

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
# A Tuesday, 10:00 local: office hours.
T0 = datetime(2026, 11, 17, 10, 0, tzinfo=TZ).timestamp()
NIGHT = datetime(2026, 11, 17, 23, 0, tzinfo=TZ).timestamp()


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture
def detector(catalog: Catalog) -> Detector:
    return Detector(AlertRules(), catalog)


def firing(d: Detector) -> set[tuple[str, str]]:
    """(alert name, what it is about) of the firing alerts."""
    about = ("service", "agency", "technique")
    return {(a.name, next(a.labels[k] for k in about if k in a.labels)) for a in d.active.values()}


def changes_of(d: Detector, wall: float, name: str) -> list[tuple[str, str]]:
    return [(c.alert.name, c.status) for c in d.evaluate(wall) if c.alert.name == name]


def probes(
    d: Detector, service: str, results: list[bool], start: float, every: float = 30
) -> float:
    t = start
    for ok in results:
        d.probe(t, service, ok, 0.2, wall=t)
        t += every
    return t - every


def test_two_failures_then_a_success_never_page(detector: Detector) -> None:
    t = probes(detector, "cong-dvc", [True, False, False, True], T0)
    detector.evaluate(t)
    assert ("ServiceDown", "cong-dvc") not in firing(detector)


def test_three_failures_page_and_two_successes_resolve(detector: Detector) -> None:
    t = probes(detector, "cong-dvc", [True, False, False, False], T0)
    changes = [c for c in detector.evaluate(t) if c.alert.name == "ServiceDown"]
    assert [(c.alert.name, c.status) for c in changes] == [("ServiceDown", "firing")]
    assert changes[0].alert.labels == {
        "alertname": "ServiceDown",
        "severity": "page",
        "domain": "uptime",
        "agency": "so-tttt",
        "service": "cong-dvc",
    }
    assert changes[0].alert.starts_at == T0 + 30  # the first failure of the streak
    t = probes(detector, "cong-dvc", [True], t + 30)
    assert changes_of(detector, t, "ServiceDown") == []
    t = probes(detector, "cong-dvc", [True], t + 30)
    assert changes_of(detector, t, "ServiceDown") == [("ServiceDown", "resolved")]


def test_service_down_is_suppressed_in_declared_maintenance(catalog: Catalog) -> None:
    window = catalog.maintenance[0]
    d = Detector(AlertRules(), catalog)
    start = window.start.timestamp() + 60
    t = probes(d, window.service, [False] * 5, start)
    d.evaluate(t)
    assert ("ServiceDown", window.service) not in firing(d)


def test_probe_silence_fires_after_three_intervals_by_the_wall_clock(detector: Detector) -> None:
    probes(detector, "lgsp", [True], T0)
    detector.evaluate(T0 + 89)
    assert ("ProbeSilence", "lgsp") not in firing(detector)
    detector.evaluate(T0 + 91)
    assert ("ProbeSilence", "lgsp") in firing(detector)


def test_probe_silence_resolves_when_results_come_back(detector: Detector) -> None:
    probes(detector, "lgsp", [True], T0)
    detector.evaluate(T0 + 120)
    detector.probe(T0 + 120, "lgsp", True, 0.1, wall=T0 + 120)
    changes = detector.evaluate(T0 + 120)
    assert ("ProbeSilence", "resolved") in [(c.alert.name, c.status) for c in changes]


def test_latency_p95_above_threshold_raises_a_ticket(detector: Detector) -> None:
    for i in range(10):
        detector.probe(T0 + i * 30, "lgsp", True, 1.5, wall=T0 + i * 30)  # threshold 1.0 s
    detector.evaluate(T0 + 270)
    alert = next(a for a in detector.active.values() if a.name == "LatencyDegraded")
    assert alert.severity == "ticket"
    assert "1.50s" in alert.annotations["description"]


def test_latency_under_threshold_is_quiet(detector: Detector) -> None:
    for i in range(20):  # one slow probe in 20 is above p95's rank
        detector.probe(T0 + i * 15, "lgsp", True, 0.3 if i else 5.0, wall=T0 + i * 15)
    detector.evaluate(T0 + 285)
    assert ("LatencyDegraded", "lgsp") not in firing(detector)


def soc(
    d: Detector, t: float, level: int, agency: str, agent: str = "a1", technique: str = "T1110"
) -> None:
    d.soc_alert(t, level, agency, agent, "100300", [technique], wall=t)


def test_one_critical_alert_pages_at_once_and_resolves_after_the_hold(detector: Detector) -> None:
    soc(detector, T0, 15, "so-tc")
    assert [(c.alert.name, c.status) for c in detector.evaluate(T0)] == [("SocCritical", "firing")]
    assert detector.evaluate(T0 + 899) == []
    assert [(c.alert.name, c.status) for c in detector.evaluate(T0 + 901)] == [
        ("SocCritical", "resolved")
    ]


def test_nine_high_alerts_in_five_minutes_are_not_a_burst(detector: Detector) -> None:
    for i in range(9):
        soc(detector, T0 + i, 12, "so-tc", agent=f"a{i % 2}")
    detector.evaluate(T0 + 10)
    assert ("SocBurst", "so-tc") not in firing(detector)


def test_ten_high_alerts_in_five_minutes_are_a_burst_until_the_window_passes(
    detector: Detector,
) -> None:
    for i in range(10):
        soc(detector, T0 + i, 12, "so-tc", agent="a1")
    detector.evaluate(T0 + 10)
    assert ("SocBurst", "so-tc") in firing(detector)
    detector.evaluate(T0 + 301)
    assert ("SocBurst", "so-tc") not in firing(detector)


def test_same_technique_on_five_agents_in_two_agencies_is_a_campaign(detector: Detector) -> None:
    for i in range(5):
        agency = "so-tc" if i % 2 else "phuong-cua-lo"
        soc(detector, T0 + i, 12, agency, agent=f"a{i}", technique="T1486")
    detector.evaluate(T0 + 5)
    alert = next(a for a in detector.active.values() if a.name == "SocCampaign")
    assert alert.labels["technique"] == "T1486"
    assert "agency" not in alert.labels


def test_same_technique_within_one_agency_is_not_a_campaign(detector: Detector) -> None:
    for i in range(8):
        soc(detector, T0 + i, 12, "so-tc", agent=f"a{i}", technique="T1486")
    detector.evaluate(T0 + 8)
    assert ("SocCampaign", "T1486") not in firing(detector)


def test_low_level_alerts_never_make_a_campaign(detector: Detector) -> None:
    for i in range(50):
        agency = "so-tc" if i % 2 else "phuong-cua-lo"
        soc(detector, T0 + i, 3, agency, agent=f"a{i}", technique="T1078")
    detector.evaluate(T0 + 50)
    assert detector.active == {}


def test_overdue_backlog_sums_partitions_and_fires_above_threshold(detector: Detector) -> None:
    detector.dossier_received(T0, wall=T0)
    detector.overdue_counts("dossier:0", {"so-tnmt": 20})
    detector.evaluate(T0)
    assert ("DossierOverdueBacklog", "so-tnmt") not in firing(detector)
    detector.overdue_counts("dossier:1", {"so-tnmt": 6})
    detector.evaluate(T0)
    assert ("DossierOverdueBacklog", "so-tnmt") in firing(detector)


def test_intake_stall_fires_after_thirty_quiet_minutes_in_office_hours(detector: Detector) -> None:
    detector.dossier_received(T0, wall=T0)
    detector.evaluate(T0 + 1799)
    assert ("IntakeStall", "cong-dvc") not in firing(detector)
    detector.evaluate(T0 + 1801)
    assert ("IntakeStall", "cong-dvc") in firing(detector)


def test_no_intake_stall_at_night(detector: Detector) -> None:
    detector.dossier_received(NIGHT - 7200, wall=NIGHT - 7200)
    detector.evaluate(NIGHT)
    assert detector.active == {}


# Office hours on both sides of each boundary: the intake-stall rule must not depend on the
# hour the suite runs at, and must change exactly at the edges of office hours.
STALL = IntakeStallRule()
QUIET_SINCE = datetime(2026, 11, 17, 6, 0, tzinfo=TZ).timestamp()  # Tuesday, before opening


@pytest.mark.parametrize(
    ("local", "stalled"),
    [
        (datetime(2026, 11, 17, 7, 59, 59, tzinfo=TZ), False),  # 29:59 after opening
        (datetime(2026, 11, 17, 8, 0, 0, tzinfo=TZ), True),  # 30:00 after opening
        (datetime(2026, 11, 17, 16, 59, 59, tzinfo=TZ), True),  # last second of the day
        (datetime(2026, 11, 17, 17, 0, 0, tzinfo=TZ), False),  # closing time
        (datetime(2026, 11, 20, 12, 0, tzinfo=TZ), True),  # Friday noon
        (datetime(2026, 11, 21, 12, 0, tzinfo=TZ), False),  # Saturday noon
        (datetime(2026, 11, 22, 12, 0, tzinfo=TZ), False),  # Sunday noon
        (datetime(2026, 11, 23, 7, 29, 59, tzinfo=TZ), False),  # Monday before opening
    ],
    ids=lambda v: v.strftime("%a-%H%M%S") if isinstance(v, datetime) else str(v),
)
def test_intake_stall_holds_only_inside_office_hours(local: datetime, stalled: bool) -> None:
    calendar = WorkingCalendar.of(load_catalog())
    since = stalled_since(QUIET_SINCE, local.timestamp(), STALL, calendar)
    assert (since is not None) == stalled


def test_intake_stall_resolves_at_closing_time(detector: Detector) -> None:
    detector.dossier_received(T0, wall=T0)
    detector.evaluate(T0 + 1801)
    assert ("IntakeStall", "cong-dvc") in firing(detector)
    closing = datetime(2026, 11, 17, 17, 0, tzinfo=TZ).timestamp()
    changes = detector.evaluate(closing)
    assert [(c.alert.name, c.status) for c in changes] == [("IntakeStall", "resolved")]


def test_intake_stall_counts_from_the_office_opening() -> None:
    d = Detector(AlertRules(), load_catalog())
    opening = datetime(2026, 11, 17, 7, 30, tzinfo=TZ).timestamp()
    d.dossier_received(opening - 14 * 3600, wall=opening - 14 * 3600)  # yesterday evening
    d.evaluate(opening + 1700)
    assert d.active == {}
    d.evaluate(opening + 1801)
    assert ("IntakeStall", "cong-dvc") in firing(d)


def test_outage_with_attack_on_the_hosting_agency_is_one_correlated_incident(
    detector: Detector,
) -> None:
    soc(detector, T0 - 600, 12, "so-tttt")
    t = probes(detector, "cong-dvc", [False, False, False], T0)
    detector.evaluate(t)
    incident = next(a for a in detector.active.values() if a.name == "CorrelatedIncident")
    assert incident.labels == {
        "alertname": "CorrelatedIncident",
        "severity": "page",
        "domain": "correlated",
        "agency": "so-tttt",
        "service": "cong-dvc",
    }


def test_outage_without_attack_is_not_correlated(detector: Detector) -> None:
    soc(detector, T0 - 600, 12, "so-tc")  # another agency
    t = probes(detector, "cong-dvc", [False, False, False], T0)
    detector.evaluate(t)
    assert ("CorrelatedIncident", "cong-dvc") not in firing(detector)


def test_attack_long_before_the_outage_is_not_correlated(detector: Detector) -> None:
    soc(detector, T0 - 1000, 12, "so-tttt")  # beyond the 15 minute window
    t = probes(detector, "cong-dvc", [False, False, False], T0)
    detector.evaluate(t)
    assert ("CorrelatedIncident", "cong-dvc") not in firing(detector)


def test_repeated_evaluation_reports_each_change_once(detector: Detector) -> None:
    soc(detector, T0, 16, "so-tc")
    assert len(detector.evaluate(T0)) == 1
    assert detector.evaluate(T0 + 1) == []


def test_fingerprint_depends_on_labels_not_their_order() -> None:
    a = fingerprint({"alertname": "X", "agency": "so-tc"})
    assert a == fingerprint({"agency": "so-tc", "alertname": "X"})
    assert a != fingerprint({"alertname": "X", "agency": "so-yt"})


def test_event_clock_moves_with_the_wall_clock_while_idle() -> None:
    clock = EventClock()
    assert clock.now(1_000.0) is None
    clock.observe(990.0, wall=1_000.0)  # events come a little after their time
    assert clock.now(1_030.0) == 1_020.0
    clock.observe(1_010.0, wall=1_030.0)  # older than the advanced clock: no step back
    assert clock.now(1_030.0) == 1_020.0


def test_event_clock_never_runs_ahead_of_the_wall_clock() -> None:
    clock = EventClock()
    clock.observe(1_280.0, wall=1_000.0)  # 280 s in the future, within the allowed skew
    assert clock.now(1_000.0) == 1_000.0


@pytest.mark.parametrize(("q", "expected"), [(0.5, 5.0), (0.95, 10.0), (1.0, 10.0), (0.1, 1.0)])
def test_quantile_is_nearest_rank(q: float, expected: float) -> None:
    assert quantile([float(i) for i in range(1, 11)], q) == expected


def test_another_partition_running_ahead_is_not_probe_silence(detector: Detector) -> None:
    detector.probe(T0, "lgsp", True, 0.1, wall=T0, partition="uptime:1")
    # A replay: uptime:0 is 10 minutes ahead of uptime:1 at the same wall instant.
    detector.probe(T0 + 600, "cong-dvc", True, 0.1, wall=T0, partition="uptime:0")
    detector.evaluate(T0 + 1)
    assert ("ProbeSilence", "lgsp") not in firing(detector)


def test_made_up_technique_ids_fold_into_one_other_campaign(detector: Detector) -> None:
    for i in range(200):  # 200 forged ids, each on 5 agents over 2 agencies
        for a in range(5):
            soc(detector, T0 + i * 0.01, 12, "so-tc" if a % 2 else "phuong-cua-lo", agent=f"a{a}",
                technique=f"T{9000 + i}")  # fmt: skip
    detector.evaluate(T0 + 5)
    campaigns = [a for a in detector.active.values() if a.name == "SocCampaign"]
    assert [a.labels["technique"] for a in campaigns] == ["other"]


def test_a_rule_fires_at_most_its_cap_and_counts_the_rest() -> None:
    rules = AlertRules(max_firing_per_rule=3)
    d = Detector(rules, load_catalog())
    agencies = [a.id for a in load_catalog().agencies[:5]]
    for agency in agencies:
        soc(d, T0, 15, agency)
    changes = d.evaluate(T0)
    assert len([c for c in changes if c.alert.name == "SocCritical"]) == 3
    assert d.capped == {"SocCritical": 2}


def test_a_probe_from_the_future_does_not_make_its_partition_silent(detector: Detector) -> None:
    services = [s.id for s in load_catalog().services]
    for i in range(10):  # every service probed every 30 s, on one partition
        for service in services:
            detector.probe(T0 + 30 * i, service, True, 0.1, wall=T0 + 30 * i, partition="u:0")
    # One probe dated 280 s ahead (within the allowed skew) on the same partition.
    detector.probe(T0 + 270 + 280, "ioffice", True, 0.1, wall=T0 + 270, partition="u:0")
    detector.evaluate(T0 + 275)
    assert [a.name for a in detector.active.values()] == []


def _quiet_day(local_day: datetime) -> Detector:
    """A detector whose last dossier came the evening before ``local_day``, evaluated at 10:00."""
    d = Detector(AlertRules(), load_catalog())
    evening = (local_day - timedelta(hours=14)).timestamp()
    d.dossier_received(evening, wall=evening)
    d.evaluate(local_day.replace(hour=10).timestamp())
    return d


def test_no_intake_stall_on_a_tet_weekday() -> None:
    d = _quiet_day(datetime(2026, 2, 18, 8, 0, tzinfo=TZ))  # Wednesday, mùng 2 Tết
    assert ("IntakeStall", "cong-dvc") not in firing(d)


def test_an_intake_stall_on_a_compensatory_saturday() -> None:
    d = _quiet_day(datetime(2026, 8, 22, 8, 0, tzinfo=TZ))  # worked for Monday 31/08
    assert ("IntakeStall", "cong-dvc") in firing(d)


def test_no_intake_stall_on_the_monday_swapped_for_that_saturday() -> None:
    d = _quiet_day(datetime(2026, 8, 31, 8, 0, tzinfo=TZ))
    assert ("IntakeStall", "cong-dvc") not in firing(d)


def test_an_intake_stall_in_the_last_working_hour_before_tet_resolves_at_closing() -> None:
    d = Detector(AlertRules(), load_catalog())
    friday = datetime(2026, 2, 13, 16, 0, tzinfo=TZ).timestamp()  # the last office day
    d.dossier_received(friday - 60, wall=friday - 60)
    d.evaluate(friday + 1801)
    assert ("IntakeStall", "cong-dvc") in firing(d)
    changes = d.evaluate(datetime(2026, 2, 13, 17, 0, tzinfo=TZ).timestamp())
    assert [(c.alert.name, c.status) for c in changes] == [("IntakeStall", "resolved")]


def test_intake_stall_in_a_year_the_calendar_lacks_follows_plain_office_weeks() -> None:
    d = _quiet_day(datetime(2030, 2, 5, 8, 0, tzinfo=TZ))  # a Tuesday (Tết 2030 unlisted)
    assert ("IntakeStall", "cong-dvc") in firing(d)


def test_a_page_says_the_service_and_agency_by_name_and_keeps_the_ids_as_labels(
    detector: Detector,
) -> None:
    t = probes(detector, "cong-dvc", [True, False, False, False], T0)
    (change,) = [c for c in detector.evaluate(t) if c.alert.name == "ServiceDown"]
    alert = change.alert
    assert alert.labels["service"] == "cong-dvc" and alert.labels["agency"] == "so-tttt"
    text = alert.annotations["summary"] + alert.annotations["description"]
    assert "Cổng dịch vụ công" in text and "Sở Khoa học và Công nghệ" in text
    assert "cong-dvc" not in text and "so-tttt" not in text
    assert alert.annotations["agency_name"] == "Sở Khoa học và Công nghệ"


def test_a_campaign_lists_its_agencies_by_name(detector: Detector) -> None:
    for i in range(5):
        agency = "so-tc" if i % 2 else "phuong-cua-lo"
        soc(detector, T0 + i, 12, agency, agent=f"a{i}", technique="T1486")
    detector.evaluate(T0 + 5)
    alert = next(a for a in detector.active.values() if a.name == "SocCampaign")
    assert "Phường Cửa Lò" in alert.annotations["description"]
    assert "Sở Tài chính" in alert.annotations["description"]
    assert "phuong-cua-lo" not in alert.annotations["description"]
