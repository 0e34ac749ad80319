"""Who is called: the province's people, its on-call teams with their weekly rotations and
overrides, and each agency's contacts by role (security officer, one-stop coordinator, IT
contact). A province fills in its own file (``IOC_ONCALL_PATH``); the bundled example uses
fictitious people at ``ioc.example`` addresses.

Contact details are personal data: addresses and chat ids are ``SecretStr`` (printed as
``**********`` in a repr, a log line or an error) and only ``ioc alertmanager config`` reads
them out."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    model_validator,
)

from ioc.catalog.model import Catalog, Name, Slug
from ioc.config.yamlfile import LocatedError, read_yaml

DEFAULT_ONCALL_PATH = Path(__file__).parent / "data" / "oncall.example.yaml"
Role = Literal["security_officer", "one_stop", "it_contact"]
ROLES: tuple[Role, ...] = ("security_officer", "one_stop", "it_contact")
# An address as a person types it in a form: enough to catch a typo, not RFC 5322.
_EMAIL = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
# A Telegram chat id: a user's is positive, a group's negative.
_CHAT_ID = re.compile(r"^-?\d{1,20}$")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Person(_Model):
    id: Slug
    name: Name
    email: SecretStr | None = None
    telegram_chat_id: SecretStr | None = None


class Override(_Model):
    """``person`` takes the team's shift from ``start`` to ``end`` (a swap, a leave)."""

    person: Slug
    start: AwareDatetime
    end: AwareDatetime


class Rotation(_Model):
    """``order`` takes turns, each for ``every`` days, from ``start`` (the first one's)."""

    start: AwareDatetime
    every_days: int = Field(default=7, ge=1, le=28)
    order: list[Slug] = Field(min_length=1)


class Team(_Model):
    id: Slug
    name: Name
    rotation: Rotation
    overrides: list[Override] = []

    def on_call(self, at: datetime) -> str:
        """Who holds the shift at ``at``: an override if one covers it, else the rotation."""
        for override in self.overrides:
            if override.start <= at < override.end:
                return override.person
        return self._turn(at, 0)

    def shifts(self, until: datetime) -> list[tuple[datetime, datetime, str]]:
        """Who holds the shift from the rotation's start to ``until``: (start, end, person)
        spans, overrides cut out of the rotation's turns and put in their place."""
        rotation = self.rotation
        turns = self._turns(until, 0)
        for override in sorted(self.overrides, key=lambda o: o.start):
            cut: list[tuple[datetime, datetime, str]] = []
            for a, b, who in turns:
                if b <= override.start or a >= override.end:
                    cut.append((a, b, who))
                    continue
                if a < override.start:
                    cut.append((a, override.start, who))
                if b > override.end:
                    cut.append((override.end, b, who))
            cut.append((max(override.start, rotation.start), min(override.end, until),
                        override.person))  # fmt: skip
            turns = sorted(s for s in cut if s[0] < s[1])
        return turns

    def secondary_shifts(self, until: datetime) -> list[tuple[datetime, datetime, str]]:
        """Who is second to call from the rotation's start to ``until``: the next one in the
        rotation's order, turn by turn (overrides change the first, not the second)."""
        return self._turns(until, 1)

    def _turns(self, until: datetime, ahead: int) -> list[tuple[datetime, datetime, str]]:
        """The rotation's turns from its start to ``until``, ``ahead`` places along its order."""
        rotation = self.rotation
        every = timedelta(days=rotation.every_days)
        out: list[tuple[datetime, datetime, str]] = []
        start, n = rotation.start, 0
        while start < until:
            end = min(start + every, until)
            out.append((start, end, rotation.order[(n + ahead) % len(rotation.order)]))
            start, n = end, n + 1
        return out

    def secondary(self, at: datetime) -> str:
        """The next one in the rotation after whoever's turn it is: the second to call."""
        return self._turn(at, 1)

    def _turn(self, at: datetime, ahead: int) -> str:
        rotation = self.rotation
        shifts = (at - rotation.start) // timedelta(days=rotation.every_days)
        return rotation.order[(shifts + ahead) % len(rotation.order)]


class AgencyContacts(_Model):
    security_officer: list[Slug] = Field(min_length=1)
    one_stop: list[Slug] = Field(min_length=1)
    it_contact: list[Slug] = []


class OnCall(_Model):
    people: list[Person] = Field(min_length=1)
    # The province's teams: incident response (SOC pages) and IT operations (platforms).
    incident_response: Team
    it_operations: Team
    # The last step of every escalation chain.
    head_of_operations: Slug
    agencies: dict[Slug, AgencyContacts]

    @model_validator(mode="after")
    def _consistent(self) -> OnCall:
        ids = [p.id for p in self.people]
        seen: set[str] = set()
        for i, person in enumerate(self.people):
            if person.id in seen:
                raise LocatedError(("people", i, "id"), f"'{person.id}' is listed twice")
            seen.add(person.id)
            if person.email is None and person.telegram_chat_id is None:
                raise LocatedError(("people", i), "expected an email or a telegram_chat_id")
            if person.email is not None and not _EMAIL.match(person.email.get_secret_value()):
                raise LocatedError(
                    ("people", i, "email"), "expected an address like name@agency.gov.vn"
                )
            chat = person.telegram_chat_id
            if chat is not None and not _CHAT_ID.match(chat.get_secret_value()):
                raise LocatedError(
                    ("people", i, "telegram_chat_id"), "expected a Telegram chat id (digits)"
                )
        known = set(ids)
        refs: list[tuple[tuple[str | int, ...], str]] = [
            (("head_of_operations",), self.head_of_operations)
        ]
        for key in ("incident_response", "it_operations"):
            team: Team = getattr(self, key)
            refs += [((key, "rotation", "order", i), p) for i, p in enumerate(team.rotation.order)]
            refs += [((key, "overrides", i, "person"), o.person)
                     for i, o in enumerate(team.overrides)]  # fmt: skip
            for i, o in enumerate(team.overrides):
                if o.end <= o.start:
                    raise LocatedError((key, "overrides", i, "end"), "expected after its start")
        for agency, contacts in self.agencies.items():
            for role in ROLES:
                refs += [(("agencies", agency, role, i), p)
                         for i, p in enumerate(getattr(contacts, role))]  # fmt: skip
        for where, ref in refs:
            if ref not in known:
                raise LocatedError(where, f"'{ref}' is not the id of a person in 'people'")
        return self

    def person(self, person_id: str) -> Person:
        return next(p for p in self.people if p.id == person_id)

    def missing_agencies(self, catalog: Catalog) -> list[str]:
        """Catalog agencies without contacts: their pages would reach nobody there."""
        return [a.id for a in catalog.agencies if a.id not in self.agencies]


def load_oncall(path: Path | str | None = None, catalog: Catalog | None = None) -> OnCall:
    """Read the on-call file; with ``catalog``, every agency must have its contacts and no
    contact may name an agency the catalog does not have."""
    doc = read_yaml(Path(path) if path is not None else DEFAULT_ONCALL_PATH)
    try:
        oncall = OnCall.model_validate(doc.data)
    except ValidationError as exc:
        raise doc.error(exc) from None
    if catalog is not None:
        known = {a.id for a in catalog.agencies}
        unknown = sorted(set(oncall.agencies) - known)
        missing = oncall.missing_agencies(catalog)
        problems = [f"agencies.{a}: not an agency of the catalog" for a in unknown]
        if missing:
            problems.append(
                f"agencies: no contacts for {len(missing)} catalog agencies "
                f"({', '.join(missing[:5])}{' ...' if len(missing) > 5 else ''}): expected "
                "a security_officer and a one_stop coordinator for each"
            )
        if problems:
            from ioc.config import ConfigError

            raise ConfigError("\n".join(f"{doc.file}: {p}" for p in problems))
    return oncall
