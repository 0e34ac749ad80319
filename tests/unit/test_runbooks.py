"""Every alert links to a runbook section that exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from ioc.alerting.promrules import RULES_DIR
from ioc.alerting.texts import TEXTS

RUNBOOKS = (Path(__file__).parents[2] / "docs" / "runbooks.md").read_text()
SECTIONS = {h.lower() for h in re.findall(r"^## (\S+)", RUNBOOKS, flags=re.M)}
PROMETHEUS_ALERTS = sorted(
    {
        r["alert"]
        for f in RULES_DIR.glob("*.yml")
        for g in yaml.safe_load(f.read_text())["groups"]
        for r in g["rules"]
        if "alert" in r
    }
)


@pytest.mark.parametrize("name", sorted(TEXTS))
def test_stream_alert_has_a_runbook_section(name: str) -> None:
    assert TEXTS[name].anchor in SECTIONS


@pytest.mark.parametrize("name", PROMETHEUS_ALERTS)
def test_prometheus_alert_has_a_runbook_section(name: str) -> None:
    assert name.lower() in SECTIONS
