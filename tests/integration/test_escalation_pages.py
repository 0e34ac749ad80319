"""Acknowledge and escalate, end to end (issue 31): a SOC burst at one agency, detected by a
real worker, pages its security officer and the responder on call with the evidence; nobody
acknowledges, so after its time it reaches the secondary on call; ``ioc ack`` then silences
it in a real Alertmanager with the person's name, records the acknowledgement on Kafka,
stops the chain (the head of operations is never called) and times it."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import urllib.request
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
import yaml
from aiokafka import AIOKafkaConsumer

from ioc.alerting.ack import Acknowledgement
from ioc.alerting.escalation import ESCALATION_ALERT
from ioc.alerting.rules import DEFAULT_RULES_PATH
from ioc.catalog.oncall import load_oncall
from ioc.config import Settings
from ioc.runtime import WorkerProcess, free_port
from ioc.runtime.command import settings_env
from tests.conftest import soc_alert
from tests.integration.conftest import send_soc
from tests.integration.test_email_pages import Inbox, inbox
from tests.integration.test_people_pages import (
    TelegramStandIn,
    people_alertmanager,
    telegram,
)

pytestmark = pytest.mark.integration
__all__ = ["inbox", "telegram"]

SECONDARY_AFTER = 8.0
HEAD_AFTER = 60.0


def fast_rules(tmp_path: Path) -> Path:
    doc = yaml.safe_load(DEFAULT_RULES_PATH.read_text())
    doc["escalation"] = {
        "poll": "1s",
        "ack_for": "1h",
        "steps": {"page": [{"to": "secondary", "after": f"{SECONDARY_AFTER:g}s"},
                           {"to": "head_of_operations", "after": f"{HEAD_AFTER:g}s"}]},
    }  # fmt: skip
    file = tmp_path / "rules.yaml"
    file.write_text(yaml.safe_dump(doc, allow_unicode=True))
    return file


def burst(settings: Settings) -> list[tuple[bytes, dict[str, Any]]]:
    now = settings.clock().now()
    docs = []
    for i in range(12):
        when = datetime.fromtimestamp(now - 60 + 5 * i).astimezone()
        agent = f"so-tc-d{i:04d}"
        docs.append((agent.encode(), soc_alert(
            event_id=f"e-burst-{i}", alert_id=f"burst-alert-{i}", event_time=when.isoformat(),
            agent={"id": agent, "name": agent, "ip": "10.0.0.1"},
            rule={"id": "5712", "level": 12, "description": "sshd: brute force, getting access",
                  "groups": ["sshd"], "mitre": {"id": ["T1110"], "tactic": ["Credential Access"]}},
        )))  # fmt: skip
    return docs


FIRING = "có cảnh báo cần xử lý"  # the first line of a firing page's e-mail


def mails_to(handler: Inbox, address: str) -> list[Any]:
    return [m for rcpts, m in handler.messages if address in rcpts]


def wait_until(check: Any, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def text_of(message: Any) -> str:
    return str(message.get_body(preferencelist=("plain",)).get_content())


def read_acks(settings: Settings) -> list[Acknowledgement]:
    async def run() -> list[Acknowledgement]:
        consumer = AIOKafkaConsumer(settings.topics.acks, auto_offset_reset="earliest",
                                    bootstrap_servers=settings.bootstrap_servers(),
                                    consumer_timeout_ms=2000)  # fmt: skip
        await consumer.start()
        try:
            batch = await consumer.getmany(timeout_ms=5000)
            return [Acknowledgement.from_record(m.value) for ms in batch.values() for m in ms]
        finally:
            await consumer.stop()

    return asyncio.run(run())


def test_an_unacknowledged_soc_burst_reaches_the_secondary_until_ioc_ack_silences_it(
    settings: Settings,
    inbox: tuple[Inbox, int],
    telegram: TelegramStandIn,
    tmp_path: Path,
) -> None:
    handler, smtp_port = inbox
    with people_alertmanager(tmp_path, smtp_port, telegram) as (am, oncall_path):
        s = settings.model_copy(update={
            "alertmanager_url": am.url, "alert_rules_path": fast_rules(tmp_path),
            "grafana_url": "https://grafana.example",
        })  # fmt: skip
        with WorkerProcess(s, free_port(), tmp_path / "worker.log") as worker:
            worker.wait_ready()
            asyncio.run(send_soc(s, burst(s)))

            # The page, to the officer and the responder on call, with its evidence.
            page = wait_until(lambda: mails_to(handler, "ir-1@ioc.example"), 90, "the page")[0]
            body = text_of(page)
            assert "burst-alert-11" in body and "sshd: brute force" in body
            assert "https://grafana.example/d/ioc-soc/" in body and "var-agency=so-tc" in body
            assert "ioc ack " in body
            assert mails_to(handler, "attt-so-tc@ioc.example")
            paged_at = time.monotonic()

            # Nobody acknowledges: the secondary (ir-2) gets it after its time, once.
            escalated = wait_until(lambda: mails_to(handler, "ir-2@ioc.example"),
                                   SECONDARY_AFTER + 30, "the escalation")  # fmt: skip
            assert time.monotonic() - paged_at >= SECONDARY_AFTER - 3
            assert "ioc ack" in text_of(escalated[0])
            chats = [m for m in telegram.messages if str(m["chat_id"]) == "100000002"]
            assert len(chats) == 1 and "Sở Tài chính" in chats[0]["text"]

            # ir-2 acknowledges with the command the page prints.
            soc_burst = next(a for a in am.alerts() if a["labels"]["alertname"] == "SocBurst")
            env = {**os.environ, **settings_env(s), "IOC_ONCALL_PATH": str(oncall_path)}
            done = subprocess.run(
                [sys.executable, "-m", "ioc.cli.main", "ack", soc_burst["fingerprint"][:8],
                 "--as", "ir-2", "--comment", "đang chặn IP nguồn"],
                env=env, capture_output=True, text=True, timeout=60, check=False,
            )  # fmt: skip
            assert done.returncode == 0, done.stderr
            assert "acknowledged" in done.stdout

            with urllib.request.urlopen(f"{am.url}/api/v2/silences", timeout=5) as resp:
                silences = [x for x in orjson.loads(resp.read())
                            if x["status"]["state"] == "active"]  # fmt: skip
            person = load_oncall(oncall_path).person("ir-2")
            assert [x["createdBy"] for x in silences] == [f"{person.name} (ir-2)"]
            assert "đang chặn IP nguồn" in silences[0]["comment"]

            # The chain stops: its step resolves, and the head of operations is never called.
            wait_until(
                lambda: not [a for a in am.alerts()
                             if a["labels"]["alertname"] == ESCALATION_ALERT],
                30, "the escalation to resolve",
            )  # fmt: skip
            (ack,) = read_acks(s)
            assert (
                ack.person == "ir-2" and ack.agency == "so-tc" and ack.team == "incident_response"
            )
            timed = wait_until(
                lambda: worker.samples().get(("ioc_page_acknowledge_seconds_count",
                        (("agency", "so-tc"), ("team", "incident_response")))),
                30, "the time to acknowledge",
            )  # fmt: skip
            assert timed == 1
            remaining = HEAD_AFTER + 5 - (time.monotonic() - paged_at)
            time.sleep(max(0.0, remaining))
            assert mails_to(handler, "head-ioc@ioc.example") == []
            # One escalation to ir-2, then its resolution when the chain stopped.
            to_secondary = [text_of(m) for m in mails_to(handler, "ir-2@ioc.example")]
            assert [FIRING in t for t in to_secondary] == [True, False]
