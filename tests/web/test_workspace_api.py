"""The running workspace over HTTP, on SQLite and PostgreSQL: a stalled inbox makes /healthz 503,
a refused reload is 422 with file and line and a banner in the UI, and several processes
sharing one store each report the revision they run."""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

import httpx
import pytest
from fb_server import serve

from firebreak.clock import SystemClock
from firebreak.incidents.pipeline import process_pending
from firebreak.workspace import load_workspace

pytestmark = pytest.mark.slow  # starts a server

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def _set_stall_after(root: Path, value: str) -> None:
    path = root / "firebreak.toml"
    path.write_text(path.read_text().replace('stall_after = "60s"', f'stall_after = "{value}"'))


def _alert(url: str, key: str) -> None:
    body = {"summary": "x", "labels": {"service": "chat-api"}, "dedup_key": "stall-1"}
    assert httpx.post(f"{url}/intake/generic/{key}", json=body, timeout=10).status_code == 202


def test_an_inbox_nobody_consumes_makes_healthz_503_stalled(
    example_workspace: Path, db_url: str
) -> None:
    _set_stall_after(example_workspace, "1s")
    with serve(example_workspace, db_url, ticks=False) as server:  # no pipeline runs
        assert httpx.get(f"{server.url}/healthz", timeout=10).json()["status"] == "ok"
        _alert(server.url, server.keys["generic"])
        time.sleep(1.5)
        health = httpx.get(f"{server.url}/healthz", timeout=10)
        assert health.status_code == 503 and health.json()["status"] == "stalled"
        assert "waited" in health.json()["reason"]
        metrics = httpx.get(f"{server.url}/metrics", timeout=10).text
        oldest = re.search(r"^firebreak_inbox_oldest_seconds (\S+)$", metrics, re.M)
        assert oldest and float(oldest.group(1)) >= 1.0
        ws = load_workspace(example_workspace).workspace
        with server.store.unit_of_work() as uow:
            process_pending(uow, ws, SystemClock().now())
        health = httpx.get(f"{server.url}/healthz", timeout=10)
        assert health.status_code == 200 and health.json()["status"] == "ok"


def test_a_refused_reload_is_422_with_file_and_line_and_a_banner(
    example_workspace: Path, db_url: str
) -> None:
    with serve(example_workspace, db_url, ticks=False) as server:
        with server.client("viewer") as viewer:
            assert viewer.post("/api/workspace/reload").status_code == 403
        runbook = example_workspace / "runbooks" / "chat-api-inference-outage.md"
        runbook.write_text(runbook.read_text().replace("severity: sev1", "severity: [sev1"))
        with server.client("admin") as admin:
            refused = admin.post("/api/workspace/reload")
            assert refused.status_code == 422, refused.text
            errors = refused.json()["errors"]
            assert errors[0]["path"] == "runbooks/chat-api-inference-outage.md"
            assert errors[0]["line"] > 0 and errors[0]["code"].startswith("FB1")
            status = admin.get("/api/workspace").json()
            assert status["last_reload"]["ok"] is False and status["source"] == "files"
        with httpx.Client(base_url=server.url, timeout=10) as browser:
            login = CSRF.search(browser.get("/login").text)
            assert login is not None
            token = server.tokens["viewer"]
            browser.post("/login", data={"csrf": login.group(1), "token": token})
            page = browser.get("/incidents").text
        assert "The last workspace change was refused" in page
        assert "runbooks/chat-api-inference-outage.md" in page


def test_several_processes_on_one_store_each_report_their_revision(
    example_workspace: Path, db_url: str, tmp_path: Path
) -> None:
    other = tmp_path / "other"
    shutil.copytree(example_workspace, other)
    url = db_url  # both processes share it (a fresh database per test on PostgreSQL)
    with (
        serve(example_workspace, url, ticks=False, worker_id="serve:a") as a,
        serve(other, url, ticks=False, worker_id="serve:b") as b,
    ):
        oncall = other / "org" / "oncall.yaml"
        oncall.write_text(oncall.read_text() + "\n# a comment changes the revision\n")
        with b.client("admin") as admin:
            reloaded = admin.post("/api/workspace/reload")
            assert reloaded.status_code == 200
            revision_b = reloaded.json()["revision"]
        with a.client("viewer") as viewer:
            seen = viewer.get("/api/workspace").json()
        revisions = {p["id"]: p["revision"] for p in seen["processes"]}
        assert seen["process"] == "serve:a" and revisions["serve:a"] == seen["revision"]
        assert revisions["serve:b"] == revision_b != seen["revision"]
        assert all(p["live"] for p in seen["processes"])


def test_an_integration_bound_over_http_routes_its_alerts(
    example_workspace: Path, db_url: str
) -> None:
    with serve(example_workspace, db_url) as server, server.client("admin") as admin:
        bad = admin.post("/api/integrations", json={"kind": "generic", "service": "nope"})
        assert bad.status_code == 400 and "nope" in bad.json()["message"]
        made = admin.post("/api/integrations", json={"kind": "generic", "service": "agent-runner"})
        assert made.status_code == 201
        body = {"summary": "agents loop", "labels": {"alertname": "Loop"}, "dedup_key": "b1"}
        posted = httpx.post(f"{server.url}/intake/generic/{made.json()['key']}", json=body)
        assert posted.status_code == 202

        def opened() -> list[dict[str, object]]:
            found: list[dict[str, object]] = admin.get("/api/incidents").json()["incidents"]
            return found

        found = server.wait_for(opened, timeout=30)
        assert found and found[0]["service"] == "agent-runner"
        listed = admin.get("/api/integrations").json()["integrations"]
        assert any(i["service"] == "agent-runner" for i in listed)


def test_a_serve_and_a_worker_on_one_store_each_reload_their_files(
    example_workspace: Path, db_url: str, tmp_path: Path
) -> None:
    """Two checkouts of the workspace, one `serve` (in this process) and one `firebreak worker`
    (a subprocess), both watching: a `git pull` in each reaches each, and `/api/workspace` shows
    the revision every process runs."""
    import signal
    import subprocess
    import sys

    other = tmp_path / "worker-ws"
    shutil.copytree(example_workspace, other)
    log = (tmp_path / "worker.err").open("wb")
    worker = subprocess.Popen(
        [sys.executable, "-m", "firebreak", "worker", "--workspace", str(other),
         "--db", db_url, "--id", "w1", "--tick", "0.2"],
        stdout=subprocess.DEVNULL,
        stderr=log,
    )  # fmt: skip
    log.close()
    try:
        with (
            serve(example_workspace, db_url, worker_id="serve:a", watch=True) as server,
            server.client("viewer") as viewer,
        ):

            def revisions() -> dict[str, str]:
                found = viewer.get("/api/workspace").json()["processes"]
                return {p["id"]: p["revision"] for p in found}

            assert server.wait_for(lambda: "worker:w1" in revisions(), timeout=60), (
                tmp_path / "worker.err"
            ).read_text()
            before = revisions()
            for root in (example_workspace, other):
                path = root / "org" / "oncall.yaml"
                path.write_text(path.read_text() + "\n# pulled a new commit\n")
            changed = server.wait_for(
                lambda: all(revisions()[k] != before[k] for k in ("serve:a", "worker:w1")),
                timeout=30,
            )
            assert changed, (revisions(), before)
            after = revisions()
            assert after["serve:a"] == viewer.get("/api/workspace").json()["revision"]
    finally:
        worker.send_signal(signal.SIGINT)
        worker.wait(30)
