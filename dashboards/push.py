"""Upload the dashboards to an existing Grafana with ``grafana-client``: idempotent (overwrite
by UID), into one folder, with an error that says what is wrong instead of a traceback."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from grafana_client.api import GrafanaApi
from grafana_client.client import (
    GrafanaClientError,
    GrafanaException,
    GrafanaServerError,
    GrafanaTimeoutError,
    GrafanaUnauthorizedError,
)

FOLDER_UID = "ioc"


class PushError(Exception):
    """A user-facing reason the push failed."""


@dataclass(frozen=True)
class Pushed:
    uid: str
    title: str
    url: str
    version: int


def _folder(api: GrafanaApi, title: str) -> str:
    try:
        folder: dict[str, Any] = api.folder.get_folder(FOLDER_UID)  # type: ignore[no-untyped-call]
    except GrafanaClientError as exc:
        if exc.status_code != 404:
            raise
        folder = api.folder.create_folder(title, uid=FOLDER_UID)  # type: ignore[no-untyped-call]
    return str(folder["uid"])


def push(url: str, token: str, dashboards: list[dict[str, Any]], folder: str) -> list[Pushed]:
    if not url.startswith(("http://", "https://")):
        raise PushError(f"--url {url!r}: expected http(s)://host[:port] of Grafana")
    if not token:
        raise PushError("no token: pass --token or set GRAFANA_TOKEN (a service-account token)")
    api = GrafanaApi.from_url(url, credential=token, timeout=10.0)
    try:
        folder_uid = _folder(api, folder)
        done = []
        for board in dashboards:
            answer = api.dashboard.update_dashboard(
                {"dashboard": {**board, "id": None}, "folderUid": folder_uid, "overwrite": True,
                 "message": "ioc dashboards push"}
            )  # fmt: skip
            done.append(Pushed(board["uid"], board["title"], answer.get("url", ""),
                               int(answer.get("version", 0))))  # fmt: skip
        return done
    except GrafanaUnauthorizedError as exc:
        raise PushError(f"{url}: the token was refused (401): check GRAFANA_TOKEN") from exc
    except GrafanaClientError as exc:
        if exc.status_code == 403:
            raise PushError(
                f"{url}: the token lacks permission (403): it needs the Editor role, or "
                "dashboards:write and folders:create"
            ) from exc
        raise PushError(f"{url}: Grafana refused the request ({exc.status_code}): {exc}") from exc
    except (GrafanaServerError, GrafanaTimeoutError) as exc:
        raise PushError(f"{url}: Grafana failed or timed out: {exc}") from exc
    except GrafanaException as exc:
        raise PushError(f"{url}: {exc}") from exc
    except OSError as exc:  # refused, unknown host, TLS: niquests' errors are OSErrors
        raise PushError(f"{url}: cannot reach Grafana: {exc}") from exc
