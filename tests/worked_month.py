"""A hand-computed month of dossiers (November 2026, province time) for the Decision 766
worked examples: the same events go through the core (tests/unit/test_portal766.py) and
through a real worker and Prometheus (tests/integration/test_portal766.py).

Each dossier is one line of ``DOSSIERS``; the expected rates below are worked out by hand
from the portal's formulas (docs/kpis.md) over this table, not from the code: the comment
beside each names the dossiers it counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
# When the figures are read: Saturday 28 November 2026, 10:00 province time.
NOW = datetime(2026, 11, 28, 10, 0, tzinfo=HCM)
AGENCY = "so-tnmt"
COMMUNE = "phuong-cua-lo"
# The portal acknowledges a synchronised step this long after it (in time: within 300 s).
SYNC_IN_TIME = timedelta(seconds=30)
SYNC_LATE = timedelta(hours=2)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=HCM)


@dataclass(frozen=True)
class Dossier:
    id: str
    received: datetime
    due: datetime
    # (lifecycle, time, rating) after the receipt.
    steps: tuple[tuple[str, datetime, str | None], ...] = ()
    eligible: bool | None = None
    full_online: bool = False
    fee: bool | None = None
    paid: bool = False
    replaced: bool | None = None
    electronic: bool | None = None
    digitized: bool = False
    # Lifecycles whose step reaches the portal late (SYNC_LATE) or never.
    synced_late: tuple[str, ...] = ()
    not_synced: tuple[str, ...] = ()
    version: int = 2
    agency: str = AGENCY
    level: str = "province"


def _resolved(day: int, hour: int, minute: int = 0) -> tuple[str, datetime, None]:
    return ("resolved", at(day, hour, minute), None)


DOSSIERS = (
    # Early (resolved two days before the due day).
    Dossier("D01", at(2, 8), at(6, 17), (_resolved(4, 10),), eligible=True, full_online=True,
            fee=True, paid=True, replaced=True, electronic=True, digitized=True),
    # On time: resolved on the due day, before the due time.
    Dossier("D02", at(2, 9), at(5, 17), (_resolved(5, 15),), eligible=True, fee=True,
            replaced=False, electronic=False, digitized=True),
    # Late; its result is not a document; the receipt never reached the portal, the
    # resolution two hours late.
    Dossier("D03", at(3, 9), at(6, 17), (_resolved(7, 9),), eligible=False, fee=False,
            not_synced=("received",), synced_late=("resolved",)),
    # Early, after a request for more documents; rated unsatisfied.
    Dossier("D04", at(10, 8, 30), at(14, 17),
            (("additional_docs_requested", at(11, 9), None), _resolved(13, 10),
             ("rated", at(13, 12), "unsatisfied")),
            eligible=True, full_online=True, fee=True, paid=True, electronic=True,
            digitized=True),
    # Early, free procedure; a complaint.
    Dossier("D05", at(16, 8), at(20, 17), (_resolved(19, 14), ("rated", at(19, 16), "complaint")),
            eligible=True, fee=False, replaced=True, electronic=True, digitized=True),
    # Late and rated unsatisfied: counts once against satisfaction.
    Dossier("D06", at(16, 10), at(18, 17),
            (_resolved(21, 9), ("rated", at(21, 10), "unsatisfied")),
            eligible=False, fee=True, paid=True),
    # In progress, within its due time on the 28th.
    Dossier("D07", at(20, 8), at(30, 17), eligible=True, full_online=True, fee=True,
            replaced=False, digitized=True),
    # In progress, overdue since the 25th.
    Dossier("D08", at(17, 8), at(25, 17), eligible=True, fee=False),
    # Returned to the citizen.
    Dossier("D09", at(18, 8), at(24, 17), (("returned", at(19, 9), None),), eligible=False,
            fee=False),
    # Cancelled; the cancellation never reached the portal.
    Dossier("D10", at(19, 8), at(26, 17), (("cancelled", at(20, 9), None),), eligible=True,
            full_online=True, fee=True, paid=True, not_synced=("cancelled",)),
    # In progress, due in December.
    Dossier("D11", at(21, 8), datetime(2026, 12, 4, 17, 0, tzinfo=HCM), eligible=True,
            full_online=True, fee=False, replaced=True, digitized=True),
    # Schema version 1: early, rated satisfied; nothing of version 2 is reported.
    Dossier("D12", at(5, 8), at(10, 17), (_resolved(9, 10), ("rated", at(9, 11), "satisfied")),
            full_online=True, paid=True, digitized=True, version=1),
    # On time one minute before its due time; rated satisfied.
    Dossier("D13", at(23, 8), at(27, 17),
            (_resolved(27, 16, 59), ("rated", at(27, 17), "satisfied")), eligible=True,
            full_online=True, fee=True, paid=True, replaced=True, electronic=True,
            digitized=True),
    # A commune: resolved early, and one in progress overdue on the 28th.
    Dossier("C01", at(24, 8), at(28, 9), (_resolved(25, 10),), eligible=True, full_online=True,
            fee=True, paid=True, agency=COMMUNE, level="commune"),
    Dossier("C02", at(24, 9), at(26, 17), eligible=True, agency=COMMUNE, level="commune"),
)  # fmt: skip


@dataclass(frozen=True)
class Feedback:
    id: str
    received: datetime
    due: datetime
    steps: tuple[tuple[str, datetime, str | None], ...] = ()
    agency: str = AGENCY
    level: str = "province"


FEEDBACK = (
    # Early, rated satisfied.
    Feedback("F01", at(3, 8), at(13, 17), (("resolved", at(10, 9), None),
                                           ("rated", at(10, 10), "satisfied"))),
    # On time, rated unsatisfied.
    Feedback("F02", at(5, 8), at(12, 17), (("resolved", at(12, 16), None),
                                           ("rated", at(12, 17), "unsatisfied"))),
    # Late.
    Feedback("F03", at(6, 8), at(10, 17), (("resolved", at(14, 9), None),)),
    # Early, then the citizen complains again about the result.
    Feedback("F04", at(16, 8), at(20, 17), (("resolved", at(19, 9), None),
                                            ("complaint", at(21, 9), None))),
    # In progress within its due time, and in progress overdue, on the 28th.
    Feedback("F05", at(20, 8), at(30, 17)),
    Feedback("F06", at(17, 8), at(24, 17)),
    # Early, rated satisfied.
    Feedback("F07", at(22, 8), at(27, 17), (("resolved", at(26, 9), None),
                                            ("rated", at(26, 10), "satisfied"))),
)  # fmt: skip


def _feedback_events() -> list[tuple[datetime, dict[str, Any]]]:
    out = []
    for f in FEEDBACK:
        for n, (lifecycle, when, rating) in enumerate((("received", f.received, None), *f.steps)):
            doc: dict[str, Any] = {
                "schema_version": 1,
                "event_id": f"{f.id}-{n}",
                "event_time": when.isoformat(),
                "event_type": "feedback",
                "feedback_id": f.id,
                "agency": f.agency,
                "level": f.level,
                "lifecycle": lifecycle,
                "due_time": f.due.isoformat(),
            }
            if rating is not None:
                doc["rating"] = rating
            out.append((when, doc))
    return out


def events() -> list[dict[str, Any]]:
    """Every step of every dossier as the portal's system sends it, in event-time order."""
    out: list[tuple[datetime, dict[str, Any]]] = []
    for d in DOSSIERS:
        steps = (("received", d.received, None), *d.steps)
        for n, (lifecycle, when, rating) in enumerate(steps):
            doc: dict[str, Any] = {
                "schema_version": d.version,
                "event_id": f"{d.id}-{n}",
                "event_time": when.isoformat(),
                "event_type": "dossier",
                "dossier_id": d.id,
                "agency": d.agency,
                "level": d.level,
                "procedure_code": "1.004227",
                "procedure_field": "Đất đai",
                "lifecycle": lifecycle,
                "channel": "online" if d.full_online else "direct",
                "full_online": d.full_online,
                "paid_online": d.paid,
                "digitized": d.digitized,
                "due_time": d.due.isoformat(),
            }
            if rating is not None:
                doc["rating"] = rating
            if d.version == 2:
                doc["full_online_eligible"] = d.eligible
                doc["fee_required"] = d.fee
                doc["components_replaced"] = d.replaced
                if lifecycle == "resolved":
                    doc["electronic_result"] = d.electronic
                if lifecycle not in d.not_synced:
                    delay = SYNC_LATE if lifecycle in d.synced_late else SYNC_IN_TIME
                    doc["portal_synced_time"] = (when + delay).isoformat()
            out.append((when, doc))
    out += _feedback_events()
    return [doc for _, doc in sorted(out, key=lambda pair: pair[0])]


# so-tnmt, November 2026, read on the 28th at 10:00.
AGENCY_RATES = {
    # Steps of version 2 that are not ratings: 22 (D01-D11, D13); reached the portal
    # within 300 s: all but D03's two and D10's cancellation = 19.
    "dossier_sync": 19 / 22,
    # Resolved: D01, D02, D03, D04, D05, D06, D12, D13 = 8, early or on time all but D03,
    # D06 = 6; in progress: D07, D08, D11 = 3, within due D07, D11 = 2. (6 + 2) / (8 + 3).
    "progress": 8 / 11,
    # Eligible: D01, D02, D04, D05, D07, D08, D10, D11, D13 = 9; full online D01, D04, D07,
    # D10, D11, D13 = 6.
    "full_online": 6 / 9,
    # Resolved with a document as result: D01, D02, D04, D05, D13; electronic all but D02.
    "electronic_result": 4 / 5,
    # Received 13; digitized D01, D02, D04, D05, D07, D11, D12, D13 = 8.
    "digitized": 8 / 13,
    # With replaceable components: D01, D02, D05, D07, D11, D13; replaced D01, D05, D11, D13.
    "components_replaced": 4 / 6,
    # Resolved 8; against: D03 late, D04 unsatisfied, D05 complaint, D06 late and
    # unsatisfied (once) = 4.
    "dossier_satisfaction": 4 / 8,
    # With a fee: D01, D02, D04, D06, D07, D10, D13 = 7; paid online all but D02, D07 = 5.
    "online_payment": 5 / 7,
    # Feedback resolved with a due time: F01, F02, F03, F04, F07 = 5, on time all but F03 = 4;
    # in progress F05, F06 = 2, within due F05 = 1. (4 + 1) / (5 + 2).
    "feedback_on_time": 5 / 7,
    # Resolved 5; against: F02 unsatisfied, F03 late, F04 complained again = 3.
    "feedback_satisfaction": 2 / 5,
}
# phuong-cua-lo: C01 resolved early, C02 in progress and overdue.
COMMUNE_RATES = {
    "dossier_sync": 3 / 3,
    "progress": (1 + 0) / (1 + 1),
    "digitized": 0 / 2,
    "dossier_satisfaction": 1 / 1,
    "online_payment": 1 / 1,  # C02 reports no fee: not in the denominator
}
