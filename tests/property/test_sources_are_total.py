"""The real sources take untrusted input: whatever a Wazuh line or an HTTP body holds, the
intake answers with an event or a reason, never an exception."""

from __future__ import annotations

from typing import Any

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ioc.catalog import load_catalog
from ioc.catalog.assets import load_register
from ioc.config import load_settings
from ioc.contracts.events import SocAlert
from ioc.ingest.validate import Rejected
from ioc.sources.http_intake.items import BodyError, ItemJudge, rejected_result, split_body
from ioc.sources.wazuh.mapping import Mapped, Unmappable, Unregistered, map_alert
from tests.sources.wazuh_lines import wazuh_alert
from tests.strategies import events, ids, text, times

CATALOG = load_catalog()
REGISTER = load_register(None, CATALOG)
BUCKET = Unregistered("so-tttt", "desktop")
JUDGE = ItemJudge(CATALOG, load_settings())

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**64 - 1)
    | st.floats(allow_nan=False)
    | text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4),
    max_leaves=12,
)


@st.composite
def wazuh_docs(draw: st.DrawFn) -> dict[str, Any]:
    """Wazuh-shaped alerts with any field replaced by any JSON value, or removed."""
    doc = wazuh_alert(
        draw(ids),
        agent_id=draw(ids),
        level=draw(st.integers(-5, 25)),
        timestamp=draw(times).strftime("%Y-%m-%dT%H:%M:%S.%f%z"),
    )
    for key in draw(st.lists(st.sampled_from([*doc, "rule.level", "agent.id"]), max_size=3)):
        target, _, inner = key.partition(".")
        replacement = draw(json_values)
        if inner and isinstance(doc.get(target), dict):
            doc[target] = {**doc[target], inner: replacement}
        elif draw(st.booleans()):
            doc[target] = replacement
        else:
            doc.pop(target, None)
    return doc


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(wazuh_docs())
def test_any_wazuh_shaped_line_maps_to_an_alert_or_a_reason(doc: dict[str, Any]) -> None:
    result = map_alert(orjson.dumps(doc), REGISTER, BUCKET)
    assert isinstance(result, Mapped | Unmappable)
    if isinstance(result, Mapped):
        # What is published passes the contract the worker reads it with.
        SocAlert.model_validate_json(result.alert.model_dump_json())


@settings(max_examples=300)
@given(st.binary(max_size=512))
def test_any_bytes_in_alerts_json_map_to_an_alert_or_a_reason(line: bytes) -> None:
    assert isinstance(map_alert(line, REGISTER, BUCKET), Mapped | Unmappable)


@settings(max_examples=300)
@given(st.binary(max_size=512), st.sampled_from(["application/json", "application/x-ndjson"]))
def test_any_body_splits_into_items_or_is_refused_whole(body: bytes, content_type: str) -> None:
    try:
        items = split_body(body, content_type)
    except BodyError as exc:
        assert exc.status == 400
        return
    for item in items:
        verdict = JUDGE.judge(item, now=1_795_000_000.0)
        if isinstance(verdict, Rejected):
            rejected_result(0, verdict).as_json()


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(events(CATALOG), st.floats(1_000_000_000.0, 4_000_000_000.0))
def test_any_contract_event_posted_is_judged_without_raising(
    doc: dict[str, Any], now: float
) -> None:
    verdict = JUDGE.judge(orjson.dumps(doc), now)
    if isinstance(verdict, Rejected):
        rejected_result(0, verdict).as_json()
    else:
        assert verdict.event_type in ("dossier", "soc_alert_status")


def test_an_integer_beyond_64_bits_in_a_line_is_a_reason_not_a_crash() -> None:
    line = orjson.dumps(wazuh_alert()).replace(b'"level":10', b'"level":123456789012345678901234')
    assert isinstance(map_alert(line, REGISTER, BUCKET), Unmappable)
