"""The broker goes away under a running worker.

A broker that restarts on memory storage comes back without the topics: the worker's offsets
and state no longer match it. The worker must say so in one line and exit non-zero, so that
its supervisor starts a fresh one, instead of logging errors forever and serving stale
numbers.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from aiokafka.errors import KafkaError

from ioc.catalog import Catalog
from ioc.config import Settings
from ioc.runtime import EmbeddedBroker, WorkerProcess, free_port
from ioc.runtime.errors import EXIT_BROKER_LOST
from streams.ingest import EXIT_TOPICS_LOST
from tests.integration.conftest import make_settings, simulate, wait_for_truth

pytestmark = pytest.mark.integration


@pytest.mark.timeout(300)
def test_a_broker_restarted_without_its_topics_makes_the_worker_exit_with_one_line(
    catalog: Catalog, tmp_path: Path
) -> None:
    port = free_port()
    broker = EmbeddedBroker(port=port, log_file=tmp_path / "tansu-1.log").start()
    try:
        settings = make_settings(broker, tmp_path)
        log = tmp_path / "worker.log"
        with WorkerProcess(settings, free_port(), log) as worker:
            worker.wait_ready()
            truth = simulate(settings, catalog, 2_000)
            assert wait_for_truth(worker, truth) == []
            broker.stop()  # memory storage: topics, offsets and changelogs are gone
            broker = EmbeddedBroker(port=port, log_file=tmp_path / "tansu-2.log").start()
            deadline = time.monotonic() + 120
            while worker.running() and time.monotonic() < deadline:
                time.sleep(1)
            assert worker.returncode() == EXIT_TOPICS_LOST
        lines = [line for line in log.read_text().splitlines() if "no longer has topic" in line]
        assert len(lines) == 1
        assert settings.topics.soc in lines[0]
    finally:
        broker.stop()


@pytest.mark.timeout(300)
def test_a_broker_lost_mid_run_fails_the_simulator_instead_of_counting_its_events(
    catalog: Catalog, tmp_path: Path
) -> None:
    broker = EmbeddedBroker(log_file=tmp_path / "tansu.log").start()
    try:
        settings = make_settings(broker, tmp_path)
        with ThreadPoolExecutor(1) as pool:
            # 100 simulated seconds replayed at real pace: still sending when the broker goes.
            run = pool.submit(simulate, settings, catalog, 20_000, pace=1.0)
            time.sleep(5)
            assert not run.done()
            broker.stop()
            with pytest.raises(KafkaError):
                run.result(timeout=200)
    finally:
        broker.stop()


@pytest.mark.timeout(400)
def test_a_broker_paused_for_30_seconds_mid_backlog_is_ridden_through_with_nothing_lost(
    catalog: Catalog, tmp_path: Path
) -> None:
    broker = EmbeddedBroker(log_file=tmp_path / "tansu.log").start()
    try:
        settings = make_settings(broker, tmp_path)
        log = tmp_path / "worker.log"
        with WorkerProcess(settings, free_port(), log) as worker:
            worker.wait_ready()
            truth = simulate(settings, catalog, 30_000, rate=1_000)
            broker.signal(signal.SIGSTOP)  # while the worker still works on the backlog
            try:
                time.sleep(30)
            finally:
                broker.signal(signal.SIGCONT)
            # Sessions expired, requests timed out: events sent after it count as well.
            simulate(settings, catalog, 2_000, seed=2, truth=truth)
            assert wait_for_truth(worker, truth, timeout=180) == []
            assert worker.running()
        assert "Crashed" not in log.read_text()
    finally:
        broker.stop()


def test_a_changelog_behind_its_state_ends_faust_in_one_line_and_exit_75(
    broker: EmbeddedBroker, tmp_path: Path
) -> None:
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.integration.crashing_worker",
            broker.url,
            "t" + uuid.uuid4().hex[:10],
            str(free_port()),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == EXIT_BROKER_LOST, run.stderr[-2000:]
    assert "Traceback" not in run.stderr
    assert run.stderr.rstrip().splitlines()[-1].startswith("error: the broker at ")


def test_a_worker_on_a_taken_port_says_so_in_one_line_before_joining_anything(
    settings: Settings, tmp_path: Path
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        log = tmp_path / "worker.log"
        with WorkerProcess(settings, port, log) as worker:
            status = worker.wait(60)
    assert status == 3
    lines = log.read_text().strip().splitlines()
    assert len(lines) == 1 and f"port {port}" in lines[0], lines


@pytest.mark.timeout(300)
def test_a_broker_that_is_down_is_logged_a_few_times_with_counts_not_dozens_a_second(
    tmp_path: Path,
) -> None:
    broker = EmbeddedBroker(log_file=tmp_path / "tansu.log").start()
    try:
        settings = make_settings(broker, tmp_path)
        log = tmp_path / "worker.log"
        with WorkerProcess(settings, free_port(), log) as worker:
            worker.wait_ready()
            before = len(log.read_text().splitlines())
            broker.stop()
            time.sleep(20)
            after = log.read_text().splitlines()[before:]
            assert worker.running()  # a broker that does not answer is waited for
    finally:
        broker.stop()
    problems = [line for line in after if "[ERROR]" in line or "[WARNING]" in line]
    print(f"{len(problems)} warning and error lines in 20 s with the broker down")
    assert len(problems) <= 40, "\n".join(problems[:50])
    assert any("more like this" in line for line in problems)
