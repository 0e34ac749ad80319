"""A webhook receiver for Alertmanager that prints each notification for a person to read
(``ioc oncall``), and can append them to a JSON-lines file for tests."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import Any, Self, TextIO
from zoneinfo import ZoneInfo

import orjson
from aiohttp import web

from ioc.alerting.model import from_iso
from ioc.runtime.broker import free_port, wait_for_port
from ioc.runtime.process import ChildProcess


def render(receiver: str, note: dict[str, Any]) -> str:
    """One notification as the on-call person reads it."""
    status = str(note.get("status", "?")).upper()
    lines = [f"== {receiver}: {status} ({len(note.get('alerts', []))} alert(s)) =="]
    for alert in note.get("alerts", []):
        labels, ann = alert.get("labels", {}), alert.get("annotations", {})
        # Names as the annotations give them; an id only where no name came with it.
        where = " · ".join(
            str(ann.get(f"{k}_name") or labels[k])
            for k in ("service", "agency", "technique")
            if k in labels
        )
        lines.append(
            f"[{alert.get('status', '?')}] {labels.get('severity', '?')} "
            f"{labels.get('alertname', '?')} {where}".rstrip()
        )
        if ann.get("summary"):
            lines.append(f"    {ann['summary']}")
        for line in str(ann.get("description", "")).splitlines():
            lines.append(f"    {line}")
        for line in str(ann.get("evidence", "")).splitlines():
            lines.append(f"    | {line}")
        if ann.get("dashboard"):
            lines.append(f"    bảng / dashboard: {ann['dashboard']}")
        if ann.get("runbook_url"):
            lines.append(f"    runbook: {ann['runbook_url']}")
        lines.append(f"    từ / since {province_time(alert.get('startsAt'))}")
        if alert.get("status") == "firing":
            ack = ann.get("acknowledge") or (
                f"ioc ack {alert.get('fingerprint', '?')} --as <mã cán bộ / your id>"
            )
            lines.append(f"    nhận xử lý / acknowledge: {ack}")
    return "\n".join(lines)


PROVINCE_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def province_time(value: Any) -> str:
    """Alertmanager's RFC 3339 time as the province reads it: ``09:01:07 24/11/2026 (UTC+7)``;
    what does not parse is shown as it came."""
    if not isinstance(value, str):
        return "?"
    try:
        ts = from_iso(value)
    except ValueError:
        return value
    return datetime.fromtimestamp(ts, PROVINCE_TZ).strftime("%H:%M:%S %d/%m/%Y (UTC+7)")


def make_app(out: TextIO = sys.stdout, record: Path | None = None) -> web.Application:
    async def receive(request: web.Request) -> web.Response:
        receiver = request.match_info["receiver"]
        try:
            note = orjson.loads(await request.read())
        except orjson.JSONDecodeError:
            return web.Response(status=400, text="not JSON")
        print(render(receiver, note), file=out, flush=True)
        if record is not None:
            with record.open("ab") as f:
                f.write(orjson.dumps({"receiver": receiver, **note}) + b"\n")
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/{receiver}", receive)
    return app


def serve(host: str, port: int, record: Path | None = None) -> None:
    web.run_app(make_app(record=record), host=host, port=port, print=None)


class OncallReceiver(ChildProcess):
    """``ioc oncall`` as a child process printing to this terminal (the demo's pager)."""

    def __init__(self, port: int | None = None, record: Path | None = None) -> None:
        super().__init__()
        self.port = port or free_port()
        self.record = record

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Self:
        argv = [sys.executable, "-m", "ioc.cli.main", "oncall", "--port", str(self.port)]
        if self.record is not None:
            argv += ["--record", str(self.record)]
        self._spawn(argv, None, inherit_output=True)
        wait_for_port("127.0.0.1", self.port, timeout=30)
        return self
