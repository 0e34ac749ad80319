from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from ioc.cli.main import build_parser, main
from ioc.config import ConfigError, load_settings


def test_settings_read_nested_topic_names_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IOC_TOPICS__SOC", "x.soc")
    monkeypatch.setenv("IOC_BROKER_URL", "kafka://a:9092,kafka://b:9093")
    settings = load_settings()
    assert settings.topics.soc == "x.soc"
    assert settings.bootstrap_servers() == "a:9092,b:9093"
    assert settings.faust_broker() == "kafka://a:9092;b:9093"


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
    assert f"error: {file}: field 'agencies'" in proc.stderr


def test_simulate_without_count_or_duration_is_a_usage_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["simulate"]) == 2
    assert "--count" in capsys.readouterr().err
