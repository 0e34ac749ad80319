"""The worker on the real embedded broker: its /metrics equal the simulator's ground truth."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from prometheus_client import CollectorRegistry

from ioc.catalog import Catalog
from ioc.config import Settings
from ioc.ingest.batch import APPLY_FAILED
from ioc.ingest.validate import DEAD_LETTER_REASONS
from ioc.runtime import WorkerProcess, free_port
from ioc.simulate import GroundTruth, load_scenarios
from ioc.simulate.disturb import Disturbance
from streams.ingest import IngestMetrics, IngestService
from streams.offsets import log_end_offsets
from streams.topics import SOURCES
from tests.conftest import soc_alert
from tests.integration.conftest import real_clock_env, send_soc, simulate, wait_for_truth

pytestmark = pytest.mark.integration

SCENARIOS = Path(__file__).parents[2] / "ioc" / "simulate" / "scenarios" / "demo.yaml"


DIAGNOSTICS = {
    "ioc_ingest_consumer_lag_messages", "ioc_batch_offsets_replayed_total",
    "ioc_events_duplicate_total", "ioc_events_late_total", "ioc_events_processed_total",
    "ioc_ingest_messages_consumed_total", "ioc_ingest_batches_produced_total",
    "ioc_batch_gaps_total",
}  # fmt: skip

STREAMS = {
    "in_order": None,
    "shuffled_within_grace": Disturbance(disorder_seconds=8, seed=3),
    "10pct_redelivered": Disturbance(duplicate_ratio=0.1, seed=4),
    "late_beyond_grace": Disturbance(late_ratio=0.02, late_by_seconds=30, seed=5),
    # A portal's retries under new event ids, some overtaking their original (shuffled).
    "steps_repeated": Disturbance(repeat_step_ratio=0.2, disorder_seconds=8, seed=6),
}


@pytest.mark.parametrize("stream", list(STREAMS))
def test_metrics_equal_ground_truth(
    settings: Settings, catalog: Catalog, worker: WorkerProcess, stream: str
) -> None:
    truth = simulate(
        settings, catalog, 20_000, scenarios=load_scenarios(SCENARIOS), disturbance=STREAMS[stream]
    )
    assert wait_for_truth(worker, truth) == []
    exported = worker.samples()
    if stream == "10pct_redelivered":
        assert exported[("ioc_events_duplicate_total", (("source", "soc"),))] > 0
    if stream == "steps_repeated":
        for name in ("ioc_dossiers_duplicate_steps_total", "ioc_soc_alert_status_duplicates_total"):
            assert sum(v for (n, _), v in exported.items() if n == name) > 0
    if stream == "late_beyond_grace":
        assert exported[("ioc_events_late_total", (("source", "soc"),))] > 0
    if stream == "shuffled_within_grace":
        assert not any(name == "ioc_events_late_total" for name, _ in exported)
    sums = {
        dict(labels)["service"]: value
        for (name, labels), value in worker.samples().items()
        if name == "ioc_uptime_probe_duration_seconds_sum"
    }
    assert sums == pytest.approx(truth.duration_sums)


def test_every_message_is_processed_or_dead_lettered(
    settings: Settings, catalog: Catalog, worker: WorkerProcess
) -> None:
    truth = simulate(settings, catalog, 6_000, bad_ratio=0.1)
    assert wait_for_truth(worker, truth) == []
    processed = worker.total("ioc_events_processed_total")
    dead = worker.total("ioc_events_dead_lettered_total")
    reasons = {
        dict(k)["reason"] for (n, k) in worker.samples() if n == "ioc_events_dead_lettered_total"
    }
    assert processed + dead == truth.sent
    assert reasons == {*DEAD_LETTER_REASONS, APPLY_FAILED}  # that one at 0
    assert processed == 6_000


def test_dead_letter_records_carry_original_bytes_and_provenance(
    settings: Settings, catalog: Catalog, worker: WorkerProcess
) -> None:
    truth = simulate(settings, catalog, 3_000, bad_ratio=0.05)
    assert wait_for_truth(worker, truth) == []
    expected = sum(
        v for (n, _), v in truth.samples.items() if n == "ioc_events_dead_lettered_total"
    )
    records = asyncio.run(read_all(settings, settings.topics.deadletter, int(expected)))
    assert len(records) == expected
    sources = set(settings.topics.of_source().values())
    originals = asyncio.run(read_originals(settings, sources))
    for record in records:
        headers = {k: v.decode() for k, v in record.headers}
        assert headers["ioc-reason"] in DEAD_LETTER_REASONS
        assert headers["ioc-detail"]
        where = (
            headers["ioc-source-topic"],
            int(headers["ioc-source-partition"]),
            int(headers["ioc-source-offset"]),
        )
        assert originals[where] == record.value


@pytest.mark.timeout(600)
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["sigterm", "sigkill"])
def test_restarted_worker_recovers_its_state(
    settings: Settings, catalog: Catalog, tmp_path: Path, sig: signal.Signals
) -> None:
    port = free_port()
    truth = GroundTruth(catalog, late_grace_seconds=settings.late_grace_seconds)
    first = WorkerProcess(settings, port, tmp_path / "first.log").start()
    try:
        first.wait_ready()
        simulate(settings, catalog, 8_000, seed=11, truth=truth)
        # Stop it once it has state to lose: the second worker must recover it, not recount.
        assert wait_for_processed(first, at_least=1)
        first.signal(sig)
        first.wait()
    finally:
        first.stop()
    simulate(settings, catalog, 8_000, seed=12, truth=truth)
    with WorkerProcess(settings, port, tmp_path / "second.log") as second:
        second.wait_ready()
        diffs = wait_for_truth(second, truth, timeout=90)
        if diffs:  # what the pipeline says about itself, to tell a loss from a stall
            print({k: v for k, v in second.samples().items() if k[0] in DIAGNOSTICS})
        assert diffs == []
    assert b"Error in recovery" not in (tmp_path / "second.log").read_bytes()


@pytest.mark.timeout(120)
def test_a_stopped_worker_leaves_its_consumer_groups_at_once(
    settings: Settings, tmp_path: Path
) -> None:
    """Also from the group's first generation (Tansu numbers it 0, and aiokafka leaves only
    from 1): a member left behind holds its partitions until its session expires, and the
    worker that replaces it waits that long (``streams/internals.py``)."""
    with WorkerProcess(settings, free_port(), tmp_path / "worker.log") as worker:
        worker.wait_ready()
    groups = [f"{settings.app_id}-ingest", settings.app_id]  # the ingest's, the aggregators'
    assert group_states(settings, groups) == {group: "EMPTY" for group in groups}


@pytest.mark.timeout(300)
def test_a_worker_with_another_state_shard_count_stops_and_says_why(
    settings: Settings, catalog: Catalog, tmp_path: Path
) -> None:
    written = settings.model_copy(update={"state_shards": 8})
    with WorkerProcess(written, free_port(), tmp_path / "first.log") as first:
        first.wait_ready()
        simulate(written, catalog, 500)
        assert wait_for_processed(first, at_least=500)
    other = settings.model_copy(update={"state_shards": 3})
    second = WorkerProcess(other, free_port(), tmp_path / "second.log").start()
    try:
        simulate(other, catalog, 100, seed=2)
        deadline = time.monotonic() + 120
        while second.returncode() is None and time.monotonic() < deadline:
            time.sleep(0.5)
        assert second.returncode() == 2  # a configuration error
    finally:
        second.stop()
    log = (tmp_path / "second.log").read_text()
    assert "error: aggregate: the state of source partition" in log
    assert "was written with 8 state shards, but IOC_STATE_SHARDS is 3" in log
    assert "Traceback" not in log


def test_a_batch_committed_but_never_applied_is_read_back(
    settings: Settings, catalog: Catalog, tmp_path: Path
) -> None:
    """What faust does at a shutdown or rebalance (acks a message its agent never got, and
    commits it), done on purpose: the worker must find the gap and read the batch back."""
    truth = simulate(settings, catalog, 3_000, seed=21)
    asyncio.run(ingest_alone(settings, catalog, truth.sent))
    truth = simulate(settings, catalog, 3_000, seed=22, truth=truth)
    asyncio.run(ingest_alone(settings, catalog, truth.sent))
    skipped = asyncio.run(commit_past_first_batches(settings))
    assert skipped > 0
    with WorkerProcess(settings, free_port(), tmp_path / "worker.log") as worker:
        worker.wait_ready()
        assert wait_for_truth(worker, truth, timeout=60) == []
        repaired = sum(
            v for (n, labels), v in worker.samples().items()
            if n == "ioc_batch_gaps_total" and dict(labels)["outcome"] == "repaired"
        )  # fmt: skip
    assert repaired == skipped


def test_a_quiet_partitions_last_batch_committed_but_never_applied_is_read_back(
    settings: Settings, catalog: Catalog, tmp_path: Path
) -> None:
    """The same, for the last batch of every partition: no later batch reveals the gap, so
    the ingest stage's heartbeat must."""
    truth = simulate(settings, catalog, 3_000, seed=23)
    asyncio.run(ingest_alone(settings, catalog, truth.sent))
    skipped = asyncio.run(commit_past_first_batches(settings, past_all=True))
    assert skipped > 0
    quick = settings.model_copy(update={"batch_heartbeat_seconds": 1.0})
    with WorkerProcess(quick, free_port(), tmp_path / "worker.log") as worker:
        worker.wait_ready()
        assert wait_for_truth(worker, truth, timeout=60) == []


async def ingest_alone(settings: Settings, catalog: Catalog, total: int) -> None:
    """Run the worker's ingest stage alone until the source partitions are batched and
    committed up to ``total`` messages in all: the batches land on the batch topic, and no
    aggregator takes them yet."""
    registry = CollectorRegistry()
    metrics = IngestMetrics(registry)
    service = IngestService(settings, catalog, metrics)
    await service.start()
    try:
        # Consumed, then batched and committed: stopping between the two would leave the
        # source uncommitted, and the worker would batch it again instead of repairing.
        for _ in range(600):
            committed = sum(
                s.value for m in registry.collect() for s in m.samples
                if s.name == "ioc_ingest_committed_offset"
            )  # fmt: skip
            if committed >= total:
                return
            await asyncio.sleep(0.1)
        raise TimeoutError("ingest did not batch and commit the stream")
    finally:
        await service.stop()


# librdkafka's admin client, in its own process on the real clock (under faketime its calls
# never return, see test_keys): aiokafka cannot decode Tansu's answer for faust's group.
_DESCRIBE = """
import json, sys
from confluent_kafka.admin import AdminClient
admin = AdminClient({"bootstrap.servers": sys.argv[1]})
described = admin.describe_consumer_groups(sys.argv[2:], request_timeout=15)
print(json.dumps({g: f.result().state.name for g, f in described.items()}))
"""


def group_states(settings: Settings, groups: list[str]) -> dict[str, str]:
    """Each consumer group's state as the broker tells it: STABLE while a member holds it."""
    done = subprocess.run(
        [sys.executable, "-c", _DESCRIBE, settings.bootstrap_servers(), *groups],
        capture_output=True, text=True, env=real_clock_env(), timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    states: dict[str, str] = json.loads(done.stdout)
    return states


async def commit_past_first_batches(settings: Settings, past_all: bool = False) -> int:
    """Commit the aggregator group's offset past the first message of each batch-topic
    partition that holds more than one (``past_all``: past every message of each partition);
    return how many partitions that skips."""
    topics = [settings.topics.batch_topic(source) for source in SOURCES]
    tps = [TopicPartition(t, p) for t in topics for p in range(settings.partitions)]
    client = {"bootstrap_servers": settings.bootstrap_servers()}
    consumer = AIOKafkaConsumer(group_id=settings.app_id, enable_auto_commit=False, **client)
    await consumer.start()
    try:
        ends = await log_end_offsets(await consumer.end_offsets(tps), client)
        if past_all:
            skip = {tp: end for tp, end in ends.items() if end > 0}
        else:
            skip = {tp: 1 for tp, end in ends.items() if end > 1}
        consumer.assign(list(skip))
        await consumer.commit(skip)
        return len(skip)
    finally:
        await consumer.stop()


async def read_all(settings: Settings, topic: str, n: int) -> list:  # type: ignore[type-arg]
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=settings.bootstrap_servers(),
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    out: list = []  # type: ignore[type-arg]
    try:
        for _ in range(40):
            batch = await consumer.getmany(timeout_ms=500)
            for msgs in batch.values():
                out.extend(msgs)
            if len(out) >= n and not batch:
                break
    finally:
        await consumer.stop()
    return out


async def read_originals(settings: Settings, topics: set[str]) -> dict[tuple[str, int, int], bytes]:
    out = {}
    for topic in topics:
        for msg in await read_all(settings, topic, 1):
            out[(msg.topic, msg.partition, msg.offset)] = msg.value
    return out


def wait_for_processed(worker: WorkerProcess, at_least: int, timeout: float = 60) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = sum(v for (n, _), v in worker.samples().items() if n == "ioc_events_processed_total")
        if done >= at_least:
            return True
        time.sleep(0.1)
    return False


def test_the_pipeline_lag_is_observed_by_the_scrape_that_shows_the_event_applied(
    settings: Settings, worker: WorkerProcess
) -> None:
    # The wall shows the state as applied; its changelog is written up to GROUP_LINGER_SECONDS
    # later. The delay the pipeline dashboard shows ends where the wall's does.
    alert = soc_alert(event_time=settings.clock().now_datetime().isoformat())
    asyncio.run(send_soc(settings, [(alert["agent"]["id"].encode(), alert)]))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        samples = worker.raw_samples()
        processed = sum(v for (n, _), v in samples.items() if n == "ioc_events_processed_total")
        if processed:
            break
        time.sleep(0.05)
    assert samples[("ioc_pipeline_lag_seconds_count", (("source", "soc"),))] == 1


def test_one_event_id_forged_for_50_agents_is_50_alerts_whatever_the_shards(
    settings: Settings, worker: WorkerProcess
) -> None:
    """An event id is scoped to its source and entity (docs/kpis.md): the answer does not
    depend on how the 50 agents fall into partitions and state shards."""
    at = settings.clock().now_datetime().isoformat()
    forged = [
        soc_alert(
            event_id="forged-1",
            alert_id=f"forged-{i}",
            event_time=at,
            agent={"id": f"so-tc-d{i:04d}", "name": f"pc-{i}"},
        )
        for i in range(50)
    ]
    again = dict(forged[0], alert_id="forged-again")  # the same id for the same agent
    asyncio.run(send_soc(settings, [(a["agent"]["id"].encode(), a) for a in [*forged, again]]))
    processed = ("ioc_events_processed_total", (("source", "soc"),))
    duplicate = ("ioc_events_duplicate_total", (("source", "soc"),))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        samples = worker.samples()
        if samples.get(processed, 0) + samples.get(duplicate, 0) >= 51:
            break
        time.sleep(0.2)
    assert (samples.get(processed), samples.get(duplicate)) == (50, 1)
