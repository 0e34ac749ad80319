"""The functional core is total: every event that passes validation goes through facts, the
aggregate, the gauges, the detector, alert texts and delivery payloads without raising, at
any time the contracts allow and any clock reading (issue 12).

Events come from Hypothesis strategies built on the contracts (tests/strategies.py), with
times at the edges of the contract's years in every UTC offset, the longest ids, any Unicode
text and made-up MITRE ids.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ioc.aggregate import PartitionState, apply_batch, merge_states
from ioc.aggregate.gauges import gauges, overdue_by_agency
from ioc.aggregate.state import Lookups
from ioc.alerting import Detector
from ioc.alerting.delivery import DeliveryQueue, alertmanager_body
from ioc.alerting.rules import load_rules
from ioc.alerting.signals import feed, overdue_signal, signal_of
from ioc.catalog import load_catalog
from ioc.contracts.events import SOURCE_OF, SOURCES, Event
from ioc.ingest import EventValidator, Rejected, fact_of
from ioc.ingest.batch import Batch
from tests.strategies import events, times

CATALOG = load_catalog()
LOOKUPS = Lookups.from_catalog(CATALOG)
RULES = load_rules()
MIN_LEVEL = 0
VALIDATORS = {
    source: EventValidator(
        source,  # type: ignore[arg-type]
        CATALOG,
        max_message_bytes=1 << 20,
        # No window around "now" here: the core must also survive what the window lets in
        # when the clock is wrong or shifted.
        max_future_skew_seconds=float("inf"),
        max_event_age_seconds=float("inf"),
    )
    for source in SOURCES
}


def _validated(doc: dict[str, Any]) -> Event | None:
    checked = VALIDATORS[SOURCE_OF[doc["event_type"]]].check(orjson.dumps(doc), 0.0)
    return None if isinstance(checked, Rejected) else checked


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    docs=st.lists(events(CATALOG), min_size=1, max_size=25),
    clock=times,
    later=st.integers(0, 40 * 86400),
)
def test_every_valid_event_goes_through_the_whole_core_without_error(
    docs: list[dict[str, Any]], clock: Any, later: int
) -> None:
    states = {source: PartitionState() for source in SOURCES}
    detector = Detector(RULES, CATALOG)
    queue = DeliveryQueue(buffer_size=100, resend_interval=60, max_backoff=30)
    valid = [e for e in map(_validated, docs) if e is not None]
    for offset, event in enumerate(valid):
        row = [offset, *fact_of(event)]
        state = states[event.source]
        batch = Batch(event.source, 0, offset, offset + 1, [row], [], [0])
        apply_batch(state, batch, LOOKUPS)
        signal = signal_of([row], MIN_LEVEL, f"{event.source}:0")
        if signal is not None:
            feed(detector, signal, event.event_time.timestamp())
    for wall in (clock.timestamp(), (clock + timedelta(seconds=later)).timestamp()):
        counts = overdue_by_agency(states["dossier"], wall)
        feed(detector, overdue_signal("dossier:0", counts), wall)
        for change in detector.evaluate(wall):
            orjson.dumps(change.to_record())
            queue.submit(change, wall)
        alertmanager_body(queue.due(wall))
        gauges(states.values(), wall, LOOKUPS)
    merge_states(states.values())
    for state in states.values():
        assert PartitionState.from_bytes(state.to_bytes()).next_offset == state.next_offset


@settings(max_examples=300, deadline=None)
@given(doc=events(CATALOG))
def test_every_generated_event_is_accepted_or_rejected_with_a_reason(doc: dict[str, Any]) -> None:
    checked = VALIDATORS[SOURCE_OF[doc["event_type"]]].check(orjson.dumps(doc), 0.0)
    if isinstance(checked, Rejected):
        assert checked.reason and checked.detail
    else:
        assert fact_of(checked)[1] == doc["event_id"]
