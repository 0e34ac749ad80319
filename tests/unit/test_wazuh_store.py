"""How the Wazuh intake stores a batch of lines: each once, the checkpoint always moving
on, and what the broker refuses for its size dead-lettered smaller, never retried as is."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine, Sequence
from pathlib import Path

import pytest
from aiokafka.errors import KafkaConnectionError, MessageSizeTooLargeError
from prometheus_client import CollectorRegistry

from ioc.catalog import Catalog
from ioc.catalog.assets import load_register
from ioc.config import load_settings
from ioc.sources.publisher import EventPublisher, Outgoing
from ioc.sources.wazuh.checkpoint import load_checkpoint
from ioc.sources.wazuh.follow import FileFollower
from ioc.sources.wazuh.mapping import Unregistered
from ioc.sources.wazuh.program import WazuhIntake, WazuhMetrics
from tests.sources.wazuh_lines import line, wazuh_alert


class ScriptedPublisher(EventPublisher):
    """Answers each send with the next scripted errors (by record index), then stores all."""

    def __init__(self, script: list[dict[int, BaseException]]) -> None:
        super().__init__(load_settings(), CollectorRegistry(), "wazuh", sources=("soc",))
        self.script = script
        self.sends: list[list[Outgoing]] = []
        self.stored: list[Outgoing] = []

    async def send(self, records: Sequence[Outgoing]) -> list[BaseException | None]:
        self.sends.append(list(records))
        errors = self.script.pop(0) if self.script else {}
        outcomes = [errors.get(i) for i in range(len(records))]
        self.stored += [r for r, o in zip(records, outcomes, strict=True) if o is None]
        return outcomes


def make_intake(
    tmp_path: Path, catalog: Catalog, publisher: EventPublisher, checkpoint: Path | None = None
) -> WazuhIntake:
    follower = FileFollower(tmp_path / "alerts.json", None, from_beginning=True)
    return WazuhIntake(
        publisher,
        follower,
        checkpoint or tmp_path / "wazuh.checkpoint",
        load_register(None, catalog),
        Unregistered("so-tttt"),
        WazuhMetrics(CollectorRegistry()),
        max_event_bytes=64 * 1024,
    )


def write(tmp_path: Path, *lines: bytes) -> None:
    (tmp_path / "alerts.json").write_bytes(b"".join(lines))


def store(intake: WazuhIntake) -> bool:
    async def run() -> bool:
        return await intake.store(intake.follower.read(), asyncio.Event())

    return asyncio.run(run())


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    async def at_once(awaitable: Coroutine[object, object, object], timeout: float) -> None:
        awaitable.close()
        raise TimeoutError

    monkeypatch.setattr("ioc.sources.wazuh.program.asyncio.wait_for", at_once)


def test_a_retry_resends_only_what_the_broker_did_not_acknowledge(
    tmp_path: Path, catalog: Catalog
) -> None:
    write(tmp_path, line(wazuh_alert("1.1")), b"not json\n", line(wazuh_alert("1.2")))
    publisher = ScriptedPublisher([{1: KafkaConnectionError()}])
    assert store(make_intake(tmp_path, catalog, publisher))
    assert [len(s) for s in publisher.sends] == [3, 1]
    assert publisher.sends[1][0].reason == "invalid_json"
    assert len(publisher.stored) == 3


def test_a_record_refused_for_its_size_is_dead_lettered_smaller_not_retried(
    tmp_path: Path, catalog: Catalog
) -> None:
    write(tmp_path, line(wazuh_alert("1.1")))
    publisher = ScriptedPublisher([{0: MessageSizeTooLargeError()}])
    assert store(make_intake(tmp_path, catalog, publisher))
    (retried,) = publisher.sends[1]
    assert retried.reason == "oversized" and retried.topic == publisher.settings.topics.deadletter
    assert len(retried.value) < len(publisher.sends[0][0].value)


def test_the_checkpoint_moves_past_every_stored_line(tmp_path: Path, catalog: Catalog) -> None:
    write(tmp_path, line(wazuh_alert("1.1")), b"x" * 100 + b"\n")
    intake = make_intake(tmp_path, catalog, ScriptedPublisher([]))
    assert store(intake)
    saved = load_checkpoint(tmp_path / "wazuh.checkpoint")
    assert saved is not None
    assert [f.offset for f in saved.files] == [(tmp_path / "alerts.json").stat().st_size]
    assert intake.follower.backlog_bytes() == 0


def test_a_checkpoint_that_cannot_be_saved_is_one_line_and_publishing_goes_on(
    tmp_path: Path, catalog: Catalog, caplog: pytest.LogCaptureFixture
) -> None:
    write(tmp_path, line(wazuh_alert("1.1")))
    publisher = ScriptedPublisher([])
    intake = make_intake(tmp_path, catalog, publisher, tmp_path / "gone" / "wazuh.checkpoint")
    with caplog.at_level(logging.ERROR):
        assert store(intake)
    (record,) = caplog.records
    assert "cannot save the checkpoint" in record.getMessage() and record.exc_info is None
    assert len(publisher.stored) == 1
