"""One line of Wazuh's ``alerts.json`` to a SocAlert (pure: no I/O, no clock).

The agent is looked up in the asset register (by id, then by name); an agent that is not
in it is attributed to a named bucket agency and counted, never dropped. A line that is
not an alert (not JSON, no rule level, a level outside 0-16) is refused with a reason, for
the dead-letter topic.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from pydantic import ValidationError

from ioc.catalog.assets import AssetRegister
from ioc.contracts.events import SCHEMA_VERSION, SocAlert
from ioc.ingest.validate import DeadLetterReason

# Wazuh's timestamp: 2024-01-10T10:15:30.123+0000 (no colon in the offset).
TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S.%f%z"


@dataclass(frozen=True, slots=True)
class Unmappable:
    reason: DeadLetterReason
    detail: str


@dataclass(frozen=True, slots=True)
class Mapped:
    alert: SocAlert
    registered: bool  # False: the agent is not in the register (the bucket agency)


@dataclass(frozen=True, slots=True)
class Unregistered:
    """Where the alerts of agents missing from the register go."""

    agency: str
    asset_type: str = "desktop"


def map_alert(
    line: bytes, register: AssetRegister, unregistered: Unregistered
) -> Mapped | Unmappable:
    try:
        doc = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        return Unmappable("invalid_json", str(exc))
    if not isinstance(doc, dict):
        return Unmappable("schema_violation", "(top level): expected a JSON object")
    try:
        return _mapped(doc, register, unregistered)
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, ValidationError):
            first = exc.errors(include_url=False)[0]
            where = ".".join(str(p) for p in first["loc"]) or "(top level)"
            return Unmappable("schema_violation", f"{where}: {first['msg']}")
        return Unmappable("schema_violation", _describe(exc))


def _describe(exc: Exception) -> str:
    if isinstance(exc, KeyError):
        return f"{exc.args[0]}: a Wazuh alert has this field"
    return str(exc)


def _mapped(doc: dict[str, Any], register: AssetRegister, unregistered: Unregistered) -> Mapped:
    rule, agent = doc["rule"], doc["agent"]
    manager = (doc.get("manager") or {}).get("name") or "wazuh"
    agent_id, agent_name = str(agent["id"]), agent.get("name")
    asset = register.lookup(agent_id, agent_name if isinstance(agent_name, str) else None)
    mitre = rule.get("mitre") or {}
    alert = SocAlert.model_validate(
        {
            "schema_version": SCHEMA_VERSION,
            # Wazuh's alert id is unique per manager: a line read twice is one event.
            "event_id": f"wazuh-{manager}-{doc['id']}",
            "event_time": _timestamp(doc["timestamp"]),
            "event_type": "soc_alert",
            "alert_id": str(doc["id"]),
            "rule": {
                "id": str(rule["id"]),
                "level": rule["level"],
                "description": str(rule.get("description", ""))[:1024],
                "groups": list(rule.get("groups") or []),
                "mitre": {
                    "id": list(mitre.get("id") or []),
                    "tactic": list(mitre.get("tactic") or []),
                    "technique": list(mitre.get("technique") or []),
                },
            },
            "agent": {
                "id": agent_id,
                "name": str(agent_name or agent_id)[:256],
                "ip": agent.get("ip"),
            },
            "asset_type": asset.asset_type if asset else unregistered.asset_type,
            "agency": asset.agency if asset else unregistered.agency,
            "information_system": asset.information_system if asset else None,
            "security_level": asset.security_level if asset else None,
        },
        strict=False,  # Wazuh's JSON: the datetime parsed here, lists as lists
    )
    return Mapped(alert, registered=asset is not None)


def _timestamp(text: object) -> datetime:
    if not isinstance(text, str):
        raise ValueError(f"timestamp {text!r}: expected text like 2024-01-10T10:15:30.123+0000")
    try:
        return datetime.strptime(text, TIMESTAMP_FORMAT)
    except ValueError:
        try:
            return datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(
                f"timestamp {text!r}: expected text like 2024-01-10T10:15:30.123+0000"
            ) from None
