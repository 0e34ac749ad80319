"""The HTTP intake's pure parts: tokens, splitting a body, judging an item."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from ioc.catalog import Catalog
from ioc.config import ConfigError, load_settings
from ioc.ingest.validate import Rejected
from ioc.sources.http_intake.auth import authorized, load_tokens
from ioc.sources.http_intake.items import (
    BodyError,
    ItemJudge,
    RecentIds,
    rejected_result,
    split_body,
)
from tests.conftest import dossier, soc_alert

TOKEN = "portal-token-0123456789abcdef"


def test_a_bearer_token_from_the_environment_is_authorized() -> None:
    tokens = load_tokens(f"{TOKEN}, case-tool-token-0123456789", None)
    assert authorized(f"Bearer {TOKEN}", tokens)
    assert authorized("Bearer case-tool-token-0123456789", tokens)


@pytest.mark.parametrize("header", [None, "", TOKEN, f"Basic {TOKEN}", "Bearer wrong-token-0000"])
def test_a_missing_or_wrong_token_is_not_authorized(header: str | None) -> None:
    assert not authorized(header, load_tokens(TOKEN, None))


def test_tokens_are_read_from_a_file_with_comments(tmp_path: Path) -> None:
    file = tmp_path / "tokens"
    file.write_text(f"# the portal\n{TOKEN}  # rotated 2026-11\n\n")
    assert authorized(f"Bearer {TOKEN}", load_tokens(None, file))


def test_no_token_at_all_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="IOC_INTAKE_TOKENS"):
        load_tokens("", None)


def test_a_short_token_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="at least 16"):
        load_tokens("secret", None)


def test_ndjson_is_one_item_a_line_and_blank_lines_are_skipped() -> None:
    assert split_body(b'{"a":1}\n\n{"b":2}\n', "application/x-ndjson") == [b'{"a":1}', b'{"b":2}']


def test_a_json_array_is_one_item_an_element() -> None:
    assert len(split_body(b'[{"a":1},{"b":2}]', "application/json")) == 2


def test_a_body_that_is_not_json_is_a_400() -> None:
    with pytest.raises(BodyError) as err:
        split_body(b"{not json", "application/json")
    assert err.value.status == 400


def test_another_content_type_is_a_415() -> None:
    with pytest.raises(BodyError) as err:
        split_body(b"a=1", "application/x-www-form-urlencoded")
    assert err.value.status == 415


def judge(catalog: Catalog, doc: dict[str, object]) -> object:
    event_time = doc["event_time"]
    assert isinstance(event_time, str)
    from datetime import datetime

    now = datetime.fromisoformat(event_time).timestamp()
    return ItemJudge(catalog, load_settings()).judge(orjson.dumps(doc), now)


def test_a_dossier_event_is_accepted(catalog: Catalog) -> None:
    assert not isinstance(judge(catalog, dossier()), Rejected)


def test_a_soc_alert_is_not_taken_here(catalog: Catalog) -> None:
    verdict = judge(catalog, soc_alert())
    assert isinstance(verdict, Rejected) and verdict.reason == "unknown_event_type"


def test_a_rejection_names_its_field(catalog: Catalog) -> None:
    verdict = judge(catalog, dossier(agency="no-such-agency"))
    assert isinstance(verdict, Rejected)
    result = rejected_result(3, verdict)
    assert (result.index, result.reason, result.field) == (3, "unknown_reference", "agency")


def test_recent_ids_forget_the_oldest_beyond_capacity() -> None:
    ids = RecentIds(capacity=2)
    for event_id in ("a", "b", "c"):
        ids.add(event_id)
    assert ("a" in ids, "b" in ids, "c" in ids) == (False, True, True)
