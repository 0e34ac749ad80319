"""Catalog schema. Ids are label values, so they are short slugs from a bounded set."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from ioc.config.yamlfile import LocatedError

Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")]
Slug_ = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,62}$")]  # a metric label value
# What people read (an info metric's label value too): one line, no "|" (the label separator).
Name = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[^|\r\n]+$")]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AssetCounts(_Model):
    desktop: int = Field(default=0, ge=0)
    server: int = Field(default=0, ge=0)
    network_device: int = Field(default=0, ge=0)


class SystemCounts(_Model):
    """Information systems by security level (Decree 85/2016: levels 1-5)."""

    level_1: int = Field(default=0, ge=0)
    level_2: int = Field(default=0, ge=0)
    level_3: int = Field(default=0, ge=0)
    level_4: int = Field(default=0, ge=0)
    level_5: int = Field(default=0, ge=0)


AgencyKind = Literal["department", "commune", "other"]


class Agency(_Model):
    id: Slug
    name: Name
    level: Literal["province", "commune"]
    # How the province groups its agencies on the wall: provincial departments, communes
    # (and wards), others (the People's Committee office, sector units). Unset: from level.
    kind: AgencyKind | None = None
    # The district or area a commune belongs to, for grouping communes; a slug.
    area: Slug | None = None
    assets: AssetCounts = AssetCounts()
    information_systems: SystemCounts = SystemCounts()

    @property
    def group(self) -> AgencyKind:
        """The agency's kind, given or derived from its level."""
        if self.kind is not None:
            return self.kind
        return "commune" if self.level == "commune" else "department"


class Service(_Model):
    """A shared platform probed for uptime."""

    id: Slug
    name: Name
    tier: Literal[1, 2, 3]
    probe_kind: Literal["http", "tcp", "icmp", "dns"]
    target: str = Field(min_length=1)
    interval_seconds: float = Field(default=30.0, gt=0, le=3600)
    latency_threshold_seconds: float = Field(default=2.0, gt=0)
    # The agency that hosts the platform (where its servers sit).
    agency: Slug
    # How `ioc probe` judges an answer (http): the statuses that count as up (any 2xx if
    # unset), a text the body must contain, and the time after which the probe fails.
    method: Literal["GET", "HEAD", "POST"] = "GET"
    expected_status: list[Annotated[int, Field(ge=100, le=599)]] | None = None
    body_contains: str | None = Field(default=None, min_length=1)
    timeout_seconds: float = Field(default=10.0, gt=0)
    # A private CA's certificates (PEM) to trust besides the system's: agencies' platforms
    # often carry certificates of the government CA.
    ca_file: Path | None = None

    @model_validator(mode="after")
    def _probe_is_runnable(self) -> Service:
        if self.probe_kind == "http" and not self.target.startswith(("http://", "https://")):
            raise ValueError(f"target {self.target!r}: an http probe needs an http(s):// URL")
        if self.probe_kind == "tcp":
            host, _, port = self.target.rpartition(":")
            if not host or not port.isdigit() or not 0 < int(port) < 65536:
                raise ValueError(f"target {self.target!r}: a tcp probe needs host:port")
        if self.timeout_seconds >= self.interval_seconds:
            raise ValueError(
                f"timeout_seconds ({self.timeout_seconds:g}) must be shorter than "
                f"interval_seconds ({self.interval_seconds:g}): a probe ends before the next"
            )
        return self


class MaintenanceWindow(_Model):
    """Declared maintenance: probes inside it count neither for nor against availability."""

    service: Slug
    start: AwareDatetime
    end: AwareDatetime
    reason: str = ""

    @model_validator(mode="after")
    def _ordered(self) -> MaintenanceWindow:
        if self.end <= self.start:
            raise ValueError("end must be after start")
        return self


class UptimePolicy(_Model):
    """Flapping control as in Gatus."""

    down_after_failures: int = Field(default=3, ge=1)
    up_after_successes: int = Field(default=2, ge=1)
    # A burn-rate page also needs this many failed probes in its long window: one failure of
    # a service probed once a minute is 1.7% of its hour, above a 99.9% SLO's 14.4x burn
    # (SRE Workbook ch. 5, "low-traffic services"). The same count as ServiceDown's.
    min_failures_to_page: int = Field(default=3, ge=1)
    # Availability SLO by service tier: the burn-rate alerts are generated from it.
    slo_by_tier: dict[int, Annotated[float, Field(gt=0, lt=1)]] = Field(
        default_factory=lambda: {1: 0.999, 2: 0.995, 3: 0.995}
    )


Severity = Literal["low", "medium", "high", "critical"]


def _default_risk_weights() -> dict[Severity, float]:
    return {"low": 0.0, "medium": 1.0, "high": 5.0, "critical": 20.0}


class SocPolicy(_Model):
    # Label values for techniques and rule groups: these, and "other" for the rest, so that
    # label cardinality stays bounded whatever the SIEM sends.
    tracked_techniques: list[str] = Field(default_factory=list, max_length=50)
    tracked_rule_groups: list[str] = Field(default_factory=list, max_length=50)
    # Weights of open alerts in the agency risk score, by severity.
    risk_weights: dict[Severity, float] = Field(default_factory=_default_risk_weights)


class RetentionPolicy(_Model):
    """How long open things are kept before they are closed out as abandoned (counted, never
    silently dropped): state is bounded by these and the input rates, not by the input."""

    # A dossier still in progress this long after its due time, or after it was received.
    dossier_overdue_days: float = Field(default=90, gt=0)
    dossier_open_days: float = Field(default=400, gt=0)
    # A SOC alert (medium and above) never resolved this long after it was raised.
    alert_open_days: float = Field(default=30, gt=0)


class Kpi(_Model):
    uptime: UptimePolicy = UptimePolicy()
    soc: SocPolicy = SocPolicy()
    retention: RetentionPolicy = RetentionPolicy()
    # A dossier step reached the national portal in time within this many seconds of it
    # (Decision 766, transparency: status synchronised in real time; docs/kpis.md row 4).
    portal_sync_seconds: float = Field(default=300, gt=0, le=30 * 86400)
    # An agency whose sub-indicators differ from the portal's published points by more than
    # this in all, this month, raises a ticket (Ioc766DiffersFromPortal).
    portal_difference_points: float = Field(default=2.0, gt=0, le=100)
    # Targets drawn on the panels (ratios 0-1), e.g. full_online_rate: 0.45.
    targets: dict[Slug_, Annotated[float, Field(ge=0, le=1)]] = Field(default_factory=dict)


class OfficeHours(_Model):
    """When agencies work, in province time: the one definition that the intake-stall rule,
    the simulator's traffic shape and Alertmanager's ``office_hours`` interval share."""

    days: list[Annotated[int, Field(ge=1, le=7)]] = Field(
        default=[1, 2, 3, 4, 5], min_length=1, description="ISO weekdays, Monday = 1"
    )
    start: time = time(7, 30)
    end: time = time(17, 0)

    @model_validator(mode="after")
    def _start_before_end(self) -> OfficeHours:
        if self.start >= self.end:
            raise ValueError(f"start {self.start} must be before end {self.end}")
        return self

    def window(self, local: datetime) -> tuple[datetime, datetime] | None:
        """Opening and closing of the office day ``local`` (an aware datetime in the
        province's zone) falls on, or None on a day off."""
        if local.isoweekday() not in self.days:
            return None
        tz = local.tzinfo
        return datetime.combine(local.date(), self.start, tz), datetime.combine(
            local.date(), self.end, tz
        )

    def contains(self, local: datetime) -> bool:
        """``local`` is inside office hours: opening included, closing excluded."""
        day = self.window(local)
        return day is not None and day[0] <= local < day[1]


_Date = date  # the fields below are named ``date``


class DayOff(_Model):
    """Office days the government gives off: a public holiday, Tết, a compensatory day off
    for a holiday on a weekend, or a working day swapped with a weekend day."""

    date: _Date
    until: _Date | None = Field(default=None, description="last day of a run, inclusive")
    name: str = Field(min_length=1)

    @model_validator(mode="after")
    def _ordered(self) -> DayOff:
        if self.until is not None and self.until < self.date:
            raise ValueError(f"until {self.until} comes before date {self.date}")
        return self

    def days(self) -> list[_Date]:
        last = self.until or self.date
        return [self.date + timedelta(days=n) for n in range((last - self.date).days + 1)]


class WorkingDay(_Model):
    """A weekend day worked in exchange for a day off (ngày làm bù)."""

    date: _Date
    name: str = Field(min_length=1)


class CalendarYear(_Model):
    """One year's days off and compensatory working days, as the government announced them."""

    source: str = Field(min_length=1, description="the announcement these days come from")
    # True while a year is filled from the Labour Code's fixed holidays before the
    # government's announcement: the report says so.
    provisional: bool = False
    days_off: list[DayOff] = []
    working_days: list[WorkingDay] = []


class Province(_Model):
    code: Slug
    name: str = Field(min_length=1)
    timezone: str = "Asia/Ho_Chi_Minh"
    office_hours: OfficeHours = OfficeHours()


class Totals(_Model):
    """Published totals; when given, the per-agency counts must add up to them."""

    desktop: int | None = None
    server: int | None = None
    network_device: int | None = None
    level_1: int | None = None
    level_2: int | None = None
    level_3: int | None = None


class Catalog(_Model):
    province: Province
    agencies: list[Agency] = Field(min_length=1)
    services: list[Service] = Field(min_length=1)
    totals: Totals = Totals()
    kpi: Kpi = Kpi()
    maintenance: list[MaintenanceWindow] = []
    # The working calendar by year (ioc.catalog.calendar): without a year, its days are
    # taken as plain office weeks and the pipeline raises IocCalendarYearMissing.
    calendar: dict[Annotated[int, Field(ge=2000, le=2100)], CalendarYear] = {}

    @model_validator(mode="after")
    def _consistent(self) -> Catalog:
        _unique("agencies", [a.id for a in self.agencies])
        _unique("services", [s.id for s in self.services])
        known = {a.id for a in self.agencies}
        for i, service in enumerate(self.services):
            if service.agency not in known:
                raise LocatedError(
                    ("services", i, "agency"),
                    f"'{service.agency}' is not the id of an agency in 'agencies'",
                )
        services = {s.id for s in self.services}
        for i, window in enumerate(self.maintenance):
            if window.service not in services:
                raise LocatedError(
                    ("maintenance", i, "service"),
                    f"'{window.service}' is not the id of a service in 'services'",
                )
        self._calendar_days_fit()
        sums = {
            "desktop": sum(a.assets.desktop for a in self.agencies),
            "server": sum(a.assets.server for a in self.agencies),
            "network_device": sum(a.assets.network_device for a in self.agencies),
            "level_1": sum(a.information_systems.level_1 for a in self.agencies),
            "level_2": sum(a.information_systems.level_2 for a in self.agencies),
            "level_3": sum(a.information_systems.level_3 for a in self.agencies),
        }
        for name, declared in self.totals.model_dump().items():
            if declared is not None and declared != sums[name]:
                raise LocatedError(
                    ("totals", name),
                    f"declared {declared}, but the agencies' {name} counts add up to "
                    f"{sums[name]} (off by {sums[name] - declared:+d})",
                )
        return self

    def agency(self, agency_id: str) -> Agency:
        return self._agencies_by_id()[agency_id]

    def service(self, service_id: str) -> Service:
        return self._services_by_id()[service_id]

    def _agencies_by_id(self) -> dict[str, Agency]:
        return {a.id: a for a in self.agencies}

    def _services_by_id(self) -> dict[str, Service]:
        return {s.id: s for s in self.services}

    def _calendar_days_fit(self) -> None:
        """Each listed day lies in its year; a day off is an office day and a working day is
        not (anything else is a typo of the date); no day is listed twice."""
        office = self.province.office_hours.days
        seen: dict[date, tuple[str | int, ...]] = {}
        for year, spec in self.calendar.items():
            listed: list[tuple[tuple[str | int, ...], date, bool]] = []
            for i, day_off in enumerate(spec.days_off):
                where: tuple[str | int, ...] = ("calendar", year, "days_off", i)
                listed += [(where, d, True) for d in day_off.days()]
            for i, work in enumerate(spec.working_days):
                listed.append((("calendar", year, "working_days", i, "date"), work.date, False))
            for where, day, off in listed:
                if day.year != year:
                    raise LocatedError(where, f"{day} is not in the year {year}")
                if off and day.isoweekday() not in office:
                    raise LocatedError(
                        where,
                        f"{day} is a {day:%A}, not an office day: list the compensatory "
                        "day off that the announcement gives instead",
                    )
                if not off and day.isoweekday() in office:
                    raise LocatedError(
                        where, f"{day} is a {day:%A}, already an office day: expected a "
                        "weekend day worked in exchange for a day off",
                    )  # fmt: skip
                if day in seen:
                    first = ".".join(str(part) for part in seen[day])
                    raise LocatedError(where, f"{day} is listed twice (also at {first})")
                seen[day] = where


def _unique(field: str, ids: list[str]) -> None:
    seen: dict[str, int] = {}
    for i, ident in enumerate(ids):
        if ident in seen:
            raise LocatedError(
                (field, i, "id"), f"'{ident}' appears more than once (first as item {seen[ident]})"
            )
        seen[ident] = i
