"""A real `firebreak serve` process and its workspace files, as an on-call lead edits them:

- an override edited in git puts someone else on call: within 10 s `/api/oncall` (and
  `firebreak oncall`) name them, and the next page goes to them;
- a broken YAML file is refused whole: `/api/workspace` shows the refused reload,
  `firebreak_workspace_reload_success` is 0, `/healthz` says degraded, and an alert still pages;
- serve restarted on the broken files runs the last good snapshot, says so, and pages.
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import select

from firebreak.clock import SystemClock
from firebreak.org import oncall
from firebreak.store.db import open_store
from firebreak.store.tables import Alert, Notification
from firebreak.workspace import load_workspace

pytestmark = pytest.mark.slow
FIREBREAK = [sys.executable, "-m", "firebreak"]


class Serve:
    """One `firebreak serve --port 0` subprocess; its stderr is kept in a file."""

    def __init__(self, root: Path, folder: Path, name: str) -> None:
        self.err = folder / f"{name}.err"
        self.out = folder / f"{name}.out"
        with self.out.open("wb") as out, self.err.open("wb") as err:
            self.proc = subprocess.Popen(
                [*FIREBREAK, "serve", "--workspace", str(root), "--port", "0", "--tick", "0.2"],
                stdout=out,
                stderr=err,
            )
        self.url = self._wait_url()

    def _wait_url(self) -> str:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            found = re.search(r"at (http://127\.0\.0\.1:\d+)/", self.err.read_text())
            if found:
                try:
                    httpx.get(f"{found.group(1)}/healthz", timeout=2)
                    return found.group(1)
                except httpx.HTTPError:
                    pass
            assert self.proc.poll() is None, self.err.read_text()
            time.sleep(0.2)
        raise AssertionError("serve did not start: " + self.err.read_text())

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            self.proc.wait(30)


def cli(*args: str) -> str:
    done = subprocess.run([*FIREBREAK, *args], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def wait_for(check: Any, timeout: float) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.1)


def primary_now(client: httpx.Client) -> str:
    found = client.get("/api/oncall").json()["schedules"]
    return next(s["person_id"] for s in found if s["id"] == "ml-platform-primary")


def pages_to(root: Path, person: str, dedup: str) -> list[str]:
    """Contact types of the level-1 pages to ``person`` for the incident that the alert
    ``dedup`` opened, read from the send log."""
    store = open_store(f"sqlite:///{root / 'firebreak.db'}")
    try:
        with store.unit_of_work(readonly=True) as uow:
            alert = uow.session.scalars(
                select(Alert).where(Alert.dedup_key.like(f"%/{dedup}"))
            ).first()
            if alert is None or alert.incident_id is None:
                return []
            rows = uow.session.scalars(
                select(Notification).where(
                    Notification.incident_id == alert.incident_id,
                    Notification.level == 0,
                    Notification.timer_id.is_not(None),  # an escalation page, not a role notice
                    Notification.person_id == person,
                )
            )
            return [r.contact_type for r in rows]
    finally:
        store.dispose()


def post_alert(url: str, key: str, dedup: str, service: str, scenario: str) -> None:
    body = {
        "summary": f"{service} {scenario}",
        "labels": {"service": service, "scenario": scenario},
        "status": "firing",
        "dedup_key": dedup,
    }
    assert httpx.post(f"{url}/intake/generic/{key}", json=body, timeout=10).status_code == 202


def add_override(root: Path, person: str) -> None:
    """An override on ml-platform-primary from an hour ago to two hours ahead (Berlin time)."""
    berlin = SystemClock().now().astimezone(ZoneInfo("Europe/Berlin")).replace(tzinfo=None)
    start = (berlin - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    end = (berlin + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    path = root / "org" / "oncall.yaml"
    text = path.read_text()
    anchor = "    overrides:\n"
    assert anchor in text
    line = f'      - {{person: {person}, from: "{start}", to: "{end}"}}\n'
    path.write_text(text.replace(anchor, anchor + line, 1))


def test_edits_reach_the_running_server_and_broken_files_never_stop_paging(
    example_workspace: Path, tmp_path: Path
) -> None:
    root = example_workspace
    stack = ExitStack()
    key = cli("integration", "create", "--kind", "generic", "--workspace", str(root))
    server = Serve(root, tmp_path, "first")
    try:
        admin = server.out.read_text().strip().splitlines()[-1]
        client = stack.enter_context(
            httpx.Client(
                base_url=server.url, headers={"Authorization": f"Bearer {admin}"}, timeout=10
            )
        )
        before = primary_now(client)
        ws = load_workspace(root).workspace
        members = ws.org.schedules["ml-platform-primary"].rotation.members
        other = next(p for p in members if p != before)
        assert oncall.resolve(ws.org, "schedule:ml-platform-primary", SystemClock().now()) == [
            before
        ]

        # 1. An override is saved: within 10 s the server names the new person, as the CLI does.
        edited = time.monotonic()
        add_override(root, other)
        assert wait_for(lambda: primary_now(client) == other, timeout=10), client.get(
            "/api/workspace"
        ).json()
        assert time.monotonic() - edited < 10
        shown = json.loads(cli("oncall", "--workspace", str(root), "--format", "json"))
        cli_primary = next(s for s in shown["schedules"] if s["id"] == "ml-platform-primary")
        assert cli_primary["on_call"]["id"] == other
        post_alert(server.url, key, "after-override", "chat-api", "inference_outage")
        assert wait_for(lambda: pages_to(root, other, "after-override"), timeout=30)
        assert not pages_to(root, before, "after-override")
        printed = rf"PAGE {other} via"  # the example's console channel, on serve's stderr
        assert wait_for(lambda: re.search(printed, server.err.read_text()), timeout=30)

        # 2. A broken YAML file is refused whole; the running workspace keeps paging.
        good = client.get("/api/workspace").json()["revision"]
        with (root / "org" / "people.yaml").open("a") as f:
            f.write("  - {id: broken, contacts: [\n")
        refused = wait_for(
            lambda: (w := client.get("/api/workspace").json())["last_reload"]["ok"] is False and w,
            timeout=10,
        )
        assert refused, client.get("/api/workspace").json()
        assert refused["revision"] == good and refused["source"] == "files"
        first_error = refused["last_reload"]["errors"][0]
        assert first_error["path"] == "org/people.yaml" and first_error["line"] > 0
        metrics = httpx.get(f"{server.url}/metrics", timeout=10).text
        assert re.search(r"^firebreak_workspace_reload_success 0$", metrics, re.M)
        health = httpx.get(f"{server.url}/healthz", timeout=10)
        assert health.status_code == 200 and health.json()["status"] == "degraded"
        post_alert(server.url, key, "while-broken", "agent-runner", "cost_spike")
        agents = oncall.resolve(ws.org, "schedule:applied-ai-primary", SystemClock().now())
        assert wait_for(lambda: pages_to(root, agents[0], "while-broken"), timeout=30)
        reload = client.post("/api/workspace/reload")
        assert reload.status_code == 422 and reload.json()["errors"][0]["path"] == "org/people.yaml"
    finally:
        server.stop()

    # 3. Restarted on the broken files: the last good snapshot runs, and says so.
    again = Serve(root, tmp_path, "second")
    try:
        assert "running the last good snapshot" in again.err.read_text()
        client = stack.enter_context(
            httpx.Client(
                base_url=again.url, headers={"Authorization": f"Bearer {admin}"}, timeout=10
            )
        )
        status = client.get("/api/workspace").json()
        assert status["source"] == "snapshot" and status["revision"] == good
        assert httpx.get(f"{again.url}/healthz", timeout=10).json()["status"] == "degraded"
        assert primary_now(client) == other  # the snapshot holds the override
        post_alert(again.url, key, "after-restart", "model-gateway", "inference_outage")
        assert wait_for(lambda: pages_to(root, other, "after-restart"), timeout=30)
    finally:
        again.stop()
        stack.close()
