"""The poison corpus: messages that broke, or could break, a worker, each with what must
become of it. Run end to end against a real worker by tests/integration/test_poison.py.

Every case is bytes on a source topic (built at the pipeline's "now", so that time checks are
exercised at a named province time) and an expectation: the dead-letter reason, or
"processed" for hostile input that is valid and must simply be counted.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ioc.contracts.events import Source
from tests.conftest import dossier, feedback, soc_alert, uptime_probe

Make = Callable[[datetime], list[bytes | None]]


@dataclass(frozen=True)
class PoisonCase:
    name: str
    source: Source
    make: Make  # the message values, built at the pipeline's now
    expect: str  # a dead-letter reason, or "processed"
    key: bytes | None = b"poison"


def _iso(t: datetime) -> str:
    return t.isoformat()


_SERIAL = itertools.count()


def _doc(source: Source, now: datetime, n: int = 0, **over: Any) -> dict[str, Any]:
    base = {"soc": soc_alert, "uptime": uptime_probe, "dossier": dossier, "feedback": feedback}[
        source
    ]
    # Unique ids: two cases with one id in one state shard would be duplicates by contract.
    doc = base(event_id=f"poison-{source}-{n}-{next(_SERIAL)}", event_time=_iso(now))
    if source in ("dossier", "feedback"):
        doc["due_time"] = _iso(now + timedelta(days=5))
    doc.update(over)
    return doc


def _json(doc: dict[str, Any]) -> bytes:
    return json.dumps(doc, ensure_ascii=False).encode()


def _one(source: Source, **over: Any) -> Make:
    return lambda now: [_json(_doc(source, now, **over))]


def _raw(text: bytes) -> Make:
    return lambda now: [text]


def _edit(source: Source, edit: Callable[[bytes], bytes], **over: Any) -> Make:
    return lambda now: [edit(_json(_doc(source, now, **over)))]


def _without(source: Source, field: str) -> Make:
    def make(now: datetime) -> list[bytes | None]:
        doc = _doc(source, now)
        doc.pop(field)
        return [_json(doc)]

    return make


def _deep(depth: int) -> bytes:
    return b'{"x":' + b"[" * depth + b"]" * depth + b"}"


def _big_soc_alerts(now: datetime) -> list[bytes | None]:
    """84 valid alerts of about 60 KB (long rule.groups): 4.8 MB in one poll, which stalled a
    partition on MessageSizeTooLargeError when batches were sized by estimate."""
    groups = [f"group-{i:05d}-" + "x" * 40 for i in range(1_150)]
    out: list[bytes | None] = []
    for n in range(84):
        doc = _doc("soc", now, n, alert_id=f"big-{n}")
        doc["rule"] = {**doc["rule"], "groups": groups}
        out.append(_json(doc))
    return out


def _forged_techniques(now: datetime) -> list[bytes | None]:
    """5 valid level-12 alerts of ~13 KB, each naming 1,000 made-up MITRE ids, over 5 agents
    in 2 agencies: once 1,000 SocCampaign pages; now one campaign on "other" at most."""
    ids = [f"T{9000 + i // 1000}.{i % 1000:03d}" for i in range(1_000)]
    out: list[bytes | None] = []
    for n in range(5):
        agency = "so-tc" if n % 2 else "phuong-cua-lo"
        doc = _doc("soc", now, n, alert_id=f"forged-{n}", agency=agency)
        doc["agent"] = {"id": f"forged-agent-{n}", "name": f"forged-agent-{n}"}
        doc["rule"] = {**doc["rule"], "level": 12, "mitre": {"id": ids}}
        out.append(_json(doc))
    return out


def _failed_probes_at_year_one(now: datetime) -> list[bytes | None]:
    doc = _doc("uptime", now, success=False, error_class="timeout")
    doc["event_time"] = "0001-01-01T00:00:00+14:00"  # UTC year 0
    return [_json({**doc, "event_id": f"y1-{n}"}) for n in range(3)]


def _future_probe(now: datetime) -> list[bytes | None]:
    return [_json(_doc("uptime", now, event_time=_iso(now + timedelta(seconds=280))))]


# fmt: off
CASES: list[PoisonCase] = [
    # -- not JSON ------------------------------------------------------------------------------
    PoisonCase("invalid_utf8", "soc", _raw(b"\xff\xfe\xfd\x00garbage"), "invalid_json"),
    PoisonCase("empty_bytes", "soc", _raw(b""), "invalid_json"),
    PoisonCase("null_value", "dossier", lambda now: [None], "invalid_json"),
    PoisonCase("truncated", "uptime", _edit("uptime", lambda b: b[:37]), "invalid_json"),
    PoisonCase("utf8_bom", "soc", _edit("soc", lambda b: b"\xef\xbb\xbf" + b), "invalid_json"),
    PoisonCase("trailing_garbage", "soc", _edit("soc", lambda b: b + b"xyz"), "invalid_json"),
    PoisonCase("two_objects", "uptime", _edit("uptime", lambda b: b + b), "invalid_json"),
    PoisonCase("nan_literal", "soc", _raw(b"NaN"), "schema_violation"),
    PoisonCase("deep_nesting_30k", "soc", _raw(_deep(30_000)), "invalid_json"),
    PoisonCase(
        "lone_surrogate",
        "soc",
        _edit("soc", lambda b: b.replace(b'"poison-soc-0-', b'"poison-\\ud800-')),
        "invalid_json",
    ),
    PoisonCase("single_quotes", "soc", _raw(b"{'event_type': 'soc_alert'}"), "invalid_json"),
    PoisonCase("comment", "uptime", _edit("uptime", lambda b: b"// hi\n" + b), "invalid_json"),
    # -- too large ----------------------------------------------------------------------------
    PoisonCase(
        "one_and_a_half_megabytes", "soc", _raw(b'{"x":"' + b"a" * 1_500_000 + b'"}'), "oversized"
    ),
    PoisonCase("deep_nesting_100k", "dossier", _raw(_deep(100_000)), "oversized"),
    # -- not an object of the contract ----------------------------------------------------------
    PoisonCase("top_level_array", "soc", _raw(b"[1, 2, 3]"), "schema_violation"),
    PoisonCase("top_level_string", "uptime", _raw(b'"hello"'), "schema_violation"),
    PoisonCase("top_level_number", "dossier", _raw(b"42"), "schema_violation"),
    PoisonCase("top_level_null", "soc", _raw(b"null"), "schema_violation"),
    PoisonCase("missing_event_time", "soc", _without("soc", "event_time"), "schema_violation"),
    PoisonCase(
        "naive_event_time", "soc", _one("soc", event_time="2026-11-24T10:00:00"), "schema_violation"
    ),
    PoisonCase(
        "event_time_number", "uptime", _one("uptime", event_time=1764000000), "schema_violation"
    ),
    PoisonCase(
        "event_time_year_one",
        "soc",
        _one("soc", event_time="0001-01-01T00:00:00+14:00"),
        "schema_violation",
    ),
    PoisonCase("failed_probes_year_one", "uptime", _failed_probes_at_year_one, "schema_violation"),
    PoisonCase(
        "received_year_one",
        "dossier",
        _one(
            "dossier", event_time="0001-01-01T00:00:00+00:00", due_time="0001-01-10T00:00:00+00:00"
        ),
        "schema_violation",
    ),
    PoisonCase(
        "resolved_due_year_9999",
        "dossier",
        _one("dossier", lifecycle="resolved", due_time="9999-12-31T23:00:00+00:00"),
        "schema_violation",
    ),
    PoisonCase(
        "critical_alert_year_one",
        "soc",
        _one(
            "soc",
            event_time="0001-01-01T00:00:00+14:00",
            rule={"id": "100201", "level": 15, "description": "x"},
        ),
        "schema_violation",
    ),
    PoisonCase(
        "level_as_string",
        "soc",
        _edit("soc", lambda b: b.replace(b'"level": 10', b'"level": "10"')),
        "schema_violation",
    ),
    PoisonCase(
        "level_as_float",
        "soc",
        _edit("soc", lambda b: b.replace(b'"level": 10', b'"level": 10.0')),
        "schema_violation",
    ),
    PoisonCase(
        "level_17",
        "soc",
        _edit("soc", lambda b: b.replace(b'"level": 10', b'"level": 17')),
        "schema_violation",
    ),
    PoisonCase(
        "level_huge",
        "soc",
        _edit("soc", lambda b: b.replace(b'"level": 10', b'"level": 1e400')),
        "schema_violation",
    ),
    PoisonCase("schema_version_2", "uptime", _one("uptime", schema_version=2), "schema_violation"),
    PoisonCase(
        "dossier_schema_version_3", "dossier", _one("dossier", schema_version=3), "schema_violation"
    ),
    PoisonCase(
        "portal_sync_before_the_step",
        "dossier",
        _one("dossier", schema_version=2, portal_synced_time="2001-01-01T00:00:00+07:00"),
        "schema_violation",
    ),
    PoisonCase(
        "fee_required_as_string",
        "dossier",
        _one("dossier", schema_version=2, fee_required="yes"),
        "schema_violation",
    ),
    PoisonCase(
        "feedback_received_without_due",
        "feedback",
        _one("feedback", due_time=None),
        "schema_violation",
    ),
    PoisonCase(
        "feedback_rated_without_rating",
        "feedback",
        _one("feedback", lifecycle="rated"),
        "schema_violation",
    ),
    PoisonCase(
        "feedback_lifecycle_unknown",
        "feedback",
        _one("feedback", lifecycle="forwarded"),
        "schema_violation",
    ),
    PoisonCase(
        "feedback_due_year_9999",
        "feedback",
        _one("feedback", lifecycle="resolved", due_time="9999-12-31T23:00:00+00:00"),
        "schema_violation",
    ),
    PoisonCase(
        "feedback_unknown_agency",
        "feedback",
        _one("feedback", agency="no-such-agency"),
        "unknown_reference",
    ),
    PoisonCase("event_id_too_long", "soc", _one("soc", event_id="e" * 129), "schema_violation"),
    PoisonCase(
        "mitre_id_malformed",
        "soc",
        _edit("soc", lambda b: b.replace(b'"T1110"', b'"T12"')),
        "schema_violation",
    ),
    PoisonCase(
        "failed_probe_without_error_class",
        "uptime",
        _one("uptime", success=False),
        "schema_violation",
    ),
    PoisonCase(
        "duration_nan",
        "uptime",
        _edit(
            "uptime", lambda b: b.replace(b'"duration_seconds": 0.3', b'"duration_seconds": NaN')
        ),
        "schema_violation",
    ),
    PoisonCase(
        "tls_days_infinity",
        "uptime",
        _edit(
            "uptime",
            lambda b: b.replace(
                b'"http_status": 200', b'"http_status": 200, "tls_days_left": Infinity'
            ),
        ),
        "schema_violation",
    ),
    PoisonCase(
        "duration_negative", "uptime", _one("uptime", duration_seconds=-1), "schema_violation"
    ),
    PoisonCase("http_status_700", "uptime", _one("uptime", http_status=700), "schema_violation"),
    PoisonCase(
        "rated_without_rating", "dossier", _one("dossier", lifecycle="rated"), "schema_violation"
    ),
    PoisonCase(
        "received_without_due", "dossier", _one("dossier", due_time=None), "schema_violation"
    ),
    PoisonCase(
        "deep_nesting_in_extra_field",
        "soc",
        _edit("soc", lambda b: b[:-1] + b', "x": ' + b"[" * 5_000 + b"]" * 5_000 + b"}"),
        "invalid_json",
    ),
    # -- not of this topic --------------------------------------------------------------------
    PoisonCase(
        "unknown_event_type", "soc", _one("soc", event_type="printer_jam"), "unknown_event_type"
    ),
    PoisonCase(
        "missing_event_type", "uptime", _without("uptime", "event_type"), "unknown_event_type"
    ),
    PoisonCase(
        "dossier_on_soc_topic",
        "soc",
        lambda now: [_json(_doc("dossier", now))],
        "unknown_event_type",
    ),
    # -- time -------------------------------------------------------------------------------------
    PoisonCase(
        "far_future",
        "soc",
        _one("soc", event_time="2099-01-01T00:00:00+07:00"),
        "future_event_time",
    ),
    PoisonCase(
        "an_archive_from_2001",
        "dossier",
        _one(
            "dossier", event_time="2001-01-01T00:00:00+07:00", due_time="2001-01-10T00:00:00+07:00"
        ),
        "stale_event_time",
    ),
    # -- references outside the catalog (label injection included) ----------------------------
    PoisonCase(
        "label_injection", "soc", _one("soc", agency='so-tc",evil="1'), "unknown_reference"
    ),
    PoisonCase(
        "agency_with_newline",
        "dossier",
        _one("dossier", agency="so-tnmt\n# HELP x"),
        "unknown_reference",
    ),
    PoisonCase("unicode_agency", "soc", _one("soc", agency="sở-tc"), "unknown_reference"),
    PoisonCase(
        "unknown_service", "uptime", _one("uptime", service="no-such-service"), "unknown_reference"
    ),
    # -- valid, hostile: counted, and nothing breaks ---------------------------------------------
    PoisonCase("84_alerts_of_60kb", "soc", _big_soc_alerts, "processed", key=b"big-agent"),
    PoisonCase("1000_made_up_techniques", "soc", _forged_techniques, "processed"),
    PoisonCase("probe_280s_ahead", "uptime", _future_probe, "processed", key=b"cong-dvc"),
    PoisonCase(
        "unknown_extra_fields", "dossier", _one("dossier", extra={"a": [1, 2]}), "processed"
    ),
    PoisonCase(
        "no_key", "soc", _one("soc", event_id="no-key", alert_id="no-key"), "processed", key=None
    ),
]
# fmt: on
