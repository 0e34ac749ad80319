"""docker-compose.yml checked statically: no Docker engine runs on these machines."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).parents[2]


def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return data


def test_compose_file_parses_with_kafka_worker_and_prometheus() -> None:
    assert {"kafka", "worker", "prometheus", "simulator"} <= set(compose()["services"])


def test_images_are_pinned_to_versions() -> None:
    for name, service in compose()["services"].items():
        image = service.get("image")
        if image is not None:
            assert ":" in image and not image.endswith(":latest"), name


def test_bind_mounted_files_exist() -> None:
    for service in compose()["services"].values():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (ROOT / source).exists(), source


def test_every_long_running_service_has_a_healthcheck() -> None:
    for name, service in compose()["services"].items():
        one_shot = service.get("restart") == "no"
        assert one_shot or "healthcheck" in service, name


def test_host_ports_do_not_collide() -> None:
    ports = [p.split(":")[0] for s in compose()["services"].values() for p in s.get("ports", [])]
    assert len(ports) == len(set(ports))


def test_every_env_variable_used_is_documented_in_env_example() -> None:
    used = set(re.findall(r"\$\{([A-Z_]+)", (ROOT / "docker-compose.yml").read_text()))
    documented = set(re.findall(r"^#?\s*([A-Z_]+)=", (ROOT / ".env.example").read_text(), re.M))
    assert used <= documented, used - documented
