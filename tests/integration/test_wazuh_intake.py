"""`ioc intake wazuh` as a SOC runs it: a process tailing a real file, the real broker."""

from __future__ import annotations

import signal
import time
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
