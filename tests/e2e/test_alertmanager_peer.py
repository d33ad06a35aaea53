"""A real Alertmanager (Debian's prometheus-alertmanager) sends its webhook to firebreak: an
alert pushed to Alertmanager's API becomes an incident, and its resolution reaches the alert."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fb_server import Running, serve

ALERTMANAGER = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(ALERTMANAGER is None, reason="prometheus-alertmanager is not installed"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_alertmanager(folder: Path, webhook: str) -> tuple[subprocess.Popen[bytes], str]:
    config = folder / "alertmanager.yml"
    config.write_text(
        "route:\n  receiver: firebreak\n  group_by: [alertname, service]\n"
        "  group_wait: 1s\n  group_interval: 1s\n  repeat_interval: 1h\n"
        "receivers:\n  - name: firebreak\n    webhook_configs:\n"
        f"      - url: '{webhook}'\n        send_resolved: true\n"
    )
    port = free_port()
    assert ALERTMANAGER is not None
    log = (folder / "alertmanager.log").open("wb")
    proc = subprocess.Popen(
        [
            ALERTMANAGER,
            f"--config.file={config}",
            f"--storage.path={folder / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--cluster.listen-address=",
        ],
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    log.close()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/-/ready", timeout=1).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            break
        time.sleep(0.2)
    proc.kill()
    proc.wait(10)
    err = (folder / "alertmanager.log").read_text(errors="replace")
    raise RuntimeError(f"alertmanager did not start: {err[-1000:]}")


def incidents(server: Running) -> list[dict[str, Any]]:
    with server.client("viewer") as c:
        found: list[dict[str, Any]] = c.get("/api/incidents").json()["incidents"]
        return found


def test_a_real_alertmanager_opens_an_incident(example_workspace: Path, tmp_path: Path) -> None:
    with serve(example_workspace) as server:
        webhook = f"{server.url}/intake/alertmanager/{server.keys['alertmanager']}"
        proc, am = start_alertmanager(tmp_path, webhook)
        try:
            now = datetime.now(UTC)
            alert = {
                "labels": {
                    "alertname": "ChatApiErrorRatioHigh",
                    "service": "chat-api",
                    "scenario": "inference_outage",
                    "severity": "critical",
                },
                "annotations": {"summary": "chat-api fails more than 5% of requests"},
                "startsAt": now.isoformat(),
            }
            assert httpx.post(f"{am}/api/v2/alerts", json=[alert], timeout=5).status_code == 200
            found = server.wait_for(lambda: incidents(server), timeout=30)
            assert found and found[0]["service"] == "chat-api"
            assert found[0]["runbook_id"] == "chat-api-inference-outage"
            alert["endsAt"] = (now + timedelta(seconds=1)).isoformat()
            assert httpx.post(f"{am}/api/v2/alerts", json=[alert], timeout=5).status_code == 200

            def resolved() -> bool:
                with server.client("viewer") as c:
                    detail = c.get(f"/api/incidents/{found[0]['id']}").json()
                return all(a["status"] == "resolved" for a in detail["alerts"])

            assert server.wait_for(resolved, timeout=30)
        finally:
            proc.terminate()
            proc.wait(10)


def test_an_alert_with_only_alertname_and_severity_is_routed_and_pages_level_one(
    example_workspace: Path, tmp_path: Path
) -> None:
    """The example's `[[routing.routes]]` gives a bare Alertmanager rule its service and
    scenario, so it finds its runbook and pages the first level of the service's policy."""
    from sqlalchemy import select

    from firebreak.org import oncall
    from firebreak.store.tables import Notification
    from firebreak.workspace import require

    with serve(example_workspace) as server:
        webhook = f"{server.url}/intake/alertmanager/{server.keys['alertmanager']}"
        proc, am = start_alertmanager(tmp_path, webhook)
        try:
            alert = {
                "labels": {"alertname": "ChatAPIHighErrorRate", "severity": "critical"},
                "annotations": {"summary": "chat-api fails more than 5% of requests"},
                "startsAt": datetime.now(UTC).isoformat(),
            }
            assert httpx.post(f"{am}/api/v2/alerts", json=[alert], timeout=5).status_code == 200
            found = server.wait_for(lambda: incidents(server), timeout=30)
            assert found, "no incident"
            incident = found[0]
            assert (incident["service"], incident["scenario"]) == ("chat-api", "inference_outage")
            assert incident["runbook_id"] == "chat-api-inference-outage"
            assert incident["severity"] == "sev1"
            ws = require(example_workspace)
            first_level = ws.org.escalation_policies["ml-platform-page"].levels[0]
            opened = datetime.fromisoformat(incident["opened_at"])
            expected = {
                p for ref in first_level.targets for p in oncall.resolve(ws.org, ref, opened)
            }

            def paged() -> set[str]:
                with server.store.unit_of_work(readonly=True) as uow:
                    rows = uow.session.scalars(
                        select(Notification).where(Notification.incident_id == incident["id"])
                    )
                    # escalation pages (a timer's), not the notices role holders get
                    return {r.person_id for r in rows if r.level == 0 and r.timer_id is not None}

            assert server.wait_for(lambda: paged() == expected, timeout=30), paged()
            with server.client("viewer") as c:
                timeline = c.get(f"/api/incidents/{incident['id']}").json()["timeline"]
            assert any(e["kind"] == "routed" for e in timeline)
        finally:
            proc.terminate()
            proc.wait(10)
