"""Email pages: the real Alertmanager sends a page to a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import email
import email.policy
import json
import time
import urllib.request
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from ioc.alerting import Detector
from ioc.alerting.rules import AlertRules
from ioc.alerting.texts import alert_annotations
from ioc.catalog import load_catalog
from ioc.runtime import free_port
from ioc.runtime.alertmanager import AlertmanagerServer, EmailChannel, local_config
from tests.conftest import WEEKDAY_MORNING

pytestmark = pytest.mark.integration


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        message = email.message_from_bytes(
            envelope.original_content or b"", policy=email.policy.default
        )
        assert isinstance(message, EmailMessage)
        self.messages.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def wait(self, count: int, timeout: float = 60.0) -> list[tuple[list[str], EmailMessage]]:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.2)
        return self.messages


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    handler = Inbox()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    controller.stop()


def config_emailing_to(smtp_port: int) -> dict[str, Any]:
    """Alertmanager's config, fast, with pages emailed through the SMTP server on the port."""
    channel = EmailChannel(
        smarthost=f"127.0.0.1:{smtp_port}",
        IOC_EMAIL_FROM="ioc@nghean.gov.vn",
        pages_to="truc-ca@nghean.gov.vn",
        require_tls=False,
    )
    return local_config("http://127.0.0.1:9", fast=True, email=channel)


def post_alert(
    am: AlertmanagerServer,
    labels: dict[str, str],
    annotations: dict[str, str],
    starts_at: str | None = None,
) -> None:
    alert = {
        "labels": labels,
        "annotations": annotations,
        # No startsAt: Alertmanager takes its own clock's now, which stays the real one when
        # the tests run under faketime.
        "generatorURL": "http://ioc-worker:6066/alerts",
    }
    if starts_at is not None:
        alert["startsAt"] = starts_at
    body = json.dumps([alert]).encode()
    request = urllib.request.Request(
        f"{am.url}/api/v2/alerts",
        data=body,
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=5) as resp:
        assert resp.status == 200


def detector_page() -> tuple[dict[str, str], dict[str, str]]:
    """The ServiceDown page the stream detector makes for cong-dvc: labels and annotations."""
    detector = Detector(AlertRules(runbook_base_url="https://ioc.example/runbook"), load_catalog())
    t = WEEKDAY_MORNING.timestamp()
    for ok in (True, False, False, False):
        detector.probe(t, "cong-dvc", ok, 0.2, wall=t)
        t += 30
    (change,) = [c for c in detector.evaluate(t) if c.alert.name == "ServiceDown"]
    return dict(change.alert.labels), dict(change.alert.annotations)


def test_a_page_reaches_on_call_by_email_in_both_languages_with_names_not_ids(
    inbox: tuple[Inbox, int], tmp_path: Path
) -> None:
    handler, port = inbox
    config = config_emailing_to(port)
    labels, annotations = detector_page()
    with AlertmanagerServer(tmp_path / "alertmanager", config) as am:
        post_alert(am, labels, annotations)
        messages = handler.wait(1)
    assert messages, "no email within 60 s"
    recipients, message = messages[0]
    assert recipients == ["truc-ca@nghean.gov.vn"]
    assert message["From"] == "ioc@nghean.gov.vn"
    service = "Cổng dịch vụ công / Hệ thống thông tin giải quyết TTHC"
    assert message["Subject"] == (
        f"[CẢNH BÁO / FIRING] ServiceDown · {service} · Sở Khoa học và Công nghệ"
    )
    text = message.get_body(preferencelist=("plain",))
    assert text is not None
    content = text.get_content()
    assert f"Dịch vụ {service} ngừng hoạt động / Service {service} is down" in content
    assert "Đơn vị / Agency: Sở Khoa học và Công nghệ" in content
    assert "Hướng dẫn xử lý / Runbook: https://ioc.example/runbook#servicedown" in content
    html = message.get_body(preferencelist=("html",))
    assert html is not None and f"Dịch vụ {service} ngừng hoạt động" in html.get_content()
    # The ids stay labels (routing, links), never words a person reads.
    for body in (str(message["Subject"]), content, html.get_content()):
        assert "cong-dvc" not in body and "so-tttt" not in body


def test_a_page_email_gives_its_start_in_province_time(
    inbox: tuple[Inbox, int], tmp_path: Path
) -> None:
    handler, port = inbox
    labels = {"alertname": "ServiceDown", "severity": "page", "domain": "uptime",
              "service": "lgsp", "agency": "so-tttt"}  # fmt: skip
    annotations = alert_annotations(
        "ServiceDown", "https://ioc.example/runbook", service="lgsp", since="09:01",
        agency="so-tttt",
    )  # fmt: skip
    with AlertmanagerServer(tmp_path / "alertmanager", config_emailing_to(port)) as am:
        post_alert(am, labels, annotations, starts_at="2026-11-24T02:01:07Z")
        messages = handler.wait(1)
    assert messages, "no email within 60 s"
    text = messages[0][1].get_body(preferencelist=("plain",))
    assert text is not None
    content = text.get_content()
    assert "Bắt đầu / Started: 09:01:07 24/11/2026 (giờ Việt Nam, UTC+7)" in content
    assert " UTC\n" not in content and "02:01:07" not in content


def test_a_ticket_is_not_emailed_to_on_call(inbox: tuple[Inbox, int], tmp_path: Path) -> None:
    handler, port = inbox
    config = config_emailing_to(port)
    with AlertmanagerServer(tmp_path / "alertmanager", config) as am:
        post_alert(
            am,
            {"alertname": "LatencyDegraded", "severity": "ticket", "domain": "uptime"},
            {"summary": "slow"},
        )
        post_alert(
            am,
            {"alertname": "ServiceDown", "severity": "page", "domain": "uptime"},
            {"summary": "down"},
        )
        messages = handler.wait(1)
        time.sleep(3)  # the ticket's group would have been sent by now
    assert [m["Subject"] for _, m in messages] == ["[CẢNH BÁO / FIRING] ServiceDown"]
