"""Every private name of faust, mode and aiokafka the project relies on
(streams/internals.py, streams/transport.py) exists in the installed versions with the
signature used: an upgrade that moves one fails here, not in a worker."""

from __future__ import annotations

import inspect
import tomllib
from importlib.metadata import version
from pathlib import Path
from typing import Any

import faust
import pytest
from aiokafka import AIOKafkaConsumer
from aiokafka.consumer.group_coordinator import GroupCoordinator
from faust.channels import Channel
from faust.streams import Stream
from faust.tables import TableManager
from faust.tables.base import Collection
from faust.transport.drivers import aiokafka as driver
from faust.transport.producer import Producer, ProducerBuffer

# (owner, method, the parameters the override or the call passes)
METHODS: list[tuple[Any, str, list[str]]] = [
    (driver.AIOKafkaConsumerThread, "_create_worker_consumer", ["self", "transport"]),
    (driver.AIOKafkaConsumerThread, "_highwaters", ["self", "partitions"]),
    (driver.AIOKafkaConsumerThread, "on_thread_stop", ["self"]),
    (driver.Consumer, "_new_consumer_thread", ["self"]),
    (faust.App, "_consumer_wait_empty", ["self", "consumer", "logger"]),
    (faust.App, "_new_transport", ["self"]),
    (faust.App, "_prepare_subservice", ["self", "service"]),
    (TableManager, "on_start", ["self"]),
    (TableManager, "_update_channels", ["self"]),
    (ProducerBuffer, "flush", ["self"]),
    (Producer, "flush", ["self"]),
    (Stream, "noack", ["self"]),
    (Stream, "ack", ["self", "event"]),
    (Channel, "empty", ["self"]),
    (GroupCoordinator, "_send_req", ["self", "request"]),
]

# (owner, attribute set in its source): instance attributes read or written from outside.
ATTRIBUTES: list[tuple[Any, str]] = [
    (AIOKafkaConsumer, "self._coordinator"),
    (AIOKafkaConsumer, "self._fetch_max_wait_ms"),
    (GroupCoordinator, "self._group_instance_id"),
    (GroupCoordinator, "self.generation"),
    (GroupCoordinator, "self.member_id"),
    (Producer, "self.buffer"),
    (ProducerBuffer, "self.size"),
    (Channel, "is_iterator"),
    (Stream, "self.channel"),
]


def pinned() -> dict[str, str]:
    """The exact pins of pyproject.toml."""
    project = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())
    pins = (d.split("==") for d in project["project"]["dependencies"] if "==" in d)
    return {name.strip(): exact.strip() for name, exact in pins}


@pytest.mark.parametrize(
    ("owner", "name", "params"), METHODS, ids=lambda x: getattr(x, "__name__", str(x))
)
def test_a_private_method_used_exists_with_its_parameters(
    owner: Any, name: str, params: list[str]
) -> None:
    method = getattr(owner, name)
    assert list(inspect.signature(method).parameters) == params


@pytest.mark.parametrize(("owner", "name"), ATTRIBUTES, ids=str)
def test_a_private_attribute_used_is_still_set(owner: Any, name: str) -> None:
    assert name in inspect.getsource(owner)


def test_a_tables_store_is_its_data_property() -> None:
    assert isinstance(Collection.__dict__["data"], property)


def test_the_three_packages_are_pinned_exactly() -> None:
    assert {"faust-streaming", "mode-streaming", "aiokafka"} <= set(pinned())


@pytest.mark.parametrize(("package", "expected"), sorted(pinned().items()))
def test_the_installed_version_is_the_pinned_one(package: str, expected: str) -> None:
    assert version(package) == expected
