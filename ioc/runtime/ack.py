"""``ioc ack``: acknowledge a page in Alertmanager and leave the audit record on Kafka.

The page is found by Alertmanager's fingerprint (printed in every page and e-mail). An
acknowledgement given for an escalation (``PageNotAcknowledged``) acknowledges the page it
escalates. The silence is made first, then the record is written: a record never claims a
silence that does not exist, and a failed write says so with the silence's id.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError

from ioc.alerting.ack import Acknowledgement, clean_comment, silence_request
from ioc.alerting.delivery import http_date
from ioc.alerting.escalation import ESCALATION_ALERT
from ioc.alerting.model import from_iso
from ioc.catalog.oncall import OnCall
from ioc.config import ConfigError, Settings
from ioc.runtime.errors import Unavailable

TIMEOUT = aiohttp.ClientTimeout(total=10.0)


@dataclass(frozen=True)
class Acknowledged:
    record: Acknowledgement
    silence_until: float
    summary: str


async def acknowledge(
    settings: Settings,
    alertmanager_url: str,
    oncall: OnCall,
    ref: str,
    person_id: str,
    comment: str,
    ack_for: float,
) -> Acknowledged:
    known = {p.id: p for p in oncall.people}
    if person_id not in known:
        raise ConfigError(f"--as: '{person_id}' is not the id of a person in the on-call file")
    person = known[person_id]
    base = alertmanager_url.rstrip("/")
    comment = clean_comment(comment)
    async with aiohttp.ClientSession(timeout=TIMEOUT) as session:
        alerts = await _get(session, f"{base}/api/v2/alerts?active=true&silenced=true"
                                     "&inhibited=true")  # fmt: skip
        page = find_page(alerts, ref)
        if page.get("labels", {}).get("alertname") == ESCALATION_ALERT:
            page = find_page(alerts, str(page.get("annotations", {}).get("page_ref", "")))
        labels = {str(k): str(v) for k, v in page["labels"].items()}
        # Alertmanager's clock: its silences start and end by it.
        now = await _peer_now(session, base)
        by = f"{person.name} ({person.id})"
        body = silence_request(labels, by, comment, now, ack_for)
        async with session.post(f"{base}/api/v2/silences", json=body) as resp:
            if resp.status >= 300:
                text = (await resp.text())[:200]
                raise Unavailable(f"Alertmanager at {base} refused the silence: {text}")
            silence_id = str((await resp.json()).get("silenceID", ""))
    started = _timestamp(str(page.get("startsAt", "")), now)
    record = Acknowledgement.of(labels, started, now, person.id, person.name, comment,
                                silence_id)  # fmt: skip
    await _write(settings, record, silence_id)
    summary = str(page.get("annotations", {}).get("summary", labels.get("alertname", "")))
    return Acknowledged(record, now + ack_for, summary)


async def _get(session: aiohttp.ClientSession, url: str) -> list[dict[str, Any]]:
    try:
        async with session.get(url) as resp:
            if resp.status >= 300:
                raise Unavailable(f"Alertmanager answered {resp.status} to GET {url}")
            data: list[dict[str, Any]] = await resp.json()
            return data
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise Unavailable(
            f"no Alertmanager answers at {url.split('/api/')[0]} ({exc.__class__.__name__}): "
            "set IOC_ALERTMANAGER_URL or --alertmanager"
        ) from None


async def _peer_now(session: aiohttp.ClientSession, base: str) -> float:
    async with session.get(f"{base}/api/v2/status") as resp:
        peer = http_date(resp.headers.get("Date"))
    return time.time() if peer is None else peer


def find_page(alerts: list[dict[str, Any]], ref: str) -> dict[str, Any]:
    ref = ref.strip().lower()
    if len(ref) < 6:
        raise ConfigError("PAGE: expected the page's fingerprint (at least its first 6 "
                          f"characters), got {ref!r}")  # fmt: skip
    hits = [a for a in alerts if str(a.get("fingerprint", "")).lower().startswith(ref)]
    if not hits:
        raise ConfigError(f"PAGE: no firing alert in Alertmanager has fingerprint {ref!r} "
                          "(resolved already, or mistyped?)")  # fmt: skip
    if len(hits) > 1:
        raise ConfigError(f"PAGE: {len(hits)} alerts have fingerprints starting {ref!r}: "
                          "give more characters")  # fmt: skip
    return hits[0]


def _timestamp(text: str, default: float) -> float:
    try:
        return from_iso(text)
    except ValueError:
        return default


async def _write(settings: Settings, record: Acknowledgement, silence_id: str) -> None:
    producer = AIOKafkaProducer(**settings.kafka_client_kwargs(), acks="all")
    try:
        await producer.start()
        await asyncio.wait_for(
            producer.send_and_wait(settings.topics.acks, record.to_record(),
                                   key=record.person.encode()),
            timeout=30,
        )  # fmt: skip
    except (KafkaError, OSError, TimeoutError) as exc:
        raise Unavailable(
            f"the page is silenced (silence {silence_id}), but the acknowledgement could not "
            f"be recorded on {settings.topics.acks} at {settings.broker_url}: "
            f"{exc.__class__.__name__}; run the same command again once the broker is back"
        ) from None
    finally:
        await producer.stop()
