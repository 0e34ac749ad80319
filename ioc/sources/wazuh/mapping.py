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


def _object(doc: dict[str, Any], key: str, where: str = "") -> dict[str, Any]:
    value = doc.get(key)
    if value is None:
        raise KeyError(f"{where}{key}")
    if not isinstance(value, dict):
        raise ValueError(f"{where}{key}: expected an object, got {type(value).__name__}")
    return value


def _optional_object(doc: dict[str, Any], key: str) -> dict[str, Any]:
    value = doc.get(key)
    return value if isinstance(value, dict) else {}


def _mapped(doc: dict[str, Any], register: AssetRegister, unregistered: Unregistered) -> Mapped:
    rule, agent = _object(doc, "rule"), _object(doc, "agent")
    manager = _optional_object(doc, "manager").get("name")
    manager = manager if isinstance(manager, str) and manager else "wazuh"
    agent_id, agent_name = agent.get("id"), agent.get("name")
    if not isinstance(agent_id, str | int) or isinstance(agent_id, bool):
        raise ValueError(f"agent.id: expected text, got {agent_id!r}"[:200])
    agent_id = str(agent_id)
    name = agent_name if isinstance(agent_name, str) and agent_name else agent_id
    asset = register.lookup(agent_id, name)
    mitre = _optional_object(rule, "mitre")
    description = rule.get("description", "")
    alert = SocAlert.model_validate(
        {
            "schema_version": SCHEMA_VERSION,
            # Wazuh's alert id is unique per manager: a line read twice is one event.
            "event_id": f"wazuh-{manager}-{_text(doc, 'id')}",
            "event_time": _timestamp(doc.get("timestamp")),
            "event_type": "soc_alert",
            "alert_id": _text(doc, "id"),
            "rule": {
                "id": _text(rule, "id", "rule."),
                "level": rule.get("level"),
                "description": description[:1024] if isinstance(description, str) else "",
                "groups": rule.get("groups") or [],
                "mitre": {
                    "id": mitre.get("id") or [],
                    "tactic": mitre.get("tactic") or [],
                    "technique": mitre.get("technique") or [],
                },
            },
            "agent": {"id": agent_id, "name": name[:256], "ip": agent.get("ip")},
            "asset_type": asset.asset_type if asset else unregistered.asset_type,
            "agency": asset.agency if asset else unregistered.agency,
            "information_system": asset.information_system if asset else None,
            "security_level": asset.security_level if asset else None,
        },
    )  # strict, as the contract: a level of "12" or true is refused
    return Mapped(alert, registered=asset is not None)


def _text(doc: dict[str, Any], key: str, where: str = "") -> str:
    value = doc.get(key)
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError(f"{where}{key}: expected text, got {value!r}"[:200])
    return str(value)


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
