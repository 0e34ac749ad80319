"""Scenario files: incidents injected into a simulation, at offsets from its start."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ioc.config.durations import Seconds
from ioc.config.yamlfile import read_yaml


class _Scenario(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    start: Seconds
    duration: Seconds

    def active(self, t: float) -> bool:
        return self.start <= t < self.start + self.duration


class ServiceOutage(_Scenario):
    kind: Literal["service_outage"]
    service: str
    error_class: Literal["timeout", "connect", "http_5xx", "dns", "tls"] = "timeout"


class SocCampaign(_Scenario):
    kind: Literal["soc_campaign"]
    technique: str = Field(pattern=r"^T\d{4}(\.\d{3})?$")
    agencies: list[str] = Field(min_length=1)
    agents: int = Field(default=10, ge=1)
    alerts_per_second: float = Field(default=1.0, gt=0)
    level: int = Field(default=12, ge=0, le=16)


class DossierBacklogSurge(_Scenario):
    kind: Literal["dossier_backlog_surge"]
    agency: str
    arrival_multiplier: float = Field(default=5.0, ge=1)
    slowdown: float = Field(default=5.0, ge=1)


class FeedbackSurge(_Scenario):
    """Citizens write in about one agency far more than usual (a local incident), and the
    agency is slow to answer."""

    kind: Literal["feedback_surge"]
    agency: str
    arrival_multiplier: float = Field(default=10.0, ge=1)
    slowdown: float = Field(default=3.0, ge=1)


Scenario = Annotated[
    ServiceOutage | SocCampaign | DossierBacklogSurge | FeedbackSurge, Field(discriminator="kind")
]


class ScenarioFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    # Random background incidents: short outages, latency spikes, SOC bursts, the odd
    # high or critical alert. Off for a quiet baseline, where only scenarios raise alerts.
    background_incidents: bool = True
    scenarios: list[Scenario] = []


def load_scenarios(path: Path | str) -> ScenarioFile:
    doc = read_yaml(path)
    try:
        return ScenarioFile.model_validate(doc.data or {})
    except ValidationError as exc:
        raise doc.error(exc) from None
