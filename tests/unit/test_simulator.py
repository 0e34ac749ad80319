from __future__ import annotations

import itertools
import random
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from ioc.catalog import Catalog
from ioc.config import ConfigError
from ioc.contracts import DossierEvent, FeedbackEvent, SocAlert, UptimeProbe
from ioc.contracts.events import SOURCES, Source
from ioc.ingest import EventValidator, Rejected
from ioc.simulate import GroundTruth, Simulator, load_scenarios
from ioc.simulate.bad import BAD_KINDS, expected_reason, make_bad
from ioc.simulate.profile import FeedbackSurge, ScenarioFile, ServiceOutage, SocCampaign
from tests.conftest import HCM, MONTH_END, SUNDAY, T0, TET, WEEKDAY_MORNING, WEEKDAY_NIGHT


def take(sim: Simulator, n: int) -> list:  # type: ignore[type-arg]
    return list(itertools.islice(sim.events(), n))


def test_same_seed_gives_the_same_events(catalog: Catalog) -> None:
    a = take(Simulator(catalog, seed=7, start=T0), 2000)
    b = take(Simulator(catalog, seed=7, start=T0), 2000)
    assert [e.event for e in a] == [e.event for e in b]


def test_events_come_out_in_event_time_order(catalog: Catalog) -> None:
    times = [e.event.event_time for e in take(Simulator(catalog, seed=1, start=T0), 5000)]
    assert times == sorted(times)


def test_event_ids_are_unique(catalog: Catalog) -> None:
    events = take(Simulator(catalog, seed=1, start=T0), 5000)
    assert len({e.event.event_id for e in events}) == len(events)


def test_soc_alerts_are_mostly_low_level(catalog: Catalog) -> None:
    events = take(Simulator(catalog, seed=1, start=T0), 5000)
    severities = Counter(e.event.severity for e in events if isinstance(e.event, SocAlert))
    assert severities["low"] > 0.7 * sum(severities.values())


def received_in_first_hour(sim: Simulator) -> list[DossierEvent]:
    out: list[DossierEvent] = []
    for e in sim.events():
        if sim.time_of(e.event) >= 3600:
            return out
        if isinstance(e.event, DossierEvent) and e.event.lifecycle == "received":
            out.append(e.event)
    raise AssertionError("unreachable")


def test_dossiers_arrive_mostly_in_office_hours(catalog: Catalog) -> None:
    monday_10h = T0 + timedelta(hours=1)  # 10:00 in Asia/Ho_Chi_Minh
    monday_02h = T0 - timedelta(hours=7)  # 02:00
    day = received_in_first_hour(Simulator(catalog, seed=1, start=monday_10h, rate=2))
    night = received_in_first_hour(Simulator(catalog, seed=1, start=monday_02h, rate=2))
    assert len(day) > 4 * len(night) > 0


def test_only_online_dossiers_arrive_at_night(catalog: Catalog) -> None:
    night = received_in_first_hour(
        Simulator(catalog, seed=1, start=T0 - timedelta(hours=7), rate=2)
    )
    assert {d.channel for d in night} == {"online"}


def test_sunday_morning_brings_only_online_dossiers(catalog: Catalog) -> None:
    sunday = received_in_first_hour(Simulator(catalog, seed=1, start=SUNDAY, rate=2))
    weekday = received_in_first_hour(Simulator(catalog, seed=1, start=WEEKDAY_MORNING, rate=2))
    assert {d.channel for d in sunday} == {"online"}
    assert len(weekday) > 4 * len(sunday) > 0


def test_events_are_keyed_by_their_entity(catalog: Catalog) -> None:
    for e in take(Simulator(catalog, seed=1, start=T0), 2000):
        if isinstance(e.event, UptimeProbe):
            assert e.key == e.event.service
        elif isinstance(e.event, DossierEvent):
            assert e.key == e.event.dossier_id
        elif isinstance(e.event, SocAlert):
            assert e.key == e.event.agent.id


def test_outage_scenario_fails_every_probe_of_the_service_in_its_window(catalog: Catalog) -> None:
    scenarios = ScenarioFile(
        scenarios=[ServiceOutage(kind="service_outage", service="lgsp", start=60, duration=120)]
    )
    sim = Simulator(catalog, seed=1, start=T0, rate=10, scenarios=scenarios)
    probes = [
        e.event
        for e in take(sim, 6000)
        if isinstance(e.event, UptimeProbe) and e.event.service == "lgsp"
    ]
    inside = [p for p in probes if 60 <= sim.time_of(p) < 180]
    assert inside and all(not p.success and p.error_class == "timeout" for p in inside)


def test_campaign_scenario_spreads_one_technique_over_agencies(catalog: Catalog) -> None:
    campaign = SocCampaign(
        kind="soc_campaign",
        technique="T1110.001",
        agencies=["so-tp", "phuong-cua-lo"],
        agents=6,
        alerts_per_second=2,
        start=0,
        duration=300,
    )
    sim = Simulator(
        catalog, seed=1, start=T0, rate=10, scenarios=ScenarioFile(scenarios=[campaign])
    )
    hits = [
        e.event
        for e in take(sim, 5000)
        if isinstance(e.event, SocAlert)
        and "T1110.001" in e.event.rule.mitre.id
        and e.event.rule.id == "100300"
    ]
    assert {a.agency for a in hits} == {"so-tp", "phuong-cua-lo"}
    assert len({a.agent.id for a in hits}) <= 6


def test_feedback_surge_brings_citizen_feedback_to_its_agency(catalog: Catalog) -> None:
    surge = FeedbackSurge(kind="feedback_surge", agency="phuong-cua-lo", start=0, duration=300)

    def feedback_at(scenarios: ScenarioFile) -> Counter[str]:
        sim = Simulator(catalog, seed=3, start=T0, rate=50, scenarios=scenarios)
        return Counter(
            e.event.agency
            for e in take(sim, 20_000)
            if isinstance(e.event, FeedbackEvent) and e.event.lifecycle == "received"
        )

    quiet = feedback_at(ScenarioFile(background_incidents=False))
    surging = feedback_at(ScenarioFile(background_incidents=False, scenarios=[surge]))
    assert surging["phuong-cua-lo"] >= 10 * max(quiet["phuong-cua-lo"], 1)


def test_simulated_dossiers_carry_what_the_portal_scores(catalog: Catalog) -> None:
    dossiers = [
        e.event
        for e in take(Simulator(catalog, seed=1, start=T0), 20_000)
        if isinstance(e.event, DossierEvent)
    ]
    assert {d.schema_version for d in dossiers} == {2}
    # Only procedures eligible for full-online provision are full online.
    assert all(d.full_online_eligible for d in dossiers if d.full_online)
    assert all(d.fee_required for d in dossiers if d.paid_online)
    assert any(d.portal_synced_time is None for d in dossiers)
    assert any(d.electronic_result for d in dossiers if d.lifecycle == "resolved")


def test_bundled_demo_scenarios_load() -> None:
    path = Path(__file__).parents[2] / "ioc" / "simulate" / "scenarios" / "demo.yaml"
    assert len(load_scenarios(path).scenarios) == 4


def test_bad_scenario_names_file_and_field(tmp_path: Path) -> None:
    file = tmp_path / "s.yaml"
    file.write_text(
        "scenarios:\n  - kind: service_outage\n    service: x\n    start: soon\n    duration: 5m\n"
    )
    with pytest.raises(ConfigError, match=r"s\.yaml:4: scenarios\[0\]\.start: Input should be"):
        load_scenarios(file)


def test_ground_truth_counts_what_was_recorded(catalog: Catalog) -> None:
    truth = GroundTruth(catalog)
    events = take(Simulator(catalog, seed=3, start=T0), 1000)
    for e in events:
        truth.record(e.event)
    processed = sum(
        v for (name, _), v in truth.samples.items() if name == "ioc_events_processed_total"
    )
    assert processed == 1000


@pytest.mark.parametrize("kind", BAD_KINDS)
@pytest.mark.parametrize("source", SOURCES)
def test_every_bad_kind_is_dead_lettered_for_the_reason_it_claims(
    catalog: Catalog, kind: str, source: Source
) -> None:
    good = next(
        e.event
        for e in Simulator(catalog, seed=2, start=T0).events()
        if e.source == source and getattr(e.event, "lifecycle", "received") == "received"
    )
    value = make_bad(kind, good, random.Random(1), max_message_bytes=65_536)
    checked = EventValidator(
        source, catalog, max_message_bytes=65_536, max_future_skew_seconds=300
    ).check(value, T0.timestamp() + 600)
    assert isinstance(checked, Rejected)
    assert checked.reason == expected_reason(kind, good), checked.detail


@pytest.mark.parametrize(
    ("start", "office"),
    [
        (MONTH_END, True),
        (TET, False),
        (WEEKDAY_NIGHT, False),
        (datetime(2026, 2, 18, 10, 0, tzinfo=HCM), False),  # a Tết weekday
        (datetime(2026, 8, 22, 10, 0, tzinfo=HCM), True),  # a compensatory Saturday
    ],
    ids=["month-end-16h30", "tet-saturday", "weekday-night", "tet-wednesday", "worked-saturday"],
)
def test_dossier_channels_follow_office_hours_at_named_times(
    catalog: Catalog, start: datetime, office: bool
) -> None:
    # Half an hour from the start: month end stays inside office hours until 17:00.
    sim = Simulator(catalog, seed=1, start=start, rate=2)
    dossiers = []
    for e in sim.events():
        if e.event.event_time >= start + timedelta(minutes=30):
            break
        if isinstance(e.event, DossierEvent) and e.event.lifecycle == "received":
            dossiers.append(e.event)
    assert dossiers
    assert ({d.channel for d in dossiers} != {"online"}) == office
