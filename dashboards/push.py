"""Upload the dashboards to an existing Grafana with ``grafana-client``: idempotent (overwrite
by UID), into one folder, with an error that says what is wrong instead of a traceback."""

from __future__ import annotations

import socket
import ssl
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
        raise PushError(
            f"{url}: cannot reach Grafana ({_root_cause(exc)}): is it running, and is "
            "GRAFANA_URL (or --url) its address?"
        ) from exc


def _root_cause(exc: BaseException) -> str:
    """The socket-level reason under niquests' and urllib3's wrappers, in a few words."""
    seen: BaseException | None = exc
    deepest = exc
    for _ in range(12):  # the chains are short; a bound keeps a cycle harmless
        if seen is None:
            break
        deepest = seen
        nxt = seen.__cause__ or seen.__context__ or getattr(seen, "reason", None)
        if nxt is None:
            nxt = next((a for a in seen.args if isinstance(a, BaseException)), None)
        seen = nxt if isinstance(nxt, BaseException) else None
    if isinstance(deepest, ConnectionRefusedError):
        return "connection refused"
    if isinstance(deepest, socket.gaierror):
        return "unknown host"
    if isinstance(deepest, TimeoutError):
        return "timed out"
    if isinstance(deepest, ssl.SSLError):
        return f"TLS: {deepest.reason or deepest}"
    text = str(deepest)
    if "resolve" in text.lower():  # urllib3's NameResolutionError keeps no gaierror
        return "unknown host"
    return text if len(text) <= 80 else type(deepest).__name__
