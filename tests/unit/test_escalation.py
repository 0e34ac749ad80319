"""Escalation (issue 31, part 4): a page nobody acknowledges goes to the secondary on call,
then to the head of the operations centre, each step once; an acknowledgement or a
resolution ends the chain; a detector taking over resumes each chain where it was."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from ioc.alerting.escalation import (
    ESCALATION_ALERT,
    FORGET_AFTER_SECONDS,
    Chain,
    Escalator,
    Page,
    page_of,
    team_of,
)
from ioc.alerting.model import AlertChange
from ioc.alerting.rules import EscalationStep

STEPS = {
    "page": [EscalationStep(to="secondary", after=900),
             EscalationStep(to="head_of_operations", after=1800)],
}  # fmt: skip
T0 = 1_790_000_000.0
SOC_BURST = {"alertname": "SocBurst", "severity": "page", "domain": "soc", "agency": "so-tc"}


def page(
    labels: dict[str, str] | None = None, acked: bool = False, inhibited: bool = False
) -> Page:
    return Page(dict(labels or SOC_BURST), {"summary": "Dồn dập / Burst"}, "a1b2c3d4e5f60718",
                acknowledged=acked, inhibited=inhibited)  # fmt: skip


def fired(changes: list[AlertChange]) -> list[str]:
    return [c.alert.labels["escalation"] for c in changes if c.status == "firing"]


def resolved(changes: list[AlertChange]) -> list[str]:
    return [c.alert.labels["escalation"] for c in changes if c.status == "resolved"]


def run(escalator: Escalator, pages: list[Page], times: list[float]) -> list[AlertChange]:
    out: list[AlertChange] = []
    for t in times:
        out += escalator.update(pages, t)[0]
    return out


def test_an_unacknowledged_page_goes_to_the_secondary_after_its_time_once() -> None:
    e = Escalator(STEPS)
    changes = run(e, [page()], [T0, T0 + 899, T0 + 900, T0 + 901, T0 + 1200])
    assert fired(changes) == ["secondary"]


def test_then_to_the_head_of_operations_once() -> None:
    e = Escalator(STEPS)
    changes = run(e, [page()], [T0 + s for s in range(0, 4000, 30)])
    assert fired(changes) == ["secondary", "head_of_operations"]


def test_the_step_alert_names_the_team_and_the_page_it_escalates() -> None:
    e = Escalator(STEPS)
    (change,) = run(e, [page()], [T0, T0 + 900])
    labels = change.alert.labels
    assert labels["alertname"] == ESCALATION_ALERT and labels["severity"] == "page"
    assert labels["team"] == "incident_response" and labels["escalated_alertname"] == "SocBurst"
    assert labels["agency"] == "so-tc"
    assert change.alert.annotations["page_ref"] == "a1b2c3d4e5f60718"
    assert "ioc ack a1b2c3d4e5f60718" in change.alert.annotations["acknowledge"]
    assert change.alert.starts_at == T0 + 900


def test_an_acknowledged_page_does_not_escalate() -> None:
    e = Escalator(STEPS)
    assert run(e, [page(acked=True)], [T0, T0 + 900, T0 + 3600]) == []


def test_acknowledging_mid_chain_resolves_the_steps_sent_and_sends_no_more() -> None:
    e = Escalator(STEPS)
    before = run(e, [page()], [T0, T0 + 900])
    after = run(e, [page(acked=True)], [T0 + 1000, T0 + 2000, T0 + 4000])
    assert fired(before) == ["secondary"]
    assert resolved(after) == ["secondary"] and fired(after) == []


def test_a_page_that_resolves_ends_its_chain() -> None:
    e = Escalator(STEPS)
    run(e, [page()], [T0, T0 + 900])
    changes = run(e, [], [T0 + 1000, T0 + 2000])
    assert resolved(changes) == ["secondary"] and fired(changes) == []


def test_the_chain_counts_from_the_first_sighting_not_the_start_of_the_incident() -> None:
    e = Escalator(STEPS)
    # Seen for the first time at T0 + 5000, e.g. a replay of an old incident.
    assert run(e, [page()], [T0 + 5000, T0 + 5899]) == []


def test_an_inhibited_page_and_a_ticket_do_not_escalate() -> None:
    e = Escalator(STEPS)
    ticket = {**SOC_BURST, "severity": "ticket"}
    assert run(e, [page(inhibited=True), page(ticket)], [T0, T0 + 4000]) == []


def test_the_escalations_themselves_do_not_escalate() -> None:
    e = Escalator(STEPS)
    step = {**SOC_BURST, "alertname": ESCALATION_ALERT, "escalation": "secondary"}
    assert run(e, [page(step)], [T0, T0 + 4000]) == []


def test_a_page_back_after_its_acknowledgement_ran_out_starts_a_new_chain() -> None:
    e = Escalator(STEPS)
    run(e, [page()], [T0, T0 + 900])
    run(e, [page(acked=True)], [T0 + 1000])
    again = run(e, [page()], [T0 + 50_000, T0 + 50_899])
    assert again == []  # the whole delay again, not every step at once
    assert fired(run(e, [page()], [T0 + 50_900])) == ["secondary"]


Log = list[tuple[str, bytes | None]]


def handover(e: Escalator, changed: dict[str, Chain | None], log: Log) -> Escalator:
    for key, chain in changed.items():
        log.append((key, None if chain is None else chain.to_record()))
    return e


def test_a_handover_mid_chain_neither_repeats_nor_skips_a_step() -> None:
    old, log = Escalator(STEPS), Log()
    sent: list[AlertChange] = []
    for t in (T0, T0 + 600, T0 + 900, T0 + 1200):
        changes, changed = old.update([page()], t)
        handover(old, changed, log)
        sent += changes
    new = Escalator(STEPS)
    new.restore(log)
    assert [a.labels["escalation"] for a in new.firing()] == ["secondary"]  # re-sent, not paged
    for t in range(int(T0 + 1300), int(T0 + 4000), 30):
        sent += new.update([page()], t)[0]
    assert fired(sent) == ["secondary", "head_of_operations"]


def test_a_step_due_while_no_worker_owned_the_detector_is_sent_once_by_the_next() -> None:
    old, log = Escalator(STEPS), Log()
    handover(old, old.update([page()], T0)[1], log)
    new = Escalator(STEPS)
    new.restore(log)
    changes = run(new, [page()], [T0 + 1000, T0 + 1001])
    assert fired(changes) == ["secondary"]


def test_a_finished_chain_is_forgotten_with_a_tombstone() -> None:
    e = Escalator(STEPS)
    e.update([page()], T0)
    e.update([], T0 + 10)
    _, changed = e.update([], T0 + 10 + FORGET_AFTER_SECONDS + 1)
    assert list(changed.values()) == [None] and e.chains == {}


def test_teams_by_domain() -> None:
    assert team_of({"domain": "correlated"}) == "incident_response"
    assert team_of({"domain": "uptime"}) == "it_operations"
    assert team_of({"alertname": "IocWorkerDown"}) == "it_operations"


def test_alertmanager_items_that_are_not_pages_are_skipped() -> None:
    assert page_of({"labels": None}) is None
    assert page_of({}) is None
    item = {"labels": SOC_BURST, "fingerprint": "ab", "status": {"silencedBy": ["s1"]}}
    got = page_of(item)
    assert got is not None and got.acknowledged and not got.inhibited


def test_an_unreadable_chain_record_is_skipped() -> None:
    e = Escalator(STEPS)
    e.restore([("k1", b"{"), ("k2", b'{"labels": 1}')])
    assert e.chains == {}


moments = st.lists(
    st.tuples(st.integers(0, 400), st.booleans(), st.booleans()), min_size=1, max_size=60
)


@settings(max_examples=200, deadline=None)
@given(moments)
def test_no_step_is_sent_twice_in_one_chain_whatever_happens(
    schedule: list[tuple[int, bool, bool]],
) -> None:
    """Time jumps, acknowledgements and absences in any order: while one chain runs, each
    step fires at most once, and a step fires only for a page that is there, unacknowledged."""
    e = Escalator(STEPS)
    t = T0
    for jump, present, acked in schedule:
        t += jump * 10
        pages = [page(acked=acked)] if present else []
        running_before = {k: list(c.sent) for k, c in e.chains.items() if c.ended is None}
        changes, _ = e.update(pages, t)
        for change in changes:
            if change.status == "firing":
                assert present and not acked
                step = change.alert.labels["escalation"]
                assert step not in running_before.get(page().key, [])
