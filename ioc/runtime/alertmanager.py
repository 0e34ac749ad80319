"""Run the Debian-packaged Alertmanager (``prometheus-alertmanager``) and read its alerts."""

from __future__ import annotations

import os
import urllib.request
from pathlib import Path
from typing import Annotated, Any

import orjson
import yaml
from pydantic import Field, StringConstraints, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from ioc.catalog import load_catalog
from ioc.catalog.calendar import WorkingCalendar
from ioc.config import ConfigError
from ioc.runtime.packaged import PackagedServer
from ioc.runtime.people_routes import PeopleRouting, with_people
from ioc.runtime.time_intervals import office_intervals

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CONFIG = PROJECT_ROOT / "deploy" / "alertmanager" / "alertmanager.yml"
TEMPLATES = CONFIG.parent / "templates"


class EmailChannel(BaseSettings):
    """Email pages (and optionally tickets) through the province's SMTP relay, from
    ``IOC_EMAIL_*``: SMARTHOST (host:port), FROM, PAGES_TO and TICKETS_TO (comma-separated),
    REQUIRE_TLS, USERNAME, and PASSWORD or (Alertmanager 0.26 and later) PASSWORD_FILE, a
    path as Alertmanager sees it, which keeps the secret out of the config file."""

    model_config = SettingsConfigDict(env_prefix="IOC_EMAIL_", extra="ignore")

    smarthost: Annotated[str, StringConstraints(pattern=r"^[^:\s]+:\d{1,5}$")]
    sender: str = Field(validation_alias="IOC_EMAIL_FROM", min_length=3)
    pages_to: str = Field(min_length=3)
    tickets_to: str | None = None
    require_tls: bool = True
    username: str | None = None
    password: str | None = None
    password_file: str | None = None


def email_channel_from_env() -> EmailChannel | None:
    """The email channel the environment configures; None when IOC_EMAIL_SMARTHOST is unset."""
    if not os.environ.get("IOC_EMAIL_SMARTHOST"):
        return None
    try:
        return EmailChannel()  # type: ignore[call-arg]
    except ValidationError as exc:
        lines = []
        for err in exc.errors(include_url=False):
            field = str(err["loc"][0]).upper() if err["loc"] else "?"
            name = field if field.startswith("IOC_") else f"IOC_EMAIL_{field}"
            expected = _EXPECTED.get(name, err["msg"])
            got = "unset" if err["type"] == "missing" else repr(err["input"])
            lines.append(f"{name}: expected {expected} ({got})")
        raise ConfigError("\n".join(lines)) from None


_EXPECTED = {
    "IOC_EMAIL_SMARTHOST": "the SMTP relay as host:port",
    "IOC_EMAIL_FROM": "the sender address",
    "IOC_EMAIL_PAGES_TO": "the on-call addresses, comma-separated",
    "IOC_EMAIL_REQUIRE_TLS": "true or false",
}


def _email_config(email: EmailChannel, to: str) -> dict[str, Any]:
    config: dict[str, Any] = {
        "to": to,
        "from": email.sender,
        "smarthost": email.smarthost,
        "require_tls": email.require_tls,
        "send_resolved": True,
        "headers": {"Subject": '{{ template "ioc.email.subject" . }}'},
        "text": '{{ template "ioc.email.text" . }}',
        "html": '{{ template "ioc.email.html" . }}',
    }
    if email.username:
        config["auth_username"] = email.username
        if email.password_file:
            config["auth_password_file"] = email.password_file
        else:
            config["auth_password"] = email.password or ""
    return config


def with_email(
    config: dict[str, Any], email: EmailChannel, templates: Path | str = TEMPLATES
) -> dict[str, Any]:
    """``config`` with email beside the webhooks: pages to PAGES_TO, tickets to TICKETS_TO."""
    config = {**config, "templates": [f"{templates}/*.tmpl"]}
    recipients = {"oncall": email.pages_to, "operations": email.tickets_to}
    receivers = []
    for receiver in config["receivers"]:
        to = recipients.get(receiver["name"])
        if to:
            receiver = {**receiver, "email_configs": [_email_config(email, to)]}
        receivers.append(receiver)
    config["receivers"] = receivers
    return config


def local_config(
    webhook_url: str,
    fast: bool = False,
    clock_offset_seconds: float = 0.0,
    email: EmailChannel | None = None,
    people: PeopleRouting | None = None,
    templates: Path | str = TEMPLATES,
) -> dict[str, Any]:
    """The project's Alertmanager config with every webhook pointed at ``webhook_url``
    (``/oncall`` and ``/operations`` kept). ``fast`` shortens grouping waits for tests.

    The ``office_hours`` interval is the catalog's working calendar (Tết and days off
    closed, compensatory Saturdays open). Alertmanager reads the wall clock: when the
    pipeline runs on a shifted province clock (the demo), ``clock_offset_seconds`` moves the
    interval by the same offset, so that dossier tickets are held exactly while the province
    clock is outside office hours.

    With ``people`` (the on-call file), pages and tickets also go to the people who must act
    (``ioc.runtime.people_routes``), by e-mail when ``email`` is set and by Telegram when
    ``people.telegram`` is."""
    config: dict[str, Any] = yaml.safe_load(CONFIG.read_text())
    calendar = WorkingCalendar.of(load_catalog())
    for interval in config.get("time_intervals", []):
        if interval["name"] == "office_hours":
            interval["time_intervals"] = office_intervals(calendar, clock_offset_seconds)
    for receiver in config["receivers"]:
        for hook in receiver.get("webhook_configs", []):
            hook["url"] = webhook_url.rstrip("/") + "/" + hook["url"].rsplit("/", 1)[1]
    if fast:
        routes = [config["route"], *config["route"].get("routes", [])]
        for route in routes:
            for key, value in (("group_wait", "1s"), ("group_interval", "1s")):
                if key in route or route is config["route"]:
                    route[key] = value
    if email is not None:
        config = with_email(config, email, templates)
    if people is not None:

        def mail(to: str) -> dict[str, Any]:
            assert email is not None
            return _email_config(email, to)

        config = with_people(config, people, mail if email is not None else None)
        config.setdefault("templates", [f"{templates}/*.tmpl"])
    return config


class AlertmanagerServer(PackagedServer):
    binaries = ("prometheus-alertmanager", "alertmanager")
    package = "prometheus-alertmanager"
    config_name = "alertmanager.yml"

    def arguments(self, config_file: Path) -> list[str]:
        return [
            f"--config.file={config_file}",
            f"--storage.path={self.workdir / 'data'}",
            f"--web.listen-address=127.0.0.1:{self.port}",
            # No gossip: one instance, and no port clash between test runs.
            "--cluster.listen-address=",
        ]

    def alerts(self) -> list[dict[str, Any]]:
        """Active alerts (``GET /api/v2/alerts``), resolved ones excluded by Alertmanager."""
        with urllib.request.urlopen(f"{self.url}/api/v2/alerts", timeout=5) as resp:
            result: list[dict[str, Any]] = orjson.loads(resp.read())
        return result
