"""`ioc intake wazuh` as a SOC runs it: a process tailing a real file, the real broker."""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from ioc.config import Settings
from ioc.contracts.events import SocAlert
from ioc.runtime import free_port
from ioc.runtime.command import IocCommand
from tests.sources.helpers import read_topic, sample, scrape
from tests.sources.wazuh_lines import line, wazuh_alert

pytestmark = pytest.mark.integration


def intake(settings: Settings, tmp_path: Path, alerts: Path, metrics_port: int = 0) -> IocCommand:
    return IocCommand(
        settings,
        [
            "intake",
            "wazuh",
            "--alerts-file",
            str(alerts),
            "--checkpoint",
            str(tmp_path / "wazuh.checkpoint"),
            "--from-beginning",
            "--poll-seconds",
            "0.1",
            "--metrics-port",
            str(metrics_port),
        ],
        tmp_path / "intake.log",
    )


def stop(process: IocCommand) -> int | None:
    process.signal(signal.SIGTERM)
    status = process.wait(15)
    process.stop()
    return status


def append(path: Path, data: bytes) -> None:
    with path.open("ab") as f:
        f.write(data)


def alerts(first: int, last: int, agent_id: str = "so-tttt-s0001") -> bytes:
    return b"".join(
        line(wazuh_alert(f"1764561330.{i}", agent_id=agent_id)) for i in range(first, last)
    )


def test_alerts_across_a_rotation_and_a_restart_are_published_once_each(
    settings: Settings, tmp_path: Path
) -> None:
    log = tmp_path / "alerts.json"
    append(log, alerts(0, 5) + b"not an alert\n" + alerts(5, 8, agent_id="999"))
    metrics_port = free_port()
    process = intake(settings, tmp_path, log, metrics_port).start()
    try:
        assert len(read_topic(settings, settings.topics.soc, until=8, timeout=30)) == 8
        time.sleep(0.5)
        metrics = scrape(metrics_port)
        log.rename(tmp_path / "alerts-2026-11-24.json")  # Wazuh's midnight rotation
        append(log, alerts(8, 10))
        assert len(read_topic(settings, settings.topics.soc, until=10, timeout=30)) == 10
    finally:
        assert stop(process) == 0, process.log()
    append(log, alerts(10, 12))  # written while the intake is down
    append(log, b'{"timestamp": "2026-11-24T0')  # a line being written
    process = intake(settings, tmp_path, log).start()
    try:
        records = read_topic(settings, settings.topics.soc, until=13, timeout=15)
    finally:
        stop(process)
    ids = [SocAlert.model_validate_json(r.value).alert_id for r in records]
    assert sorted(ids) == sorted(f"1764561330.{i}" for i in range(12))
    assert sample(metrics, "ioc_wazuh_alerts_total", registered="false") == 3
    dead = read_topic(settings, settings.topics.deadletter, until=1)
    assert [(r.value, dict(r.headers)["ioc-reason"]) for r in dead] == [
        (b"not an alert", b"invalid_json")
    ]
    assert dict(dead[0].headers)["ioc-source-topic"] == f"wazuh:{log}".encode()


def test_an_unregistered_agent_keeps_its_agent_and_goes_to_the_bucket_agency(
    settings: Settings, tmp_path: Path
) -> None:
    log = tmp_path / "alerts.json"
    append(log, line(wazuh_alert("1.1", agent_id="999", agent_name="pc-chua-dang-ky")))
    process = intake(settings, tmp_path, log).start()
    try:
        records = read_topic(settings, settings.topics.soc, until=1, timeout=30)
    finally:
        stop(process)
    alert = orjson.loads(records[0].value)
    assert (alert["agency"], alert["agent"]["name"], records[0].key) == (
        "so-tttt",
        "pc-chua-dang-ky",
        b"999",
    )


def alert_ids(settings: Settings, expected: int) -> list[str]:
    """Alert ids on the SOC topic once ``expected`` arrived, and any extra that follows."""
    read_topic(settings, settings.topics.soc, until=expected, timeout=30)
    records = read_topic(settings, settings.topics.soc, until=expected + 1, timeout=3)
    return sorted(SocAlert.model_validate_json(r.value).alert_id for r in records)


def ids(first: int, last: int) -> list[str]:
    return sorted(f"1764561330.{i}" for i in range(first, last))


@contextlib.contextmanager
def between_two_polls(process: IocCommand) -> Iterator[None]:
    """Whatever the block does to the files happens while the intake is frozen."""
    process.signal(signal.SIGSTOP)
    try:
        yield
    finally:
        process.signal(signal.SIGCONT)


def published_once(settings: Settings, expected: list[str]) -> None:
    assert alert_ids(settings, len(expected)) == sorted(expected)


def test_a_10_mb_line_is_dead_lettered_cut_and_the_intake_goes_on(
    settings: Settings, tmp_path: Path
) -> None:
    log = tmp_path / "alerts.json"
    long = b'{"rule": "' + b"x" * (10 * 1024 * 1024) + b'"}\n'
    append(log, alerts(0, 3) + long + alerts(3, 6))
    process = intake(settings, tmp_path, log).start()
    try:
        published_once(settings, ids(0, 6))
        append(log, alerts(6, 9))  # after it: the checkpoint moved on
        published_once(settings, ids(0, 9))
    finally:
        assert stop(process) == 0, process.log()
    (dead,) = read_topic(settings, settings.topics.deadletter, until=2, timeout=3)
    headers = dict(dead.headers)
    assert headers["ioc-reason"] == b"oversized"
    assert headers["ioc-original-length"] == str(len(long) - 1).encode()
    assert headers["ioc-original-sha256"] == hashlib.sha256(long[:-1]).hexdigest().encode()
    assert headers["ioc-source-offset"] == str(len(alerts(0, 3))).encode()
    assert long.startswith(dead.value) and len(dead.value) > 0


def test_a_truncation_then_a_refill_within_one_poll_loses_no_alert(
    settings: Settings, tmp_path: Path
) -> None:
    log = tmp_path / "alerts.json"
    append(log, alerts(0, 20))
    metrics_port = free_port()
    process = intake(settings, tmp_path, log, metrics_port).start()
    try:
        published_once(settings, ids(0, 20))
        with between_two_polls(process):
            os.truncate(log, 0)
            append(log, alerts(20, 60))
        published_once(settings, ids(0, 60))
        assert sample(scrape(metrics_port), "ioc_wazuh_file_truncations_total") == 1
    finally:
        assert stop(process) == 0, process.log()


def test_two_rotations_within_one_poll_lose_no_file(settings: Settings, tmp_path: Path) -> None:
    log = tmp_path / "alerts.json"
    append(log, alerts(0, 5))
    process = intake(settings, tmp_path, log).start()
    try:
        published_once(settings, ids(0, 5))
        with between_two_polls(process):
            append(log, alerts(5, 10))
            log.rename(tmp_path / "alerts.json.1")
            append(log, alerts(10, 15))
            (tmp_path / "alerts.json.1").rename(tmp_path / "alerts.json.2")
            log.rename(tmp_path / "alerts.json.1")
            append(log, alerts(15, 20))
        published_once(settings, ids(0, 20))
    finally:
        assert stop(process) == 0, process.log()


def test_a_copytruncate_while_stopped_loses_no_alert(settings: Settings, tmp_path: Path) -> None:
    log = tmp_path / "alerts.json"
    append(log, alerts(0, 5))
    process = intake(settings, tmp_path, log).start()
    try:
        published_once(settings, ids(0, 5))
    finally:
        assert stop(process) == 0, process.log()
    append(log, alerts(5, 10))  # written while the intake is down
    shutil.copyfile(log, tmp_path / "alerts.json.1")  # logrotate's copytruncate
    os.truncate(log, 0)
    append(log, alerts(10, 30))  # past the checkpoint's offset
    process = intake(settings, tmp_path, log).start()
    try:
        published_once(settings, ids(0, 30))
    finally:
        assert stop(process) == 0, process.log()
