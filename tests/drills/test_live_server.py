"""A live drill against a real firebreak server on loopback: the alert opens a drill incident,
every page says DRILL, and the production figures do not count it."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from firebreak.cli import main
from firebreak.clock import SystemClock
from firebreak.drills import live
from firebreak.drills.catalog import load_catalog
from firebreak.notify.channels import RecordingChannel
from firebreak.store.db import open_store
from firebreak.web.app import create_app
from firebreak.web.credentials import create_integration, create_token
from firebreak.workspace import require

pytestmark = pytest.mark.slow  # starts firebreak or a server


class Server:
    def __init__(self, url: str, key: str, tokens: dict[str, str], pages: RecordingChannel) -> None:
        self.url, self.key, self.tokens, self.pages = url, key, tokens, pages

    def get(self, path: str) -> Any:
        headers = {"Authorization": f"Bearer {self.tokens['viewer']}"}
        return httpx.get(self.url + path, headers=headers, timeout=10).json()


@pytest.fixture
def server(example_workspace: Path, tmp_path: Path) -> Iterator[Server]:
    store = open_store(f"sqlite:///{example_workspace / 'firebreak.db'}")
    store.upgrade()
    now = SystemClock().now()
    with store.unit_of_work() as uow:
        tokens = {r: create_token(uow, r, f"t-{r}", now)[1] for r in ("viewer", "responder")}
        key = create_integration(uow, "generic", "drills", now)[1]
    pages = RecordingChannel(tmp_path / "pages.jsonl")
    app = create_app(
        require(example_workspace), store, SystemClock(), channels={"*": pages}, tick_interval=0.1
    )
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    uv = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=uv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not uv.started:
        assert time.monotonic() < deadline and thread.is_alive(), "server did not start"
        time.sleep(0.02)
    try:
        yield Server(f"http://127.0.0.1:{sock.getsockname()[1]}", key, tokens, pages)
    finally:
        uv.should_exit = True
        thread.join(15)
        sock.close()
        store.dispose()


def wait_for(check: Any, timeout: float = 15.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (value := check()) and time.monotonic() < deadline:
        time.sleep(0.1)
    return value


def test_a_live_drill_pages_real_people_with_drill_in_every_message(
    server: Server, example_workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    try:
        main(
            [
                "drill",
                "--live",
                server.url,
                "--key",
                server.key,
                "--no-record",
                "-w",
                str(example_workspace),
                "chat-api-total-outage",
            ]
        )
    except SystemExit as exc:
        assert exc.code == 0
    assert server.key not in "".join(capsys.readouterr())
    incidents = wait_for(lambda: server.get("/api/incidents")["incidents"])
    assert len(incidents) == 1
    incident = incidents[0]
    assert incident["drill"] is True
    assert incident["runbook_id"] == "chat-api-inference-outage"
    pages = wait_for(server.pages.records)
    assert pages and all(p["drill"] and p["text"].startswith("DRILL ") for p in pages)
    figures = server.get("/api/metrics")
    assert figures["incidents"] == 0, json.dumps(figures)[:500]


def test_following_the_live_incident_grades_the_acknowledgement(
    server: Server, example_workspace: Path
) -> None:
    workspace = require(example_workspace)
    scenario = load_catalog(workspace)["provider-429-storm"].scenario
    clock = SystemClock()
    started = clock.now()
    target = live.LiveTarget(server.url, server.key, server.tokens["viewer"])
    with httpx.Client(timeout=10) as client:
        live.send(
            client,
            target,
            live.drill_alert(scenario, workspace.runbook("provider-api-failure"), started),
        )
        found = wait_for(lambda: live.find_incident(client, target, scenario, started))
        assert found is not None
        httpx.post(
            f"{server.url}/api/incidents/{found['id']}/ack",
            timeout=10,
            headers={"Authorization": f"Bearer {server.tokens['responder']}"},
        )
        state = live.follow(client, target, scenario, started, clock, timedelta(seconds=2), 0.2)
    graded = {o.name: o for o in live.grade_live(scenario, state)}
    assert graded["opened"].passed and graded["runbook"].passed
    assert graded["ack_within"].passed
    assert not graded["resolved_within"].passed  # nobody resolved it within the wait
