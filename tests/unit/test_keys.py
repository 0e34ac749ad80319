"""The partition contract: an entity's partition is Kafka's default (murmur2) partition of the
entity id found in the event, whatever key the message came with."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import TypeAdapter

from ioc.contracts import Event
from ioc.contracts.keys import murmur2, partition_for, partition_key
from tests.conftest import dossier, soc_alert, uptime_probe

EVENT: TypeAdapter[Any] = TypeAdapter(Event)


def event(doc: dict[str, Any]) -> Any:
    return EVENT.validate_json(json.dumps(doc))


# Kafka's own murmur2 vectors (clients/.../utils/UtilsTest.java), as signed 32-bit ints.
JAVA_MURMUR2 = {
    b"21": -973932308,
    b"foobar": -790332482,
    b"a-little-bit-long-string": -985981536,
    b"a-little-bit-longer-string": -1486304829,
    b"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8": -58897971,
    b"abc": 479470107,
}


@pytest.mark.parametrize(("key", "signed"), JAVA_MURMUR2.items())
def test_partition_of_a_key_is_the_java_clients_partition(key: bytes, signed: int) -> None:
    assert partition_for(key, 12) == (signed & 0x7FFFFFFF) % 12


def test_a_status_change_belongs_with_its_alerts_agent() -> None:
    status = {
        "schema_version": 1, "event_id": "s-1", "event_type": "soc_alert_status",
        "event_time": "2026-11-23T09:05:00+07:00", "alert_id": "a-1",
        "agent_id": "so-tc-d0001", "status": "acknowledged", "actor": "analyst-1",
    }  # fmt: skip
    assert partition_key(event(status)) == partition_key(event(soc_alert())) == "so-tc-d0001"


def test_a_probe_belongs_to_its_service() -> None:
    assert partition_key(event(uptime_probe())) == "cong-dvc"


def test_a_dossier_event_belongs_to_its_dossier() -> None:
    assert partition_key(event(dossier())) == "P000000001"


@pytest.mark.parametrize(("key", "signed"), JAVA_MURMUR2.items())
def test_murmur2_of_a_key_is_the_java_clients(key: bytes, signed: int) -> None:
    assert murmur2(key) == signed & 0xFFFFFFFF
