"""Acknowledging a page (issue 31, part 3): the silence it becomes and the audit record."""

from __future__ import annotations

import math

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ioc.alerting.ack import Acknowledgement, clean_comment, silence_request

LABELS = {"alertname": "SocBurst", "severity": "page", "domain": "soc", "agency": "so-tc"}


def test_the_silence_matches_exactly_the_pages_labels() -> None:
    body = silence_request(LABELS, "Nguyễn Văn A (ir-1)", "đang xử lý", 1000.0, 3600.0)
    matchers = {m["name"]: m for m in body["matchers"]}  # type: ignore[attr-defined]
    assert set(matchers) == set(LABELS)
    assert all(m["isEqual"] and not m["isRegex"] for m in matchers.values())
    assert {k: m["value"] for k, m in matchers.items()} == LABELS


def test_the_silence_carries_the_persons_name_and_comment_for_its_time() -> None:
    body = silence_request(LABELS, "Nguyễn Văn A (ir-1)", "đang xử lý", 0.0, 3600.0)
    assert body["createdBy"] == "Nguyễn Văn A (ir-1)"
    assert "đang xử lý" in str(body["comment"])
    assert body["startsAt"] == "1970-01-01T00:00:00.000Z"
    assert body["endsAt"] == "1970-01-01T01:00:00.000Z"


def test_a_comment_is_one_printable_line_of_bounded_length() -> None:
    assert clean_comment("đang\nxử\x1b[31m lý\t") == "đang xử [31m lý"
    assert len(clean_comment("x" * 10_000)) == 500


def test_the_audit_record_reads_back_and_times_the_acknowledgement() -> None:
    ack = Acknowledgement.of(LABELS, 1000.0, 1420.0, "ir-1", "Nguyễn Văn A", "ok", "s-1")
    back = Acknowledgement.from_record(ack.to_record())
    assert back == ack
    assert back.team == "incident_response" and back.agency == "so-tc"
    assert back.seconds_to_acknowledge == 420.0


def test_an_acknowledgement_before_the_start_counts_as_immediate() -> None:
    ack = Acknowledgement.of(LABELS, 1000.0, 990.0, "ir-1", "A", "", "s-1")
    assert ack.seconds_to_acknowledge == 0.0


@pytest.mark.parametrize("data", [b"", b"{", b"[]", b'{"alertname": "x"}', b"null"])
def test_an_unreadable_record_is_a_value_error(data: bytes) -> None:
    with pytest.raises(ValueError):
        Acknowledgement.from_record(data)


json_values = st.recursive(
    st.none() | st.booleans() | st.floats(allow_nan=False) | st.sampled_from([1.7e308, -1.7e308])
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner,
                                                                   max_size=6),
    max_leaves=20,
)  # fmt: skip
FIELDS = ("alertname", "severity", "team", "agency", "service", "labels", "page_started",
          "acknowledged_at", "person", "person_name", "comment", "silence_id")  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=len(FIELDS)))
def test_anything_written_to_the_acknowledgements_topic_reads_or_is_a_value_error(
    doc: dict[str, object],
) -> None:
    """Anyone who can write to the topic writes these: never another exception."""
    data = orjson.dumps(doc)
    try:
        ack = Acknowledgement.from_record(data)
    except ValueError:
        return
    assert ack.seconds_to_acknowledge >= 0.0
    assert math.isfinite(ack.seconds_to_acknowledge)
