"""`ioc intake http` as the portal sees it: a process, a real HTTP client, the real broker."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from ioc.config import Settings
from ioc.contracts.events import DossierEvent
from ioc.runtime import EmbeddedBroker, free_port
from ioc.runtime.command import IocCommand
from tests.conftest import dossier
from tests.integration.conftest import make_settings
from tests.sources.helpers import read_topic

pytestmark = pytest.mark.integration

TOKEN = "portal-token-0123456789abcdef"


class Intake:
    def __init__(self, settings: Settings, tmp_path: Path, max_body_bytes: int = 1 << 20) -> None:
        self.port = free_port()
        self.process = IocCommand(
            settings,
            [
                "intake",
                "http",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--max-body-bytes",
                str(max_body_bytes),
                "--broker-timeout",
                "3",
            ],
            tmp_path / "intake.log",
            env={"IOC_INTAKE_TOKENS": TOKEN},
        )

    def __enter__(self) -> Intake:
        self.process.start()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert self.process.running(), self.process.log()
            try:
                if self.get("/healthz")[0] == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        raise AssertionError("intake not ready:\n" + self.process.log())

    def __exit__(self, *exc: object) -> None:
        self.process.stop()

    def get(self, path: str) -> tuple[int, bytes]:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=5) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as err:
            return err.code, err.read()

    def post(
        self,
        body: bytes,
        *,
        token: str | None = TOKEN,
        content_type: str = "application/x-ndjson",
    ) -> tuple[int, dict[str, Any]]:
        headers = {"Content-Type": content_type}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/v1/events", data=body, headers=headers, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as resp:
                return resp.status, json.loads(resp.read())
        except urllib.error.HTTPError as err:
            raw = err.read()
            return err.code, json.loads(raw) if raw else {}


def ndjson(*docs: dict[str, Any]) -> bytes:
    return b"\n".join(orjson.dumps(d) for d in docs) + b"\n"


@pytest.fixture
def intake(settings: Settings, tmp_path: Path) -> Iterator[Intake]:
    with Intake(settings, tmp_path, max_body_bytes=64 * 1024) as running:
        yield running


def test_a_request_without_a_token_is_401(intake: Intake) -> None:
    assert intake.post(ndjson(dossier()), token=None)[0] == 401


def test_a_request_with_a_wrong_token_is_401(intake: Intake) -> None:
    assert intake.post(ndjson(dossier()), token="portal-token-wrong-0000000")[0] == 401


def test_a_body_over_the_limit_is_413(intake: Intake) -> None:
    many = [dossier(event_id=f"d-{i}", dossier_id=f"P{i:09d}") for i in range(400)]
    assert len(ndjson(*many)) > 64 * 1024
    assert intake.post(ndjson(*many))[0] == 413


def test_a_batch_of_good_and_bad_items_stores_the_good_and_dead_letters_the_bad(
    intake: Intake, settings: Settings
) -> None:
    good = dossier(event_id="portal-1", dossier_id="P000000101")
    bad = dossier(event_id="portal-2", dossier_id="P000000102", agency="no-such-agency")
    status, answer = intake.post(ndjson(good, bad) + b"{not json\n")
    assert status == 200, answer
    assert (answer["accepted"], answer["rejected"]) == (1, 2)
    items = answer["items"]
    assert items[0] == {"index": 0, "status": "accepted", "event_id": "portal-1"}
    assert (items[1]["reason"], items[1]["field"]) == ("unknown_reference", "agency")
    assert items[2]["reason"] == "invalid_json"
    stored = read_topic(settings, settings.topics.dossier, until=1)
    assert [DossierEvent.model_validate_json(r.value).event_id for r in stored] == ["portal-1"]
    assert stored[0].key == b"P000000101"
    dead = read_topic(settings, settings.topics.deadletter, until=2)
    assert sorted(r.value for r in dead) == sorted([orjson.dumps(bad), b"{not json"])
    assert {dict(r.headers)["ioc-reason"] for r in dead} == {b"unknown_reference", b"invalid_json"}


def test_a_resent_item_is_answered_as_a_duplicate_and_not_stored_twice(
    intake: Intake, settings: Settings
) -> None:
    item = dossier(event_id="portal-7", dossier_id="P000000107")
    first = intake.post(ndjson(item))[1]
    again = intake.post(orjson.dumps(item), content_type="application/json")[1]
    assert (first["accepted"], again["duplicate"]) == (1, 1)
    time.sleep(1)
    assert len(read_topic(settings, settings.topics.dossier, until=2, timeout=3)) == 1


def test_with_the_broker_down_a_request_is_503_and_nothing_is_acknowledged(
    tmp_path: Path,
) -> None:
    with EmbeddedBroker(log_file=tmp_path / "tansu.log") as own_broker:
        settings = make_settings(own_broker, tmp_path)
        with Intake(settings, tmp_path) as intake:
            assert intake.post(ndjson(dossier(event_id="before")))[0] == 200
            own_broker.stop()
            status, answer = intake.post(ndjson(dossier(event_id="during")))
            assert status == 503, answer
            assert "accepted" not in answer
