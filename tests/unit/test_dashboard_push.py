"""``ioc dashboards push`` against a stand-in for Grafana's HTTP API (Grafana cannot run on
these machines): the requests it makes, and the errors a user sees."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from dashboards.push import PushError, push
from ioc.cli.main import main
from ioc.runtime import free_port

BOARDS: list[dict[str, Any]] = [
    {"uid": "ioc-a", "title": "A", "panels": []},
    {"uid": "ioc-b", "title": "B"},
]


class FakeGrafana:
    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.folders: dict[str, dict[str, Any]] = {}
        self.requests: list[tuple[str, str, dict[str, Any]]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self, code: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                fake.requests.append(("GET", self.path, {}))
                if fake.status != 200:
                    return self._answer(fake.status, {"message": "no"})
                uid = self.path.rsplit("/", 1)[1]
                if uid in fake.folders:
                    return self._answer(200, fake.folders[uid])
                return self._answer(404, {"message": "folder not found"})

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                fake.requests.append(("POST", self.path, body))
                if self.headers.get("Authorization") != "Bearer good-token":
                    return self._answer(401, {"message": "invalid API key"})
                if fake.status != 200:
                    return self._answer(fake.status, {"message": "no"})
                if self.path == "/api/folders":
                    fake.folders[body["uid"]] = {"uid": body["uid"], "title": body["title"]}
                    return self._answer(200, fake.folders[body["uid"]])
                uid = body["dashboard"]["uid"]
                return self._answer(200, {"uid": uid, "url": f"/d/{uid}", "version": 1})

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def dashboards_posted(self) -> list[dict[str, Any]]:
        return [b for m, p, b in self.requests if m == "POST" and p == "/api/dashboards/db"]


@pytest.fixture
def grafana() -> Iterator[FakeGrafana]:
    fake = FakeGrafana()
    thread = threading.Thread(target=fake.server.serve_forever, daemon=True)
    thread.start()
    yield fake
    fake.server.shutdown()


def test_push_overwrites_by_uid_into_the_ioc_folder(grafana: FakeGrafana) -> None:
    pushed = push(grafana.url, "good-token", BOARDS, "IOC")
    assert [p.uid for p in pushed] == ["ioc-a", "ioc-b"]
    posted = grafana.dashboards_posted()
    assert [b["dashboard"]["uid"] for b in posted] == ["ioc-a", "ioc-b"]
    assert all(b["overwrite"] and b["folderUid"] == "ioc" for b in posted)
    assert all(b["dashboard"]["id"] is None for b in posted)  # matched by uid, not by id


def test_second_push_reuses_the_folder(grafana: FakeGrafana) -> None:
    push(grafana.url, "good-token", BOARDS, "IOC")
    push(grafana.url, "good-token", BOARDS, "IOC")
    folder_posts = [r for r in grafana.requests if r[:2] == ("POST", "/api/folders")]
    assert len(folder_posts) == 1


def test_a_refused_token_says_so(grafana: FakeGrafana) -> None:
    grafana.folders["ioc"] = {"uid": "ioc", "title": "IOC"}
    with pytest.raises(PushError, match="token was refused"):
        push(grafana.url, "bad-token", BOARDS, "IOC")


def test_missing_permissions_say_which(grafana: FakeGrafana) -> None:
    grafana.status = 403
    with pytest.raises(PushError, match="lacks permission"):
        push(grafana.url, "good-token", BOARDS, "IOC")


def test_an_unreachable_grafana_says_so() -> None:
    with pytest.raises(PushError, match=r"cannot reach Grafana \(connection refused\)"):
        push(f"http://127.0.0.1:{free_port()}", "good-token", BOARDS, "IOC")


def test_an_unknown_grafana_host_says_so_without_client_internals() -> None:
    with pytest.raises(PushError) as raised:
        push("http://grafana.invalid:3000", "good-token", BOARDS, "IOC")
    assert "(unknown host)" in str(raised.value)
    assert "urllib3" not in str(raised.value)


def test_a_url_without_scheme_is_refused_before_any_request() -> None:
    with pytest.raises(PushError, match="expected http"):
        push("grafana.local:3000", "good-token", BOARDS, "IOC")


def test_cli_prints_the_error_without_a_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["dashboards", "push", "--url", f"http://127.0.0.1:{free_port()}", "--token", "x"])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("error: ") and "Traceback" not in err


def test_cli_pushes_the_five_dashboards(
    grafana: FakeGrafana, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["dashboards", "push", "--url", grafana.url, "--token", "good-token"]) == 0
    uids = sorted(b["dashboard"]["uid"] for b in grafana.dashboards_posted())
    assert uids == ["ioc-dossiers", "ioc-overview", "ioc-pipeline", "ioc-soc", "ioc-uptime"]
