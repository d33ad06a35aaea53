"""Live drills against a real HTTP server on loopback that speaks the intake and API paths."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from firebreak.cli import main

from .helpers import recorded

KEY = "gen_secret_key_123"


class Server:
    def __init__(self) -> None:
        self.posts: list[tuple[str, dict[str, Any]]] = []
        self.incidents: list[dict[str, Any]] = []
        self.status = 202


@pytest.fixture
def server() -> Iterator[tuple[str, Server]]:
    state = Server()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _answer(self, code: int, body: object) -> None:
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            state.posts.append((self.path, body))
            if state.status >= 300:
                self._answer(state.status, {"detail": "unknown integration key"})
                return
            now = datetime.now(UTC)
            state.incidents = [
                {
                    "id": 7,
                    "drill": True,
                    "runbook_id": body["labels"].get("runbook"),
                    "opened_at": now.isoformat(),
                    "acknowledged_at": (now + timedelta(minutes=3)).isoformat(),
                    "resolved_at": (now + timedelta(minutes=20)).isoformat(),
                }
            ]
            self._answer(202, {"status": "accepted"})

        def do_GET(self) -> None:
            if self.headers.get("Authorization") != "Bearer tok":
                self._answer(401, {"detail": "no token"})
                return
            self._answer(200, state.incidents)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", state
    httpd.shutdown()
    httpd.server_close()


def cli(args: list[str]) -> int:
    try:
        main(args)
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


@pytest.mark.slow
def test_live_drill_posts_a_drill_marked_alert_and_grades_the_incident(
    server: tuple[str, Server], example_workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url, state = server
    code = cli(
        [
            "drill",
            "--live",
            url,
            "--key",
            KEY,
            "--token",
            "tok",
            "--format",
            "json",
            "-w",
            str(example_workspace),
            "chat-api-total-outage",
        ]
    )
    out, err = capsys.readouterr()
    assert code == 0, out + err
    path, body = state.posts[0]
    assert path == f"/intake/generic/{KEY}"
    assert body["labels"]["drill"] == "true"
    assert body["labels"]["runbook"] == "chat-api-inference-outage"
    assert body["summary"].startswith("DRILL chat-api-total-outage")
    names = [o["name"] for o in json.loads(out)["drills"][0]["objectives"]]
    assert names == ["delivered", "opened", "runbook", "ack_within", "resolved_within", "verified"]
    assert json.loads(out)["drills"][0]["verdict"] == "passed"
    assert KEY not in out + err


@pytest.mark.slow
def test_a_refused_key_is_exit_2_without_the_key_in_the_message(
    server: tuple[str, Server], example_workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url, state = server
    state.status = 404
    code = cli(
        ["drill", "--live", url, "--key", KEY, "-w", str(example_workspace), "provider-429-storm"]
    )
    _, err = capsys.readouterr()
    assert code == 2
    assert "refused the drill alert: HTTP 404: unknown integration key" in err
    assert KEY not in err
    assert recorded(example_workspace) == []


def test_an_unreachable_server_is_exit_2(
    example_workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli(
        [
            "drill",
            "--live",
            "http://127.0.0.1:9",
            "--key",
            KEY,
            "-w",
            str(example_workspace),
            "provider-429-storm",
        ]
    )
    assert code == 2
    assert "cannot reach http://127.0.0.1:9" in capsys.readouterr().err


@pytest.mark.slow
def test_a_live_result_is_recorded_as_live(
    server: tuple[str, Server], example_workspace: Path
) -> None:
    from sqlalchemy import select

    from firebreak.store.db import open_store
    from firebreak.store.tables import DrillRun

    url, _ = server
    assert (
        cli(
            [
                "drill",
                "--live",
                url,
                "--key",
                KEY,
                "-w",
                str(example_workspace),
                "provider-timeouts",
            ]
        )
        == 0
    )
    store = open_store(f"sqlite:///{example_workspace / 'firebreak.db'}")
    with store.unit_of_work(readonly=True) as uow:
        rows = uow.session.scalars(select(DrillRun)).all()
        # no --token: the server accepted the alert, nobody followed it: unverified, not passed
        assert [(r.name, r.live, r.passed) for r in rows] == [("provider-timeouts", True, False)]
        assert rows[0].objectives[-1]["name"] == "verified"
        assert rows[0].objectives[-1]["reason"].startswith("unverified")
    store.dispose()
