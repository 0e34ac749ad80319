"""Alert lines in Wazuh's own shape (alerts.json: one JSON object a line)."""

from __future__ import annotations

from typing import Any

import orjson


def wazuh_alert(
    alert_id: str = "1764561330.1234567",
    *,
    agent_id: str = "so-tttt-s0001",
    agent_name: str | None = None,
    level: int = 10,
    timestamp: str = "2026-11-24T02:55:30.123+0000",
    **over: Any,
) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "timestamp": timestamp,
        "rule": {
            "level": level,
            "description": "sshd: brute force trying to get access to the system. "
            "Non existent user.",
            "id": "5712",
            "mitre": {
                "id": ["T1110"],
                "tactic": ["Credential Access"],
                "technique": ["Brute Force"],
            },
            "frequency": 8,
            "firedtimes": 1,
            "mail": False,
            "groups": ["syslog", "sshd", "authentication_failures"],
            "pci_dss": ["11.4", "10.2.4", "10.2.5"],
            "gdpr": ["IV_35.7.d", "IV_32.2"],
        },
        "agent": {"id": agent_id, "name": agent_name or agent_id, "ip": "10.10.3.21"},
        "manager": {"name": "wazuh-manager"},
        "id": alert_id,
        "full_log": "Nov 24 09:55:30 srv sshd[23312]: Invalid user admin from 203.0.113.5 "
        "port 52222 ssh2",
        "predecoder": {"program_name": "sshd", "timestamp": "Nov 24 09:55:30", "hostname": "srv"},
        "decoder": {"parent": "sshd", "name": "sshd"},
        "data": {"srcip": "203.0.113.5", "srcport": "52222", "srcuser": "admin"},
        "location": "/var/log/auth.log",
    }
    doc.update(over)
    return doc


def line(doc: dict[str, Any]) -> bytes:
    return orjson.dumps(doc) + b"\n"
