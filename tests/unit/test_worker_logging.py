"""What the worker's log handlers let through when the broker goes away."""

from __future__ import annotations

import logging
import sys

from aiokafka.errors import KafkaConnectionError
from faust.exceptions import ConsistencyError

from streams.worker import _OneLineCrash


def crash_record(error: BaseException) -> logging.LogRecord:
    try:
        raise error
    except BaseException:
        exc_info = sys.exc_info()
    return logging.LogRecord("mode", logging.ERROR, __file__, 1, "Crashed", None, exc_info)


def test_a_crash_for_a_lost_changelog_is_logged_without_its_traceback() -> None:
    record = crash_record(ConsistencyError("persisted offset higher than highwater"))
    assert _OneLineCrash().filter(record) and record.exc_info is None


def test_a_crash_for_a_broker_error_is_logged_without_its_traceback() -> None:
    record = crash_record(KafkaConnectionError("Unable to bootstrap"))
    assert _OneLineCrash().filter(record) and record.exc_info is None


def test_a_bug_keeps_its_traceback() -> None:
    record = crash_record(KeyError("shard"))
    assert _OneLineCrash().filter(record) and record.exc_info is not None
