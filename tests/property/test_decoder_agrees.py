"""The hot-path decoder (ioc/ingest/decode.py) never accepts what the contract (pydantic)
rejects, and what it accepts becomes the same fact under the same key. Over events built from
the contracts, the same events with one field replaced by hostile JSON, times in every form,
and the poison corpus."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ioc.catalog import load_catalog
from ioc.contracts.events import SOURCE_OF, SOURCES
from ioc.contracts.keys import partition_key
from ioc.ingest import EventValidator, Rejected, fact_of
from ioc.ingest.decode import NotDecoded
from tests.conftest import WEEKDAY_MORNING, soc_alert
from tests.poison import CASES
from tests.strategies import events

CATALOG = load_catalog()
NOW = WEEKDAY_MORNING.timestamp()


def _validator(source: str, window: float = math.inf) -> EventValidator:
    return EventValidator(
        source,  # type: ignore[arg-type]
        CATALOG,
        max_message_bytes=1 << 20,
        max_future_skew_seconds=window,
        max_event_age_seconds=window,
    )


VALIDATORS: dict[str, EventValidator] = {source: _validator(source) for source in SOURCES}
WINDOWED: dict[str, EventValidator] = {s: _validator(s, 30 * 86400.0) for s in SOURCES}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=3),
    max_leaves=8,
)  # fmt: skip
# Time forms pydantic reads differently or not at all: no seconds, no offset, a space, seconds
# past 59, hour 24, nanoseconds, lower-case, week dates, numbers.
time_forms = st.sampled_from([
    "2026-11-24T10:00+07:00", "2026-11-24T10:00:00", "2026-11-24 10:00:00+07:00",
    "2026-11-24T10:00:60+07:00", "2026-11-24T24:00:00+07:00", "2026-11-24T10:00:00.123456789Z",
    "2026-11-24t10:00:00z", "2026-W48-2T10:00:00Z", "20261124T100000Z", "2026-11-24T10:00:00+24:00",
    "2026-11-24T10:00:00+23:59", "2026-11-24T10:00:00-00:00", "2026-02-30T10:00:00Z",
    "1999-12-31T23:59:59.999999Z", "2100-01-01T00:00:00+00:01", "2026-11-24T10:00:00.5+07:00",
    "2026-11-24T10:00:00,5+07:00", "+2026-11-24T10:00:00Z", "2026-11-24T10:00:00+0700",
]) | st.integers(0, 2**33) | st.floats(0, 2**33)  # fmt: skip


@st.composite
def hostile(draw: st.DrawFn) -> dict[str, Any]:
    """A valid event with one field, top level or nested, replaced or removed."""
    doc: dict[str, Any] = draw(events(CATALOG))
    target = doc
    while True:
        key = draw(st.sampled_from(sorted(target)))
        if isinstance(target[key], dict) and draw(st.booleans()):
            target = target[key]
            continue
        break
    action = draw(st.sampled_from(["value", "time", "drop", "extra"]))
    if action == "drop":
        del target[key]
    elif action == "time":
        target[key] = draw(time_forms)
    elif action == "extra":
        target[draw(st.text(max_size=12))] = draw(json_values)
    else:
        target[key] = draw(json_values)
    return doc


def _agree(raw: bytes | None, source: str, validators: Mapping[str, EventValidator]) -> None:
    validator = validators[source]
    contract = validator.check(raw, NOW)
    try:
        if raw is None:
            raise NotDecoded
        key, fact = validator._decode(raw)
    except NotDecoded:
        pass
    else:
        assert not isinstance(contract, Rejected) or contract.reason in (
            "unknown_reference", "future_event_time", "stale_event_time"
        ), contract  # fmt: skip
        if not isinstance(contract, Rejected):
            assert key == partition_key(contract)
            assert orjson.dumps(fact) == orjson.dumps(fact_of(contract)) or fact == fact_of(
                contract
            )
    # And the validator's answer through the fast path is the contract's answer.
    fast = validator.fact(raw, NOW)
    if isinstance(contract, Rejected):
        assert fast == contract
    else:
        assert fast == (partition_key(contract), fact_of(contract))


SETTINGS = settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@SETTINGS
@given(events(CATALOG))
def test_valid_events_decode_to_the_contracts_fact_and_key(doc: dict[str, Any]) -> None:
    _agree(orjson.dumps(doc), SOURCE_OF[doc["event_type"]], VALIDATORS)


@SETTINGS
@given(hostile())
@example(soc_alert(event_time="2026-11-24T10:00:00"))  # no offset
@example(soc_alert(rule={"id": "1", "level": 3, "description": "x",
                         "mitre": {"id": ["T1110\n"]}}))  # fmt: skip
def test_hostile_events_are_never_accepted_by_the_decoder_alone(doc: dict[str, Any]) -> None:
    tag = doc.get("event_type")
    source = SOURCE_OF.get(tag, "soc") if isinstance(tag, str) else "soc"
    raw = json.dumps(doc).encode()  # big integers and NaN as Python writes them
    _agree(raw, source, VALIDATORS)
    _agree(raw, source, WINDOWED)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_the_poison_corpus_gets_the_contracts_verdict(case: Any) -> None:
    now = datetime.fromtimestamp(NOW, WEEKDAY_MORNING.tzinfo)
    for raw in case.make(now):
        _agree(raw, case.source, WINDOWED)
