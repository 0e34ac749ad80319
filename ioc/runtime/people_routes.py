"""Routes to the people who must act, generated from the catalog and the on-call file
(issue 31): SOC pages to the incident-response person on call and the agency's security
officer; platform pages to the IT-operations person on call; dossier tickets to the agency's
one-stop coordinator in office hours. Alertmanager's own e-mail and Telegram receivers
deliver them; the webhooks to ``ioc oncall`` stay for the record.

Who is on call is data: each team's shifts (rotation and overrides) become one time interval
per person, and a route per person is active only in that person's shifts. The shifts are
written out to the end of the calendar's last year, and at least 400 days past the rotation's
start; regenerate the config with a new calendar year (IocCalendarYearMissing says when)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from ioc.alerting.escalation import ESCALATION_ALERT
from ioc.catalog import Catalog
from ioc.catalog.oncall import OnCall, Person
from ioc.runtime.time_intervals import span_intervals


class TelegramChannel(BaseSettings):
    """Pages by Telegram, from ``IOC_TELEGRAM_*``: BOT_TOKEN, and API_URL (a local stand-in
    in tests; Telegram's own by default)."""

    model_config = SettingsConfigDict(env_prefix="IOC_TELEGRAM_", extra="ignore")

    bot_token: SecretStr
    api_url: str = Field(default="https://api.telegram.org", pattern=r"^https?://\S+$")


def telegram_channel_from_env() -> TelegramChannel | None:
    if not os.environ.get("IOC_TELEGRAM_BOT_TOKEN"):
        return None
    return TelegramChannel()  # type: ignore[call-arg]


@dataclass(frozen=True)
class PeopleRouting:
    oncall: OnCall
    catalog: Catalog
    telegram: TelegramChannel | None = None


def with_people(
    config: dict[str, Any], people: PeopleRouting, email_config: Any | None
) -> dict[str, Any]:
    """``config`` with a receiver per person and per agency role, the on-call shifts as time
    intervals, and the routes to them. ``email_config(to)`` makes an e-mail receiver config
    (None: no e-mail channel)."""
    oncall, catalog = people.oncall, people.catalog
    tz = ZoneInfo(catalog.province.timezone)
    config = {**config}
    receivers = list(config["receivers"])
    intervals = list(config.get("time_intervals", []))

    def channels(persons: list[Person]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        mails = [p.email.get_secret_value() for p in persons if p.email is not None]
        if email_config is not None and mails:
            out["email_configs"] = [email_config(m) for m in mails]
        chats = [p.telegram_chat_id.get_secret_value() for p in persons
                 if p.telegram_chat_id is not None]  # fmt: skip
        if people.telegram is not None and chats:
            out["telegram_configs"] = [_telegram(people.telegram, c) for c in chats]
        return out

    until = _horizon(oncall, catalog, tz)

    def person_receiver(person_id: str) -> str:
        receiver = f"person-{person_id}"
        if not any(r["name"] == receiver for r in receivers):
            receivers.append({"name": receiver, **channels([oncall.person(person_id)])})
        return receiver

    team_routes: dict[str, list[dict[str, Any]]] = {}
    secondary_routes: dict[str, list[dict[str, Any]]] = {}
    for team in (oncall.incident_response, oncall.it_operations):
        for table, shifts, kind in (
            (team_routes, team.shifts(until), "on-call"),
            (secondary_routes, team.secondary_shifts(until), "secondary"),
        ):
            table[team.id] = []
            for person_id, spans in _by_person(shifts, until).items():
                name = f"{kind}-{team.id}-{person_id}"
                intervals.append({"name": name, "time_intervals": span_intervals(spans, tz.key)})
                receiver = person_receiver(person_id)
                table[team.id].append(
                    {"receiver": receiver, "active_time_intervals": [name], "continue": True}
                )
    security: list[dict[str, Any]] = []
    one_stop: list[dict[str, Any]] = []
    for agency in catalog.agencies:
        contacts = oncall.agencies.get(agency.id)
        if contacts is None:
            continue
        for role, routes, extra in (
            ("security_officer", security, {}),
            ("one_stop", one_stop, {"active_time_intervals": ["office_hours"]}),
        ):
            receiver = f"agency-{agency.id}-{role.replace('_', '-')}"
            persons = [oncall.person(p) for p in getattr(contacts, role)]
            receivers.append({"name": receiver, **channels(persons)})
            routes.append({"matchers": [f'agency="{agency.id}"'], "receiver": receiver,
                           "continue": True, **extra})  # fmt: skip
    head = person_receiver(oncall.head_of_operations)
    generated = [
        # Pages nobody acknowledged (ioc.alerting.escalation): the team's secondary on call,
        # then the head of the operations centre; nobody else again.
        {"matchers": [f'alertname="{ESCALATION_ALERT}"'], "receiver": "null", "routes": [
            # ``team`` is the team's role (ioc.alerting.escalation.team_of), not its id.
            *({"matchers": ['escalation="secondary"', f'team="{role}"'], "receiver": "null",
               "routes": secondary_routes[team.id]}
              for role, team in (("incident_response", oncall.incident_response),
                                 ("it_operations", oncall.it_operations))),
            {"matchers": ['escalation="head_of_operations"'], "receiver": head},
        ]},
        # SOC pages (and incidents that join an outage to SOC alerts): the incident-response
        # person on call, and the security officer of the agency.
        {"matchers": ['severity="page"', 'domain=~"soc|correlated"'], "receiver": "null",
         "continue": True, "routes": team_routes[oncall.incident_response.id] + security},
        # Platform pages: the IT-operations person on call.
        {"matchers": ['severity="page"', 'domain="uptime"'], "receiver": "null",
         "continue": True, "routes": team_routes[oncall.it_operations.id]},
        # Dossier tickets: the agency's one-stop coordinator, in office hours.
        {"matchers": ['severity="ticket"', 'domain="dossier"'], "receiver": "null",
         "continue": True, "routes": one_stop},
    ]  # fmt: skip
    route = {**config["route"]}
    routes = [{**r} for r in route.get("routes", [])]
    for r in routes:
        if r.get("matchers") == ['severity="page"']:
            r["continue"] = True  # the record still gets every page
    at = next((i + 1 for i, r in enumerate(routes) if r.get("matchers") == ['severity="page"']), 0)
    route["routes"] = routes[:at] + generated + routes[at:]
    config.update(route=route, receivers=receivers, time_intervals=intervals)
    return config


def _horizon(oncall: OnCall, catalog: Catalog, tz: ZoneInfo) -> datetime:
    """The end of the calendar's last year, and 400 days past each rotation's start: the
    config is the same whatever day it is generated on."""
    starts = [oncall.incident_response.rotation.start, oncall.it_operations.rotation.start]
    ends = [s + timedelta(days=400) for s in starts]
    if catalog.calendar:
        ends.append(datetime(max(catalog.calendar) + 1, 1, 1, tzinfo=tz))
    return max(ends)


def _by_person(
    shifts: list[tuple[datetime, datetime, str]], until: datetime
) -> dict[str, list[tuple[datetime, datetime]]]:
    out: dict[str, list[tuple[datetime, datetime]]] = {}
    tz = until.tzinfo
    for start, end, person in shifts:
        # Minute resolution, as Alertmanager's times are.
        a, b = (t.astimezone(tz).replace(second=0, microsecond=0) for t in (start, end))
        if a < b:
            out.setdefault(person, []).append((a, b))
    return out


def _telegram(channel: TelegramChannel, chat_id: str) -> dict[str, Any]:
    return {
        "api_url": channel.api_url,
        "bot_token": channel.bot_token.get_secret_value(),
        "chat_id": int(chat_id),
        "message": '{{ template "ioc.chat.message" . }}',
        "parse_mode": "",
        "send_resolved": True,
    }
