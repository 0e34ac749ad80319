"""``ioc ack`` with a user's mistakes: one line saying what is wrong, no traceback."""

from __future__ import annotations

import pytest

from ioc.cli.main import main
from ioc.config import ConfigError
from ioc.runtime.ack import find_page

ALERTS = [{"fingerprint": "a1b2c3d4e5f60718"}, {"fingerprint": "a1b2c3ffffffffff"}]


def test_someone_not_in_the_on_call_file_cannot_acknowledge(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(["ack", "a1b2c3d4", "--as", "nobody", "--alertmanager", "http://127.0.0.1:9"])
    err = capsys.readouterr().err
    assert code == 2 and "'nobody' is not the id of a person" in err
    assert "Traceback" not in err


def test_an_alertmanager_that_does_not_answer_is_named(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["ack", "a1b2c3d4", "--as", "ir-1", "--alertmanager", "http://127.0.0.1:9"])
    err = capsys.readouterr().err
    assert code == 3 and "no Alertmanager answers at http://127.0.0.1:9" in err


def test_a_page_is_found_by_the_start_of_its_fingerprint() -> None:
    assert find_page(ALERTS, "A1B2C3D4") is ALERTS[0]


@pytest.mark.parametrize(
    ("ref", "says"),
    [("a1b2", "at least its first 6"), ("a1b2c3", "give more characters"),
     ("ffffff", "no firing alert")],
)  # fmt: skip
def test_a_fingerprint_that_names_no_single_page_is_refused(ref: str, says: str) -> None:
    with pytest.raises(ConfigError, match=says):
        find_page(ALERTS, ref)
