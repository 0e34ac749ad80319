"""Hypothesis strategies that build events from the contracts, extremes included: times at
the edges of the contract's years in every UTC offset, the longest ids, any Unicode text,
every Wazuh level, made-up MITRE ids, numbers at their bounds."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, get_args

from hypothesis import strategies as st

from ioc.catalog import Catalog
from ioc.contracts.events import MAX_DUE_DAYS, DossierLifecycle

# Naive bounds one day inside the contract's years: with any offset (-12h..+14h) the time
# stays inside them in UTC.
_FIRST = datetime(2000, 1, 2)
_LAST = datetime(2099, 12, 30, 23, 59, 59)

offsets = st.integers(-12 * 60, 14 * 60).map(lambda m: timezone(timedelta(minutes=m)))
_edge_offsets = st.sampled_from([-12 * 60, 0, 14 * 60]).map(
    lambda m: timezone(timedelta(minutes=m))
)
# The first and last moments, in the offsets that push them furthest, often: that is where
# local dates, fromtimestamp and timedelta arithmetic break.
edge_times = st.builds(
    lambda naive, tz: naive.replace(tzinfo=tz), st.sampled_from([_FIRST, _LAST]), _edge_offsets
)
times = st.one_of(edge_times, st.datetimes(min_value=_FIRST, max_value=_LAST, timezones=offsets))
_unicode = st.characters(exclude_categories=["Cs"])  # lone surrogates are not JSON text
text = st.text(_unicode, max_size=64)
ids = st.text(_unicode, min_size=1, max_size=128)
techniques = st.from_regex(r"T\d{4}(\.\d{3})?", fullmatch=True)


def _iso(value: datetime) -> str:
    return value.isoformat()


def soc_alerts(catalog: Catalog) -> st.SearchStrategy[dict[str, Any]]:
    agencies = st.sampled_from([a.id for a in catalog.agencies])
    return st.fixed_dictionaries(
        {
            "schema_version": st.just(1),
            "event_id": ids,
            "event_time": times.map(_iso),
            "event_type": st.just("soc_alert"),
            "alert_id": ids,
            "rule": st.fixed_dictionaries(
                {
                    "id": ids,
                    "level": st.integers(0, 16),
                    "description": text,
                    "groups": st.lists(text, max_size=5),
                    "mitre": st.fixed_dictionaries(
                        {
                            "id": st.lists(techniques, max_size=4),
                            "tactic": st.lists(text, max_size=3),
                        }
                    ),
                }
            ),
            "agent": st.fixed_dictionaries(
                {"id": ids, "name": text, "ip": st.none() | st.ip_addresses().map(str)}
            ),
            "asset_type": st.sampled_from(["desktop", "server", "network_device"]),
            "agency": agencies,
            "security_level": st.none() | st.integers(1, 3),
        }
    )


def soc_statuses() -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {
            "schema_version": st.just(1),
            "event_id": ids,
            "event_time": times.map(_iso),
            "event_type": st.just("soc_alert_status"),
            "alert_id": ids,
            "agent_id": ids,
            "status": st.sampled_from(["acknowledged", "resolved"]),
            "actor": ids,
        }
    )


def uptime_probes(catalog: Catalog) -> st.SearchStrategy[dict[str, Any]]:
    def probe(success: bool) -> st.SearchStrategy[dict[str, Any]]:
        errors = st.sampled_from(["timeout", "dns", "tls", "connect", "http_5xx", "other"])
        return st.fixed_dictionaries(
            {
                "schema_version": st.just(1),
                "event_id": ids,
                "event_time": times.map(_iso),
                "event_type": st.just("uptime_probe"),
                "service": st.sampled_from([s.id for s in catalog.services]),
                "probe_kind": st.sampled_from(["http", "tcp", "icmp", "dns"]),
                "success": st.just(success),
                "duration_seconds": st.floats(0, 3600),
                "http_status": st.none() | st.integers(100, 599),
                "error_class": st.none() if success else errors,
                "tls_days_left": st.none() | st.floats(-36_500, 36_500),
            }
        )

    return st.booleans().flatmap(probe)


def _due_time(draw: st.DrawFn, event_time: datetime, lifecycle: str) -> datetime | None:
    """A receipt's due time, or now and then another step's; within the contract's days, and
    now and then on the wrong side of the event."""
    if lifecycle != "received" and not draw(st.booleans()):
        return None
    days = draw(st.integers(-MAX_DUE_DAYS, MAX_DUE_DAYS))
    candidate = event_time + timedelta(days=days, seconds=draw(st.integers(0, 86_399)))
    naive = candidate.replace(tzinfo=None)
    return candidate if _FIRST <= naive <= _LAST else event_time


@st.composite
def dossiers(draw: st.DrawFn, catalog: Catalog) -> dict[str, Any]:
    event_time = draw(times)
    lifecycle = draw(st.sampled_from(get_args(DossierLifecycle)))
    due_time = _due_time(draw, event_time, lifecycle)
    agency = draw(st.sampled_from(catalog.agencies))
    version = draw(st.sampled_from([1, 2]))
    maybe = st.none() | st.booleans()
    synced = None
    if version == 2 and draw(st.booleans()):
        # From the step itself to a few years on, in microseconds: the delay is read the
        # same way by both decoders.
        later = event_time + timedelta(microseconds=draw(st.integers(0, 10**14)))
        synced = later if later.replace(tzinfo=None) <= _LAST else event_time
    version_2 = {
        "full_online_eligible": draw(maybe),
        "fee_required": draw(maybe),
        "electronic_result": draw(maybe),
        "components_replaced": draw(maybe),
        "portal_synced_time": synced.isoformat() if synced is not None else None,
    }
    return {
        "schema_version": version,
        **(version_2 if version == 2 else {}),
        "event_id": draw(ids),
        "event_time": event_time.isoformat(),
        "event_type": "dossier",
        "dossier_id": draw(ids),
        "agency": agency.id,
        "level": draw(st.sampled_from(["province", "commune"])),
        "procedure_code": draw(ids),
        "procedure_field": draw(text.filter(bool)),
        "lifecycle": lifecycle,
        "channel": draw(st.sampled_from(["online", "direct", "postal"])),
        "full_online": draw(st.booleans()),
        "paid_online": draw(st.booleans()),
        "digitized": draw(st.booleans()),
        "due_time": due_time.isoformat() if due_time is not None else None,
        "rating": draw(st.sampled_from(["satisfied", "unsatisfied", "complaint"]))
        if lifecycle == "rated"
        else None,
    }


@st.composite
def feedback(draw: st.DrawFn, catalog: Catalog) -> dict[str, Any]:
    event_time = draw(times)
    lifecycle = draw(st.sampled_from(["received", "resolved", "rated", "complaint"]))
    due_time = _due_time(draw, event_time, lifecycle)
    return {
        "schema_version": 1,
        "event_id": draw(ids),
        "event_time": event_time.isoformat(),
        "event_type": "feedback",
        "feedback_id": draw(ids),
        "agency": draw(st.sampled_from(catalog.agencies)).id,
        "level": draw(st.sampled_from(["province", "commune"])),
        "lifecycle": lifecycle,
        "due_time": due_time.isoformat() if due_time is not None else None,
        "rating": draw(st.sampled_from(["satisfied", "unsatisfied"]))
        if lifecycle == "rated"
        else None,
    }


def events(catalog: Catalog) -> st.SearchStrategy[dict[str, Any]]:
    return st.one_of(
        soc_alerts(catalog),
        soc_statuses(),
        uptime_probes(catalog),
        dossiers(catalog),
        feedback(catalog),
    )
