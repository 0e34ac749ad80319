from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from ioc.cli.main import build_parser, main
from ioc.config import ConfigError, load_settings
from ioc.runtime import free_port
from ioc.runtime.errors import Unavailable


def test_settings_read_nested_topic_names_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IOC_TOPICS__SOC", "x.soc")
    monkeypatch.setenv("IOC_BROKER_URL", "kafka://a:9092,kafka://b:9093")
    settings = load_settings()
    assert settings.topics.soc == "x.soc"
    assert settings.bootstrap_servers() == "a:9092,b:9093"
    assert settings.faust_broker() == "kafka://a:9092;b:9093"


def test_every_kafka_client_is_given_the_brokers_and_the_security(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("IOC_BROKER_URL", "kafka://a:9092,kafka://b:9093")
    kwargs = load_settings().kafka_client_kwargs()
    assert kwargs["bootstrap_servers"] == "a:9092,b:9093"
    assert kwargs["security_protocol"] == "PLAINTEXT"


def test_bad_env_value_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IOC_PARTITIONS", "lots")
    with pytest.raises(ConfigError, match="IOC_PARTITIONS"):
        load_settings()


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["worker"],
        ["broker"],
        ["topics"],
        ["catalog", "check"],
        ["simulate"],
        ["demo"],
        ["bench"],
    ],
)
def test_every_subcommand_has_help(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args([*command, "--help"])
    assert exit_.value.code == 0
    assert "usage: ioc" in capsys.readouterr().out


def test_bad_catalog_is_a_clear_error_without_traceback(tmp_path: Path) -> None:
    file = tmp_path / "p.yaml"
    file.write_text("province: {code: x, name: X}\nagencies: []\nservices: []\n")
    proc = subprocess.run(
        [sys.executable, "-m", "ioc.cli.main", "catalog", "check", str(file)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert f"error: {file}:2: agencies: List should have at least 1 item" in proc.stderr


def test_simulate_without_count_or_duration_is_a_usage_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["simulate"]) == 2
    assert "--count" in capsys.readouterr().err


def _parsers(parser: argparse.ArgumentParser) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    yield parser.prog, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                yield from _parsers(child)


def test_every_option_has_a_help_text_and_shows_its_default() -> None:
    missing, no_default = [], []
    for prog, parser in _parsers(build_parser()):
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction) or action.dest == "help":
                continue
            if not action.help:
                missing.append(f"{prog} {action.dest}")
            elif action.default not in (None, False):
                formatter = parser._get_formatter()
                shown = formatter._get_help_string(action)  # type: ignore[attr-defined]
                if "default" not in (shown or ""):
                    no_default.append(f"{prog} {action.dest}")
    assert missing == []
    assert no_default == []


def test_empty_topic_name_is_an_error_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("IOC_TOPICS__SOC", "")
    with pytest.raises(ConfigError, match=r"IOC_TOPICS__SOC.*at least 1 character"):
        load_settings()


def test_demo_clock_start_must_carry_an_offset(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--clock-start", "2026-11-24T09:00"]) == 2
    assert "--clock-start: expected an ISO time with offset" in capsys.readouterr().err


@pytest.mark.parametrize(
    "command", [["topics"], ["simulate", "--count", "10"], ["worker"]], ids=lambda c: c[0]
)
def test_no_broker_at_the_url_is_one_line_that_names_it_and_the_fix(
    command: list[str], tmp_path: Path
) -> None:
    url = f"kafka://127.0.0.1:{free_port()}"  # nothing listens there
    proc = subprocess.run(
        [sys.executable, "-m", "ioc.cli.main", *command],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        env={**os.environ, "IOC_BROKER_URL": url, "IOC_DATA_DIR": str(tmp_path)},
    )
    assert proc.returncode == 3
    assert proc.stderr.strip().splitlines() == [
        f"error: no Kafka broker answers at {url}: start one with `ioc broker`, "
        "or point IOC_BROKER_URL (or --broker) at yours"
    ]


def test_a_missing_prometheus_is_one_line_with_the_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from ioc.runtime.prometheus import PrometheusServer, local_config

    monkeypatch.setenv("PATH", str(tmp_path))  # no prometheus on it
    with pytest.raises(Unavailable, match="prometheus is not installed: run scripts/bootstrap"):
        PrometheusServer(tmp_path / "p", local_config(["127.0.0.1:1"])).start()
