"""`ioc intake http` as the portal sees it: a process, a real HTTP client, the real broker."""

from __future__ import annotations

import contextlib
import gzip
import json
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest

from ioc.config import Settings
from ioc.contracts.events import DossierEvent, FeedbackEvent
from ioc.runtime import EmbeddedBroker, WorkerProcess, free_port
from ioc.runtime.command import IocCommand
from tests.conftest import dossier, feedback
from tests.integration.conftest import make_settings
from tests.sources.helpers import read_topic

pytestmark = pytest.mark.integration

TOKEN = "portal-token-0123456789abcdef"


class Intake:
    def __init__(
        self,
        settings: Settings,
        tmp_path: Path,
        max_body_bytes: int = 1 << 20,
        extra: tuple[str, ...] = (),
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
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
                *extra,
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
        encoding: str | None = None,
        timeout: float = 30,
    ) -> tuple[int, dict[str, Any]]:
        headers = {"Content-Type": content_type}
        if encoding is not None:
            headers["Content-Encoding"] = encoding
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/v1/events", data=body, headers=headers, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as resp:
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


def test_citizen_feedback_is_stored_on_its_own_topic_and_a_malformed_one_dead_lettered(
    intake: Intake, settings: Settings
) -> None:
    good = feedback(event_id="pakn-1", feedback_id="PAKN000000201")
    bad = feedback(event_id="pakn-2", feedback_id="PAKN000000202", due_time=None)
    status, answer = intake.post(ndjson(good, bad))
    assert status == 200, answer
    assert (answer["accepted"], answer["rejected"]) == (1, 1)
    assert answer["items"][1]["reason"] == "schema_violation"
    stored = read_topic(settings, settings.topics.feedback, until=1)
    assert [FeedbackEvent.model_validate_json(r.value).event_id for r in stored] == ["pakn-1"]
    assert stored[0].key == b"PAKN000000201"
    dead = read_topic(settings, settings.topics.deadletter, until=1)
    assert [r.value for r in dead] == [orjson.dumps(bad)]


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


def wait_for_status(intake: Intake, path: str, status: int, timeout: float = 20) -> int:
    deadline = time.monotonic() + timeout
    while True:
        got = intake.get(path)[0]
        if got == status or time.monotonic() > deadline:
            return got
        time.sleep(0.3)


def test_with_the_broker_down_the_intake_is_not_ready_but_alive(tmp_path: Path) -> None:
    with EmbeddedBroker(log_file=tmp_path / "tansu.log") as own_broker:
        settings = make_settings(own_broker, tmp_path)
        with Intake(settings, tmp_path) as intake:
            assert intake.get("/readyz")[0] == 200
            own_broker.stop()
            assert wait_for_status(intake, "/healthz", 503) == 503
            assert intake.get("/readyz")[0] == 503
            assert intake.get("/livez")[0] == 200


def test_an_unknown_content_encoding_is_415_in_one_line(intake: Intake) -> None:
    status, answer = intake.post(ndjson(dossier()), encoding="br")
    assert status == 415 and "\n" not in answer["error"] and "br" in answer["error"]


def test_a_body_that_is_not_the_gzip_it_claims_is_400(intake: Intake) -> None:
    status, answer = intake.post(ndjson(dossier()), encoding="gzip")
    assert status == 400 and "gzip" in answer["error"]


def test_a_gzip_body_is_taken(intake: Intake) -> None:
    item = dossier(event_id="portal-gz", dossier_id="P000000301")
    status, answer = intake.post(gzip.compress(ndjson(item)), encoding="gzip")
    assert (status, answer["accepted"]) == (200, 1)


def test_a_gzip_bomb_is_refused_at_the_limit(intake: Intake) -> None:
    bomb = gzip.compress(b" " * (50 * 1024 * 1024))
    assert len(bomb) < 64 * 1024
    assert intake.post(bomb, encoding="gzip")[0] == 413


def test_a_retried_request_stores_nothing_twice(intake: Intake, settings: Settings) -> None:
    good = dossier(event_id="portal-r1", dossier_id="P000000401")
    body = ndjson(good) + b"{not json\n"
    first = intake.post(body)[1]
    again = intake.post(body)[1]
    assert (first["accepted"], first["rejected"]) == (1, 1)
    assert (again["duplicate"], again["rejected"]) == (1, 1)
    time.sleep(1)
    assert len(read_topic(settings, settings.topics.dossier, until=2, timeout=3)) == 1
    assert len(read_topic(settings, settings.topics.deadletter, until=2, timeout=3)) == 1


def test_ten_thousand_invalid_items_are_dead_lettered_together(
    tmp_path: Path, settings: Settings
) -> None:
    items = b"".join(b'{"event_type": "dossier", "n": %d}\n' % i for i in range(10_000))
    with Intake(settings, tmp_path, max_body_bytes=1 << 20) as intake:
        started = time.monotonic()
        status, answer = intake.post(items, timeout=120)
        took = time.monotonic() - started
    assert (status, answer["rejected"]) == (200, 10_000), answer
    dead = read_topic(settings, settings.topics.deadletter, until=10_000, timeout=60)
    assert len(dead) == 10_000
    print(f"10,000 invalid items answered in {took:.2f} s")  # for the record, not asserted


def open_slowly(port: int, count: int) -> list[socket.socket]:
    """Connections that start a request and send a header byte now and then (slowloris)."""
    out = []
    for _ in range(count):
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        s.sendall(b"POST /v1/events HTTP/1.1\r\nHost: x\r\n")
        out.append(s)
    return out


def closed_by_server(s: socket.socket) -> bool:
    try:
        s.sendall(b"X")
        s.settimeout(0.5)
        return s.recv(1) == b""
    except OSError:
        return True


def test_slow_clients_are_cut_off_and_the_connection_cap_holds(
    tmp_path: Path, settings: Settings
) -> None:
    limits = ("--header-timeout", "2", "--body-timeout", "2", "--max-connections", "20")
    with Intake(settings, tmp_path, extra=limits) as intake:
        slow = open_slowly(intake.port, 100)
        try:
            time.sleep(0.5)
            refused_at_once = sum(closed_by_server(s) for s in slow)
            for _ in range(6):  # a byte a second: still not a whole header
                for s in slow:
                    with contextlib.suppress(OSError):
                        s.sendall(b"X")
                time.sleep(1)
            still_open = [s for s in slow if not closed_by_server(s)]
            assert intake.post(ndjson(dossier(event_id="after-the-siege")))[0] == 200
        finally:
            for s in slow:
                s.close()
    assert refused_at_once >= 80
    assert still_open == []


def test_a_body_sent_a_byte_a_second_is_408(tmp_path: Path, settings: Settings) -> None:
    limits = ("--header-timeout", "5", "--body-timeout", "2")
    with Intake(settings, tmp_path, extra=limits) as intake:
        s = socket.create_connection(("127.0.0.1", intake.port), timeout=10)
        try:
            s.sendall(
                b"POST /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                + TOKEN.encode()
                + b"\r\nContent-Type: application/x-ndjson\r\nContent-Length: 1000\r\n\r\n"
            )
            answer = b""
            for _ in range(8):
                with contextlib.suppress(OSError):
                    s.sendall(b"{")
                time.sleep(0.5)
            s.settimeout(5)
            with contextlib.suppress(OSError):
                answer = s.recv(4096)
        finally:
            s.close()
    assert answer.startswith(b"HTTP/1.1 408")


def test_a_dossier_posted_twice_under_new_ids_counts_once_in_a_real_worker(
    intake: Intake, worker: WorkerProcess, province_now: datetime
) -> None:
    """The portal's retry with fresh event ids, through the intake and a worker."""
    at = province_now.isoformat()
    due = (province_now + timedelta(days=5)).isoformat()
    received = [
        dossier(event_id=f"portal-try-{n}", dossier_id="P000000777", event_time=at, due_time=due)
        for n in (1, 2)
    ]
    resolved = [
        dossier(
            event_id=f"portal-done-{n}",
            dossier_id="P000000777",
            lifecycle="resolved",
            event_time=at,
            due_time=due,
        )
        for n in (1, 2)
    ]
    for item in [*received, *resolved]:
        assert intake.post(ndjson(item))[1]["accepted"] == 1
    key = ("ioc_dossiers_duplicate_steps_total", (("step", "resolved"),))
    deadline = time.monotonic() + 60
    while worker.samples().get(key) != 1 and time.monotonic() < deadline:
        time.sleep(0.5)
    samples = worker.samples()
    online = (("agency", "so-tnmt"), ("channel", "online"), ("level", "province"))
    assert samples[("ioc_dossiers_received_total", online)] == 1
    assert samples[("ioc_dossiers_resolved_total", online)] == 1
    assert samples[("ioc_dossiers_duplicate_steps_total", (("step", "received"),))] == 1
    assert samples[key] == 1
