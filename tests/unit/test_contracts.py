from __future__ import annotations

from typing import Any

import orjson
import pytest
from pydantic import ValidationError

from ioc.contracts import DossierEvent, SocAlert, UptimeProbe, severity_of_level
from tests.conftest import dossier, soc_alert, uptime_probe


def wire(doc: dict[str, Any]) -> bytes:
    """Contracts are validated from JSON, as they arrive from Kafka."""
    return orjson.dumps(doc)


@pytest.mark.parametrize(
    ("level", "severity"),
    [
        (0, "low"),
        (6, "low"),
        (7, "medium"),
        (11, "medium"),
        (12, "high"),
        (14, "high"),
        (15, "critical"),
        (16, "critical"),
    ],
)
def test_severity_buckets_follow_wazuh_levels(level: int, severity: str) -> None:
    assert severity_of_level(level) == severity


def test_soc_alert_exposes_its_severity() -> None:
    alert = SocAlert.model_validate_json(wire(soc_alert()))
    assert alert.severity == "medium"


def test_rule_level_above_16_is_rejected() -> None:
    with pytest.raises(ValidationError, match=r"rule\.level"):
        SocAlert.model_validate_json(
            wire(soc_alert(rule={"id": "1", "level": 17, "description": "x"}))
        )


def test_strict_mode_rejects_a_level_sent_as_string() -> None:
    with pytest.raises(ValidationError):
        SocAlert.model_validate_json(
            '{"schema_version":1,"event_id":"e","event_time":"2026-11-23T09:00:00+07:00",'
            '"event_type":"soc_alert","alert_id":"a","rule":{"id":"1","level":"12",'
            '"description":"x"},"agent":{"id":"a","name":"a"},"asset_type":"server",'
            '"agency":"so-tc"}'
        )


def test_event_time_without_timezone_is_rejected() -> None:
    with pytest.raises(ValidationError, match="timezone"):
        UptimeProbe.model_validate_json(wire(uptime_probe(event_time="2026-11-23T09:00:00")))


def test_failed_probe_needs_an_error_class() -> None:
    with pytest.raises(ValidationError, match="error_class"):
        UptimeProbe.model_validate_json(wire(uptime_probe(success=False)))


def test_received_dossier_needs_a_due_time() -> None:
    with pytest.raises(ValidationError, match="due_time"):
        DossierEvent.model_validate_json(wire(dossier(due_time=None)))


def test_rated_dossier_needs_a_rating() -> None:
    with pytest.raises(ValidationError, match="rating"):
        DossierEvent.model_validate_json(wire(dossier(lifecycle="rated")))


def test_unknown_schema_version_is_rejected() -> None:
    with pytest.raises(ValidationError, match="schema_version"):
        DossierEvent.model_validate_json(wire(dossier(schema_version=3)))


def test_a_version_1_dossier_still_reads_with_nothing_of_version_2_reported() -> None:
    event = DossierEvent.model_validate_json(wire(dossier(schema_version=1)))
    assert (event.full_online_eligible, event.fee_required, event.portal_synced_time) == (
        None,
        None,
        None,
    )


def test_a_version_2_dossier_carries_what_the_portal_scores() -> None:
    doc = dossier(
        schema_version=2,
        full_online_eligible=True,
        fee_required=False,
        components_replaced=True,
        portal_synced_time="2026-11-23T09:00:40+07:00",
    )
    event = DossierEvent.model_validate_json(wire(doc))
    assert (event.full_online_eligible, event.fee_required, event.components_replaced) == (
        True,
        False,
        True,
    )


def test_a_portal_acknowledgement_before_the_step_is_refused() -> None:
    doc = dossier(
        schema_version=2,
        event_time="2026-11-23T09:00:00+07:00",
        portal_synced_time="2026-11-23T08:59:59+07:00",
    )
    with pytest.raises(ValidationError, match="portal_synced_time"):
        DossierEvent.model_validate_json(wire(doc))


def test_unknown_extra_fields_are_ignored_for_forward_compatibility() -> None:
    event = DossierEvent.model_validate_json(wire(dossier(portal_version="3.1")))
    assert not hasattr(event, "portal_version")


def test_a_received_dossier_due_before_its_receipt_is_refused() -> None:
    doc = dossier(event_time="2026-11-23T09:00:00+07:00", due_time="2026-11-23T08:00:00+07:00")
    with pytest.raises(ValidationError, match="must come after its event_time"):
        DossierEvent.model_validate_json(orjson.dumps(doc))


def test_a_resolved_dossier_may_come_after_its_due_time() -> None:
    doc = dossier(lifecycle="resolved", due_time="2026-11-22T17:00:00+07:00")
    assert DossierEvent.model_validate_json(orjson.dumps(doc)).due_time is not None
