"""Run the Debian-packaged Alertmanager (``prometheus-alertmanager``) and read its alerts."""

from __future__ import annotations

import urllib.request
from datetime import datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import orjson
import yaml

from ioc.catalog import Catalog, load_catalog
from ioc.runtime.packaged import PackagedServer

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CONFIG = PROJECT_ROOT / "deploy" / "alertmanager" / "alertmanager.yml"


def local_config(
    webhook_url: str, fast: bool = False, clock_offset_seconds: float = 0.0
) -> dict[str, Any]:
    """The project's Alertmanager config with every webhook pointed at ``webhook_url``
    (``/oncall`` and ``/operations`` kept). ``fast`` shortens grouping waits for tests.

    Alertmanager reads the wall clock. When the pipeline runs on a shifted province clock
    (the demo), ``clock_offset_seconds`` moves the ``office_hours`` interval by the same
    offset, so that dossier tickets are held exactly while the province clock is outside
    office hours."""
    config: dict[str, Any] = yaml.safe_load(CONFIG.read_text())
    if clock_offset_seconds:
        for interval in config.get("time_intervals", []):
            if interval["name"] == "office_hours":
                interval["time_intervals"] = shifted_office_hours(
                    load_catalog(), clock_offset_seconds
                )
    for receiver in config["receivers"]:
        for hook in receiver.get("webhook_configs", []):
            hook["url"] = webhook_url.rstrip("/") + "/" + hook["url"].rsplit("/", 1)[1]
    if fast:
        routes = [config["route"], *config["route"].get("routes", [])]
        for route in routes:
            for key, value in (("group_wait", "1s"), ("group_interval", "1s")):
                if key in route or route is config["route"]:
                    route[key] = value
    return config


_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEK = 7 * 24 * 60


def shifted_office_hours(catalog: Catalog, offset_seconds: float) -> list[dict[str, Any]]:
    """The catalog's office hours as Alertmanager time intervals on the wall clock (UTC) of
    a pipeline whose province clock reads wall + ``offset_seconds``; minute resolution."""
    province = catalog.province
    hours = province.office_hours
    # Minutes since Monday 00:00 UTC, of each office day's opening and closing. One UTC
    # offset for the zone: right for zones without daylight saving time, as Vietnam's.
    zone_offset = datetime(2026, 1, 5, tzinfo=ZoneInfo(province.timezone)).utcoffset()
    local_to_utc = -int(zone_offset.total_seconds() // 60) if zone_offset else 0
    shift = local_to_utc - round(offset_seconds / 60)
    pieces: list[tuple[int, int, int]] = []  # (UTC weekday, start minute, end minute)
    for day in hours.days:
        start = (day - 1) * 1440 + _minutes(hours.start) + shift
        end = start + _minutes(hours.end) - _minutes(hours.start)
        for a in range(start, end):
            minute = a % _WEEK
            weekday, of_day = divmod(minute, 1440)
            if pieces and pieces[-1][0] == weekday and pieces[-1][2] == of_day:
                pieces[-1] = (weekday, pieces[-1][1], of_day + 1)
            else:
                pieces.append((weekday, of_day, of_day + 1))
    return [
        {
            "weekdays": [_WEEKDAYS[weekday]],
            "times": [{"start_time": _hhmm(start), "end_time": _hhmm(end)}],
            "location": "UTC",
        }
        for weekday, start, end in pieces
    ]


def _minutes(t: time) -> int:
    return t.hour * 60 + t.minute


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


class AlertmanagerServer(PackagedServer):
    binaries = ("prometheus-alertmanager", "alertmanager")
    package = "prometheus-alertmanager"
    config_name = "alertmanager.yml"

    def arguments(self, config_file: Path) -> list[str]:
        return [
            f"--config.file={config_file}",
            f"--storage.path={self.workdir / 'data'}",
            f"--web.listen-address=127.0.0.1:{self.port}",
            # No gossip: one instance, and no port clash between test runs.
            "--cluster.listen-address=",
        ]

    def alerts(self) -> list[dict[str, Any]]:
        """Active alerts (``GET /api/v2/alerts``), resolved ones excluded by Alertmanager."""
        with urllib.request.urlopen(f"{self.url}/api/v2/alerts", timeout=5) as resp:
            result: list[dict[str, Any]] = orjson.loads(resp.read())
        return result
