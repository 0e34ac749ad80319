"""The national portal's Decision 766 sub-indicators that the stream measures, as data.

The portal scores each province, agency and commune out of 100 in six groups of 24
sub-indicators (docs/kpis.md has all 24 and the source of each formula). The rows here are the
ones the dossier and feedback streams carry: each names the period measures
(``spec.PERIOD_MEASURES``) of its numerator and denominator. Recording rules and panels are
generated from them, and the report reads those rules; ``score`` is the same arithmetic in
Python, which the worked examples hold to the hand-computed figures.

Points are read linearly from each rate (points × rate): the extract of the portal's sheet
gives a maximum per row and no threshold table.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

Level = Literal["province", "commune"]

# The six groups: (Vietnamese name, English name, points).
GROUPS: dict[str, tuple[str, str, float]] = {
    "transparency": ("Công khai, minh bạch", "Transparency", 18.0),
    "progress": ("Tiến độ giải quyết", "Progress", 20.0),
    "online_services": ("Dịch vụ công trực tuyến", "Online provision", 12.0),
    "digitization": ("Số hóa hồ sơ", "Digitization", 22.0),
    "satisfaction": ("Mức độ hài lòng", "Satisfaction", 18.0),
    "online_payment": ("Thanh toán trực tuyến", "Online payment", 10.0),
}


@dataclass(frozen=True)
class SubIndicator:
    """One scored row of the portal's sheet, measured from dossier steps.

    rate = numerator / denominator, or (denominator − numerator) / denominator when
    ``complement``; with ``in_progress`` (the gauges of cases in progress and overdue), the
    cases in progress join both sides, those still within their due time in the numerator,
    as the portal's progress and PAKN-on-time indicators do. ``gains_half_of``: when that
    sub-indicator has no value, this one is worth half its points more (the portal's rule
    for an agency without citizen feedback).
    """

    row: int
    code: str
    group: str
    points: float
    name: str
    english: str
    numerator: str
    denominator: str
    scope: tuple[Level, ...] = ("province", "commune")
    complement: bool = False
    in_progress: tuple[str, str] | None = None
    gains_half_of: str | None = None

    def rate(
        self, measures: Mapping[str, float], in_progress: float = 0, overdue: float = 0
    ) -> float | None:
        """The rate of one agency (or a sum of agencies) for one period; None (no value,
        never 0 or 100%) when its denominator is empty."""
        numerator = measures.get(self.numerator, 0)
        denominator = measures.get(self.denominator, 0)
        if self.in_progress is not None:
            numerator += in_progress - overdue
            denominator += in_progress
        if denominator <= 0:
            return None
        if self.complement:
            return max(denominator - numerator, 0) / denominator
        return numerator / denominator


# The gauges of cases in progress now, and of those past their due time.
_DOSSIERS_NOW = ("ioc_dossiers_in_progress", "ioc_dossiers_overdue")
_FEEDBACK_NOW = ("ioc_feedback_in_progress", "ioc_feedback_overdue")

SUB_INDICATORS: tuple[SubIndicator, ...] = (
    SubIndicator(
        4, "dossier_sync", "transparency", 6.0,
        "Hồ sơ đồng bộ trạng thái với Cổng DVCQG", "Dossier status synchronised with the portal",
        "steps_synced_in_time", "steps_sync_tracked",
    ),
    SubIndicator(
        5, "progress", "progress", 20.0,
        "Hồ sơ xử lý trước hạn, đúng hạn", "Dossiers handled early or on time",
        "resolved_on_time", "resolved_with_due", in_progress=_DOSSIERS_NOW,
    ),
    SubIndicator(
        6, "full_online", "online_services", 12.0,
        "Hồ sơ trực tuyến toàn trình", "Full-online dossiers of eligible procedures",
        "full_online_eligible", "received_eligible", scope=("province",),
    ),
    SubIndicator(
        11, "electronic_result", "digitization", 6.0,
        "Hồ sơ có kết quả điện tử", "Dossiers with an electronic result",
        "electronic_result", "resolved_result_document",
    ),
    SubIndicator(
        12, "digitized", "digitization", 4.0,
        "Hồ sơ số hóa thành phần hồ sơ", "Dossiers with digitized components",
        "digitized", "received",
    ),
    SubIndicator(
        14, "components_replaced", "digitization", 2.0,
        "Hồ sơ có thành phần được thay thế bằng dữ liệu", "Components replaced by data",
        "components_replaced", "received_replaceable",
    ),
    SubIndicator(
        21, "feedback_on_time", "satisfaction", 6.0,
        "PAKN xử lý đúng hạn", "Citizen feedback handled on time",
        "feedback_resolved_on_time", "feedback_resolved_with_due", in_progress=_FEEDBACK_NOW,
        gains_half_of="feedback_satisfaction",
    ),
    SubIndicator(
        22, "feedback_satisfaction", "satisfaction", 6.0,
        "Hài lòng trong xử lý PAKN", "Satisfaction with feedback handling",
        "feedback_dissatisfied", "feedback_resolved", complement=True,
    ),
    SubIndicator(
        23, "dossier_satisfaction", "satisfaction", 6.0,
        "Hài lòng trong tiếp nhận, giải quyết TTHC", "Satisfaction with dossier handling",
        "resolved_dissatisfied", "resolved", complement=True,
        gains_half_of="feedback_satisfaction",
    ),
    SubIndicator(
        24, "online_payment", "online_payment", 10.0,
        "Hồ sơ thanh toán trực tuyến", "Dossiers paid online of procedures with a fee",
        "paid_online_with_fee", "received_with_fee",
    ),
)  # fmt: skip
BY_CODE: dict[str, SubIndicator] = {s.code: s for s in SUB_INDICATORS}
BY_ROW: dict[str, SubIndicator] = {str(s.row): s for s in SUB_INDICATORS}

# The maximum points of every row of the portal's sheet (docs/kpis.md), measured here or not;
# rows the portal shows without points score 0.
ROW_POINTS: dict[str, float] = {
    str(row): points
    for row, points in enumerate(
        (6, 4, 2, 6, 20, 12, 0, 0, 0, 0, 6, 4, 2, 2, 4, 2, 2, 0, 0, 0, 6, 6, 6, 10), start=1
    )
}


@dataclass(frozen=True)
class Score:
    """Points of the measured sub-indicators that have a value, and their maximum."""

    points: float
    maximum: float
    by_code: dict[str, float]


def score(
    measures: Mapping[str, float], level: Level, now: Mapping[str, float] | None = None
) -> Score:
    """The 766 points of one agency (of ``level``) for one period, from its period measures
    and the gauges of its cases in progress and overdue ``now`` (by metric name)."""
    now = now or {}
    rates: dict[str, float] = {}
    for s in SUB_INDICATORS:
        if level not in s.scope:
            continue
        cases = (
            (now.get(s.in_progress[0], 0), now.get(s.in_progress[1], 0))
            if s.in_progress
            else (0, 0)
        )
        rate = s.rate(measures, *cases)
        if rate is not None:
            rates[s.code] = rate
    by_code: dict[str, float] = {}
    maximum = 0.0
    for code, rate in rates.items():
        s = BY_CODE[code]
        points = s.points
        if s.gains_half_of is not None and s.gains_half_of not in rates:
            points += BY_CODE[s.gains_half_of].points / 2
        by_code[code] = points * rate
        maximum += points
    return Score(sum(by_code.values()), maximum, by_code)
