"""The HTTP intake answers as the OpenAPI description it publishes says, for whatever
schemathesis sends it (a real process, the real broker)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import orjson
import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from ioc.runtime import EmbeddedBroker
from ioc.sources.http_intake.openapi import openapi
from tests.integration.conftest import make_settings
from tests.integration.test_http_intake import TOKEN, Intake

pytestmark = pytest.mark.integration

MAX_BODY = 64 * 1024
schema = schemathesis.openapi.from_dict(openapi(MAX_BODY))


@schemathesis.serializer("application/x-ndjson")
def ndjson(ctx: object, value: object) -> bytes:
    # json, not orjson: the generated values include integers beyond 64 bits.
    text = value if isinstance(value, str) else json.dumps(value)
    return text.encode("utf-8", "surrogatepass")


@pytest.fixture(scope="module")
def running(broker: EmbeddedBroker, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Intake]:
    tmp_path = tmp_path_factory.mktemp("openapi")
    with Intake(make_settings(broker, tmp_path), tmp_path, max_body_bytes=MAX_BODY) as intake:
        yield intake


def test_the_published_description_is_the_one_checked(running: Intake) -> None:
    status, body = running.get("/v1/openapi.json")
    assert status == 200 and orjson.loads(body) == openapi(MAX_BODY)


@schema.parametrize()
@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_the_intake_answers_as_its_description_says(
    case: schemathesis.Case,  # type: ignore[type-arg]
    running: Intake,
) -> None:
    case.call_and_validate(base_url=running.url, headers={"Authorization": f"Bearer {TOKEN}"})
