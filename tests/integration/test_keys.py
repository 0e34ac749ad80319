"""Status changes find their alert whatever key and partitioner their producer used: keyed by
the agent through librdkafka (confluent-kafka, CRC32 instead of murmur2), sent without a key,
or keyed by the alert id. Each is forwarded to its entity's partition and counted once."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import zlib
from datetime import datetime, timedelta
from typing import Any

import pytest
from pydantic import TypeAdapter

from ioc.catalog import Catalog
from ioc.config import Settings
from ioc.contracts import Event
from ioc.contracts.keys import partition_for
from ioc.runtime import WorkerProcess
from ioc.simulate import GroundTruth
from tests.conftest import soc_alert
from tests.integration.conftest import real_clock_env, send_soc, wait_for_truth

pytestmark = pytest.mark.integration

EVENT: TypeAdapter[Any] = TypeAdapter(Event)


def _agent_where_hashes_differ(partitions: int, taken: set[str]) -> str:
    """An agent id that librdkafka's default partitioner (CRC32) puts in another partition
    than Kafka's default (murmur2): the case this test is about, not left to chance."""
    for n in range(1, 1000):
        agent = f"so-tc-d{n:04d}"
        crc = zlib.crc32(agent.encode()) % partitions
        if agent not in taken and crc != partition_for(agent.encode(), partitions):
            return agent
    raise AssertionError("no such agent id")


def _status(alert: dict[str, Any], status: str, at: datetime) -> dict[str, Any]:
    return {
        "schema_version": 1,
        "event_id": f"{alert['alert_id']}-{status}",
        "event_type": "soc_alert_status",
        "event_time": at.isoformat(),
        "alert_id": alert["alert_id"],
        "agent_id": alert["agent"]["id"],
        "status": status,
        "actor": "analyst-1",
    }


# The librdkafka producer runs as its own process, as a SIEM forwarder does, on the real
# clock: under faketime (scripts/test-at.sh) librdkafka's flush never returns.
_PRODUCE = """
import json, sys
from confluent_kafka import Producer
bootstrap, topic = sys.argv[1], sys.argv[2]
producer = Producer({"bootstrap.servers": bootstrap, "acks": "all"})
landed = []
def delivered(err, msg):
    if err is not None:
        raise SystemExit(f"delivery failed: {err}")
    landed.append(msg.partition())
for key, doc in json.load(sys.stdin):
    producer.produce(topic, json.dumps(doc).encode(), key=key.encode() if key else None,
                     on_delivery=delivered)
    producer.flush(15)
if producer.flush(15) != 0:
    raise SystemExit("not all delivered")
print(json.dumps(landed))
"""


def _librdkafka_send(
    settings: Settings, docs: list[tuple[bytes | None, dict[str, Any]]]
) -> list[int]:
    """Send with confluent-kafka's defaults; return the partition each message landed in."""
    payload = json.dumps([(key.decode() if key else None, doc) for key, doc in docs])
    done = subprocess.run(
        [sys.executable, "-c", _PRODUCE, settings.bootstrap_servers(), settings.topics.soc],
        input=payload, capture_output=True, text=True, env=real_clock_env(), timeout=60,
        check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    landed: list[int] = json.loads(done.stdout)
    return landed


@pytest.mark.timeout(180)
def test_status_changes_close_their_alert_whatever_the_producers_key_and_partitioner(
    settings: Settings, catalog: Catalog, worker: WorkerProcess
) -> None:
    n = settings.partitions
    now = settings.clock().now_datetime()
    agents: list[str] = []
    for _ in range(3):
        agents.append(_agent_where_hashes_differ(n, set(agents)))
    # Forwarded changes arrive after those that landed home; which ones land home is random
    # (unkeyed), so all event times lie within the late grace (10 s): no order counts late.
    assert settings.late_grace_seconds > 6
    raised = (now - timedelta(seconds=9)).isoformat()
    alerts = [
        soc_alert(event_id=f"k-{i}", alert_id=f"key-test-{i}", event_time=raised,
                  agent={"id": agent, "name": agent, "ip": "10.0.0.9"})
        for i, agent in enumerate(agents)
    ]  # fmt: skip
    acks = [_status(a, "acknowledged", now - timedelta(seconds=6)) for a in alerts]
    resolves = [_status(a, "resolved", now - timedelta(seconds=3)) for a in alerts]

    # The alerts as the contract says: keyed by the agent, murmur2 (aiokafka).
    alert_parts = asyncio.run(send_soc(settings, [(a["agent"]["id"].encode(), a) for a in alerts]))
    # Alert 0's changes keyed by its agent through librdkafka (CRC32); alert 1's without a key.
    rdkafka_docs: list[tuple[bytes | None, dict[str, Any]]] = [
        (agents[0].encode(), acks[0]), (agents[0].encode(), resolves[0]),
        (None, acks[1]), (None, resolves[1]),
    ]  # fmt: skip
    rdkafka_parts = _librdkafka_send(settings, rdkafka_docs)
    # Alert 2's changes keyed by the alert id (aiokafka, murmur2 of the wrong key).
    wrong_key_parts = asyncio.run(
        send_soc(settings, [(d["alert_id"].encode(), d) for d in (acks[2], resolves[2])])
    )

    truth = GroundTruth(catalog, late_grace_seconds=settings.late_grace_seconds)
    sent = [
        *zip(alerts, alert_parts, strict=True),
        *zip([d for _, d in rdkafka_docs], rdkafka_parts, strict=True),
        *zip([acks[2], resolves[2]], wrong_key_parts, strict=True),
    ]
    for doc, landed in sent:
        event = EVENT.validate_json(json.dumps(doc))
        home = partition_for(doc.get("agent_id", doc.get("agent", {}).get("id", "")).encode(), n)
        assert all(
            p == partition_for(a.encode(), n) for a, p in zip(agents, alert_parts, strict=True)
        )
        truth.record(event, home)
        if landed != home:
            truth.record_rerouted("soc")
    assert rdkafka_parts[0] != partition_for(agents[0].encode(), n)  # CRC32 did put it elsewhere

    assert wait_for_truth(worker, truth, timeout=90) == []
    samples = worker.samples()
    severity = alerts[0]["rule"]["level"]
    assert severity == 10  # medium: every alert of this test is one
    assert (
        samples[("ioc_soc_alert_time_to_acknowledge_seconds_count", (("severity", "medium"),))] == 3
    )
    assert samples[("ioc_soc_alert_time_to_resolve_seconds_count", (("severity", "medium"),))] == 3
    assert worker.total("ioc_events_rerouted_total") >= 4
