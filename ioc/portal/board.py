"""The portal's published scores as the workers hold them: the latest import of each agency
and month, read from the portal-scores topic. Pure: no Kafka, no clock."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ioc.aggregate.portal766 import BY_ROW, ROW_POINTS
from ioc.portal.scores import TOTAL, PortalScore

# The label of the portal's total beside the sub-indicators' codes.
TOTAL_INDICATOR = "total"


class _Message(BaseModel):
    model_config = ConfigDict(strict=True, frozen=True, extra="ignore")

    agency: Annotated[str, Field(min_length=1, max_length=128)]
    level: Literal["province", "commune"]
    month: Annotated[str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]
    points: dict[str, Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)]]
    imported_at: float = 0.0


class PortalBoard:
    """The latest published score of each (agency, month); a later message replaces it."""

    def __init__(self, agencies: frozenset[str]) -> None:
        self._agencies = agencies
        self._latest: dict[tuple[str, str], PortalScore] = {}

    def apply(self, value: bytes | None) -> str | None:
        """Take one message; the reason it is refused, or None when taken."""
        if value is None:
            return "empty message"
        try:
            message = _Message.model_validate_json(value)
        except ValidationError as exc:
            return f"not a portal score: {exc.errors()[0].get('msg')}"
        if message.agency not in self._agencies:
            return f"agency {message.agency!r} is not in the catalog"
        for row, points in message.points.items():
            most = 100.0 if row == TOTAL else ROW_POINTS.get(row)
            if most is None or points > most:
                return f"row {row!r}: not a row of the portal's sheet, or above its maximum"
        key = (message.agency, message.month)
        self._latest[key] = PortalScore(
            message.agency, message.level, message.month, dict(message.points)
        )
        return None

    def series(self, month: str) -> Iterator[tuple[str, str, str, float]]:
        """(agency, level, indicator, points) of ``month``: each sub-indicator this project
        measures, by its code, and the portal's total."""
        for (_, score_month), score in sorted(self._latest.items()):
            if score_month != month:
                continue
            for row, points in score.points.items():
                if row == TOTAL:
                    yield score.agency, score.level, TOTAL_INDICATOR, points
                elif row in BY_ROW:
                    yield score.agency, score.level, BY_ROW[row].code, points
