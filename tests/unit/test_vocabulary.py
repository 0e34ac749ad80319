"""One vocabulary: every metric name a dashboard, a rule or the report uses is defined in
``ioc.metrics.spec``, and the shell's own metric classes define exactly the names spec
declares for them. No broker, no Prometheus: an unknown name fails here."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry

from ioc.metrics import spec

ROOT = Path(__file__).parents[2]
# Where metric names are written into PromQL: the dashboards, the rules and the report.
USERS = sorted(
    [
        *ROOT.glob("dashboards/**/*.py"),
        ROOT / "ioc/alerting/promrules.py",
        *ROOT.glob("ioc/report/*.py"),
    ]
)
# A metric name: not part of a recording rule's name (``agency:ioc_x:ratio``).
NAME = re.compile(r"(?<![\w:])ioc_[a-z0-9_]*[a-z0-9](?![\w:])")


def unknown_names(text: str) -> set[str]:
    return {name for name in NAME.findall(text) if spec.metric_of_sample(name) is None}


def test_the_check_finds_a_misspelt_name() -> None:
    text = "sum(rate(ioc_events_procesed_total[5m])) / ioc_events_processed_total"
    assert unknown_names(text) == {"ioc_events_procesed_total"}


def test_a_recording_rule_name_is_not_a_metric_name() -> None:
    assert unknown_names("agency:ioc_anything_at_all:ratio") == set()


@pytest.mark.parametrize("path", USERS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_metric_name_used_is_defined_in_spec(path: Path) -> None:
    assert unknown_names(path.read_text()) == set()


def _defined_by(owner: str) -> set[str]:
    registry = CollectorRegistry()
    module_name, _, class_name = owner.rpartition(".")
    if owner == "streams.app":
        from streams.collector import AppliedOffsets

        registry.register(AppliedOffsets(list))
        source = (ROOT / "streams/app.py").read_text()
        return {m.name for m in registry.collect()} | set(NAME.findall(source))
    cls = getattr(importlib.import_module(module_name), class_name)
    if class_name == "PublisherMetrics":
        cls(registry, "program")
    else:
        cls(registry)
    return {m.name for m in registry.collect()}


@pytest.mark.parametrize("owner", sorted(spec.SHELL_METRICS))
def test_a_shell_metric_class_defines_exactly_what_spec_declares(owner: str) -> None:
    assert _defined_by(owner) == set(spec.SHELL_METRICS[owner])


def test_no_shell_metric_shadows_a_state_metric() -> None:
    state = spec.STATE_METRIC_NAMES
    shell = [name for names in spec.SHELL_METRICS.values() for name in names]
    assert len(shell) == len(set(shell))
    assert state.isdisjoint(shell)
