"""A repeated failure is said once per interval, with a count."""

from __future__ import annotations

import logging

from ioc.lograte import LogOncePer, QuietRepeats


def record(msg: str, *args: object, level: int = logging.ERROR) -> logging.LogRecord:
    return logging.LogRecord("aiokafka", level, __file__, 1, msg, args, None)


def test_the_first_occurrence_passes_and_repeats_within_the_interval_do_not() -> None:
    now = [0.0]
    quiet = QuietRepeats(10.0, clock=lambda: now[0])
    passed = [quiet.filter(record("Unable connect to node %s", i)) for i in range(90)]
    assert passed == [True] + [False] * 89


def test_after_the_interval_one_passes_with_the_count_held_back() -> None:
    now = [0.0]
    quiet = QuietRepeats(10.0, clock=lambda: now[0])
    for i in range(90):
        quiet.filter(record("Unable connect to node %s", i))
    now[0] = 10.0
    late = record("Unable connect to node %s", 90)
    assert quiet.filter(late)
    assert late.getMessage() == "Unable connect to node 90 (89 more like this in the last 10 s)"


def test_other_messages_and_info_records_are_not_held_back() -> None:
    quiet = QuietRepeats(10.0, clock=lambda: 0.0)
    assert quiet.filter(record("a"))
    assert quiet.filter(record("b"))
    assert all(quiet.filter(record("a", level=logging.INFO)) for _ in range(5))


def test_log_once_per_counts_what_one_message_stands_for() -> None:
    limit = LogOncePer(60.0)
    assert limit.ready(0.0) and limit.take() == 1
    assert not limit.ready(1.0) and not limit.ready(2.0)
    assert limit.ready(61.0) and limit.take() == 3


def test_one_record_seen_by_several_handlers_is_decided_once() -> None:
    quiet = QuietRepeats(10.0, clock=lambda: 0.0)
    first = record("Unable connect to node %s", 1)
    assert quiet.filter(first) and quiet.filter(first)
    second = record("Unable connect to node %s", 2)
    assert not quiet.filter(second) and not quiet.filter(second)


def test_a_counted_record_still_formats_with_modes_formatter() -> None:
    from mode.utils.logging import ExtensionFormatter

    now = [0.0]
    quiet = QuietRepeats(10.0, clock=lambda: now[0])
    quiet.filter(record("Unable connect to node %s", 1))
    quiet.filter(record("Unable connect to node %s", 2))
    now[0] = 10.0
    late = record("Unable connect to node %s", 3)
    assert quiet.filter(late)
    assert ExtensionFormatter().format(late).endswith("(1 more like this in the last 10 s)")
