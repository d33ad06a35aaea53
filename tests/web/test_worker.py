"""`firebreak worker` runs the ticks apart from the HTTP server: a serve process with no ticks
takes the alert, a worker process sharing the store turns it into an incident (SQLite and
PostgreSQL)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from fb_server import Running, serve

pytestmark = pytest.mark.slow  # starts firebreak or a server

FIXTURE = Path(__file__).parent / "fixtures" / "alertmanager_firing.json"


def incidents(server: Running) -> list[dict[str, Any]]:
    with server.client("viewer") as c:
        found: list[dict[str, Any]] = c.get("/api/incidents").json()["incidents"]
        return found


def test_worker_processes_what_serve_took_in(
    example_workspace: Path, db_url: str, tmp_path: Path
) -> None:
    with serve(example_workspace, db_url=db_url, ticks=False) as server:
        with server.client() as c:
            answer = c.post(
                f"/intake/alertmanager/{server.keys['alertmanager']}",
                json=json.loads(FIXTURE.read_text()),
            )
            assert answer.status_code == 200
        server.wait_for(lambda: incidents(server), timeout=1.0)
        assert incidents(server) == []  # serve without ticks only records the alert
        log = (tmp_path / "worker.log").open("w")
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "firebreak",
                "worker",
                "--workspace",
                str(example_workspace),
                "--db",
                db_url,
                "--tick",
                "0.2",
                "--id",
                "w1",
            ],
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        log.close()
        try:
            found = server.wait_for(lambda: incidents(server), timeout=60)
            assert found and found[0]["runbook_id"] == "chat-api-inference-outage"
        finally:
            worker.send_signal(signal.SIGTERM)
            code = worker.wait(30)
        assert code == 0
        text = (tmp_path / "worker.log").read_text()
        assert "worker w1" in text and "worker stopped" in text
