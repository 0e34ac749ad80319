"""Pages reach the person who must act (issue 31, part 2), through a real Alertmanager with a
local SMTP server and a local stand-in for the Telegram API: a SOC burst at one agency reaches
that agency's security officer and the incident-response person on call, by e-mail and chat,
and nobody else's."""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml
from pydantic import SecretStr

from ioc.catalog import load_catalog
from ioc.catalog.oncall import DEFAULT_ONCALL_PATH, load_oncall
from ioc.runtime import free_port
from ioc.runtime.alertmanager import AlertmanagerServer, EmailChannel, local_config
from ioc.runtime.people_routes import PeopleRouting, TelegramChannel
from tests.conftest import WEEKDAY_MORNING
from tests.integration.test_email_pages import Inbox, inbox, post_alert

pytestmark = pytest.mark.integration
__all__ = ["inbox"]  # the SMTP fixture, shared with the e-mail tests
HCM = ZoneInfo("Asia/Ho_Chi_Minh")


class TelegramStandIn:
    """Answers ``POST /bot<token>/sendMessage`` as Telegram does, and keeps what it got."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                payload = json.loads(body or b"{}")
                outer.messages.append({"path": self.path, **payload})
                answer = {
                    "ok": True,
                    "result": {
                        "message_id": len(outer.messages),
                        "date": 0,
                        "chat": {"id": int(payload.get("chat_id", 0)), "type": "private"},
                    },
                }
                data = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait(self, count: int, timeout: float = 60.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.2)
        return self.messages


@pytest.fixture
def telegram() -> Iterator[TelegramStandIn]:
    standin = TelegramStandIn()
    yield standin
    standin.server.shutdown()


def alertmanager_now(am: AlertmanagerServer) -> datetime:
    """Alertmanager's own clock (the Date of its answer): under faketime the test's clock is
    shifted, Alertmanager's, a Go program, is not, and it judges the shifts by its own."""
    with urllib.request.urlopen(f"{am.url}/api/v2/status", timeout=5) as resp:
        return parsedate_to_datetime(resp.headers["Date"])


def oncall_file(tmp_path: Path, now: datetime) -> Path:
    """The example's people, with both rotations starting an hour before ``now``: ir-1 and
    ops-1 hold the shift, whatever the hour the test runs at."""
    doc = yaml.safe_load(DEFAULT_ONCALL_PATH.read_text())
    start = (now.astimezone(HCM) - timedelta(hours=1)).replace(second=0, microsecond=0)
    for team in ("incident_response", "it_operations"):
        doc[team]["rotation"]["start"] = start.isoformat()
        doc[team]["overrides"] = []
    file = tmp_path / "oncall.yaml"
    file.write_text(yaml.safe_dump(doc, allow_unicode=True))
    return file


@contextmanager
def people_alertmanager(
    tmp_path: Path, smtp_port: int, telegram: TelegramStandIn
) -> Iterator[tuple[AlertmanagerServer, Path]]:
    """A real Alertmanager routing to the example's people by e-mail (through the SMTP server
    on ``smtp_port``) and chat (the stand-in), with ir-1 and ops-1 on call and ir-2 and ops-2
    second on Alertmanager's own clock (the test's may be shifted by a fake clock). Yields it
    and the on-call file it routes by."""
    catalog = load_catalog()
    email = EmailChannel(  # type: ignore[call-arg]
        smarthost=f"127.0.0.1:{smtp_port}", IOC_EMAIL_FROM="ioc@ioc.example",
        pages_to="truc-ca@ioc.example", require_tls=False,
    )  # fmt: skip
    chat = TelegramChannel(bot_token=SecretStr("42:test-token"), api_url=telegram.url)

    def config_at(now: datetime) -> tuple[dict[str, Any], Path]:
        file = oncall_file(tmp_path, now)
        people = PeopleRouting(load_oncall(file, catalog), catalog, chat)
        return local_config("http://127.0.0.1:9", fast=True, email=email, people=people), file

    # Any day will do to start Alertmanager: the shifts are rebuilt on its own clock.
    with AlertmanagerServer(tmp_path / "alertmanager", config_at(WEEKDAY_MORNING)[0]) as am:
        config, oncall_path = config_at(alertmanager_now(am))
        (am.workdir / am.config_name).write_text(yaml.safe_dump(config, sort_keys=False))
        reload = urllib.request.Request(f"{am.url}/-/reload", method="POST")
        with urllib.request.urlopen(reload, timeout=10) as resp:
            assert resp.status == 200
        yield am, oncall_path


def test_a_soc_burst_reaches_the_agencys_officer_and_the_responder_on_call(
    inbox: tuple[Inbox, int], telegram: TelegramStandIn, tmp_path: Path
) -> None:
    handler, smtp_port = inbox
    labels = {"alertname": "SocBurst", "severity": "page", "domain": "soc", "agency": "so-tc"}
    annotations = {
        "summary": "Dồn dập cảnh báo ATTT mức cao tại Sở Tài chính / Burst at Sở Tài chính",
        "description": "12 cảnh báo mức cao trong 5m.\n12 high alerts within 5m.",
        "agency_name": "Sở Tài chính",
    }
    with people_alertmanager(tmp_path, smtp_port, telegram) as (am, _):
        post_alert(am, labels, annotations)
        mails = handler.wait(3)
        chats = telegram.wait(1)
        time.sleep(3)  # anything sent to the wrong person would have come by now
    recipients = sorted(r for rcpts, _ in mails for r in rcpts)
    assert recipients == ["attt-so-tc@ioc.example", "ir-1@ioc.example", "truc-ca@ioc.example"]
    # One message, to ir-1's chat: the officer has no chat id, nobody else is on call.
    assert [str(m["chat_id"]) for m in chats] == ["100000001"]
    assert chats[0]["path"] == "/bot42:test-token/sendMessage"
    text = chats[0]["text"]
    assert "Sở Tài chính" in text and "so-tc" not in text and "UTC+7" in text
