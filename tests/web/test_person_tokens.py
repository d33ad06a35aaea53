"""People sign in as themselves: `firebreak token create --person ID`, actions as person:ID."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from fb_server import serve

from firebreak.incidents.intake import record_alert
from firebreak.incidents.model import AlertIn

pytestmark = pytest.mark.slow  # starts firebreak or a server


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "firebreak", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_a_persons_token_acts_as_that_person(db_url: str, example_workspace: Path) -> None:
    ws = str(example_workspace)
    made = run(
        "token",
        "create",
        "--person",
        "dana",
        "--role",
        "responder",
        "--workspace",
        ws,
        "--db",
        db_url,
    )
    assert made.returncode == 0, made.stderr
    secret = made.stdout.strip()
    assert made.stdout == secret + "\n" and "person:dana" in made.stderr
    nobody = run(
        "token",
        "create",
        "--person",
        "nobody",
        "--role",
        "responder",
        "--workspace",
        ws,
        "--db",
        db_url,
    )
    assert nobody.returncode != 0 and "'nobody' is not in the org" in nobody.stderr
    assert nobody.stdout == ""
    listed = run("token", "list", "--workspace", ws, "--db", db_url)
    assert '"person": "dana"' in listed.stdout and "nobody" not in listed.stdout

    with serve(example_workspace, db_url) as server:
        alert = AlertIn(
            source="generic",
            dedup_key="x",
            labels={"service": "chat-api"},
            summary="chat-api down",
            severity="critical",
        )
        with server.store.unit_of_work() as uow:
            record_alert(uow, alert, datetime.now(UTC))
        auth = {"Authorization": f"Bearer {secret}"}
        with httpx.Client(base_url=server.url, headers=auth, timeout=10) as c:
            found = server.wait_for(lambda: c.get("/api/incidents").json()["incidents"])
            done = c.post(f"/api/incidents/{found[0]['id']}/ack")
            assert done.status_code == 200, done.text
            ack = next(e for e in done.json()["timeline"] if e["kind"] == "acknowledge")
            assert ack["actor"] == "person:dana"
        with server.client("admin") as admin:
            made_http = admin.post("/api/tokens", json={"role": "viewer", "person": "lee"})
            assert made_http.status_code == 201 and made_http.json()["person"] == "lee"
            refused = admin.post("/api/tokens", json={"role": "viewer", "person": "nobody"})
            assert refused.status_code == 400 and "nobody" in refused.json()["message"]
