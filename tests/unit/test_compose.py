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


def host_ports() -> dict[str, int]:
    """Service → host port, with ``${VAR:-default}`` at its default."""
    out = {}
    for name, service in compose()["services"].items():
        for mapping in service.get("ports", []):
            host = re.sub(r"\$\{[A-Z_]+:-(\d+)\}", r"\1", str(mapping).rsplit(":", 1)[0])
            out[f"{name}:{host}"] = int(host)
    return out


def test_host_ports_do_not_collide() -> None:
    ports = list(host_ports().values())
    assert len(ports) == len(set(ports)), host_ports()


def test_every_host_port_is_documented() -> None:
    doc = (ROOT / "docs" / "deployment.md").read_text()
    for where, port in host_ports().items():
        assert f"| {port} |" in doc, where


def test_the_full_stack_is_there() -> None:
    assert {
        "kafka", "topics", "worker", "simulator", "prometheus", "alertmanager", "oncall", "grafana"
    } <= set(compose()["services"])  # fmt: skip


def test_services_wait_for_what_they_need_to_be_healthy() -> None:
    services = compose()["services"]
    for name, service in services.items():
        for dep, cond in service.get("depends_on", {}).items():
            assert dep in services, (name, dep)
            one_shot = services[dep].get("restart") == "no"
            wanted = "service_completed_successfully" if one_shot else "service_healthy"
            assert cond["condition"] == wanted, (name, dep)


def test_every_env_variable_used_is_documented_in_env_example() -> None:
    used = set(re.findall(r"\$\{([A-Z_]+)", (ROOT / "docker-compose.yml").read_text()))
    documented = set(re.findall(r"^#?\s*([A-Z_]+)=", (ROOT / ".env.example").read_text(), re.M))
    assert used <= documented, used - documented
