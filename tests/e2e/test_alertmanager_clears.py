"""A real Alertmanager (Debian's prometheus-alertmanager): an alert that resolves at the source
before level 1's ack_within pages nobody at level 2, while one that keeps firing escalates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fb_server import Running, serve
from test_alertmanager_peer import ALERTMANAGER, start_alertmanager

from firebreak.notify.channels import RecordingChannel

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(ALERTMANAGER is None, reason="prometheus-alertmanager is not installed"),
]
ACK_WITHIN = 25  # seconds: level 1's ack_within in this test's workspace


def alert(service: str, now: datetime) -> dict[str, Any]:
    return {
        "labels": {
            "alertname": "ErrorRatioHigh",
            "service": service,
            "scenario": "inference_outage",
            "severity": "critical",
        },
        "annotations": {"summary": f"{service} fails more than 5% of requests"},
        "startsAt": now.isoformat(),
    }


def incidents(server: Running) -> dict[str, dict[str, Any]]:
    with server.client("viewer") as c:
        found = c.get("/api/incidents", params={"status": "open"}).json()["incidents"]
        return {i["service"]: c.get(f"/api/incidents/{i['id']}").json() for i in found}


def test_an_alert_resolved_before_ack_within_pages_nobody_at_level_2(
    example_workspace: Path, tmp_path: Path
) -> None:
    oncall = example_workspace / "org" / "oncall.yaml"
    text = oncall.read_text()
    first_level = "{targets: [schedule:ml-platform-primary], ack_within: 5m}"
    assert first_level in text
    oncall.write_text(text.replace(first_level, first_level.replace("5m", f"{ACK_WITHIN}s")))
    channel = RecordingChannel(tmp_path / "pages.jsonl")
    with serve(example_workspace, channels={"*": channel}) as server:
        webhook = f"{server.url}/intake/alertmanager/{server.keys['alertmanager']}"
        proc, am = start_alertmanager(tmp_path, webhook)
        try:
            now = datetime.now(UTC)
            clears, stays = alert("chat-api", now), alert("model-gateway", now)
            answer = httpx.post(f"{am}/api/v2/alerts", json=[clears, stays], timeout=5)
            assert answer.status_code == 200
            opened = server.wait_for(lambda: len(incidents(server)) == 2 and incidents(server))
            assert opened, "Alertmanager's alerts did not open two incidents"
            clears["endsAt"] = (now + timedelta(seconds=1)).isoformat()
            assert httpx.post(f"{am}/api/v2/alerts", json=[clears], timeout=5).status_code == 200

            def level2(incident_id: int) -> list[Any]:
                return [
                    r
                    for r in channel.records()
                    if r["incident_id"] == incident_id and r["kind"] == "page" and r["level"] == 1
                ]

            # The control escalates to level 2 after ack_within; by then the other is long clear.
            control = opened["model-gateway"]["id"]
            assert server.wait_for(lambda: level2(control), timeout=ACK_WITHIN + 40)
            gone = incidents(server)["chat-api"]
            assert gone["cleared_at"] is not None
            assert all(a["status"] == "resolved" for a in gone["alerts"])
            assert level2(gone["id"]) == []
            texts = [e["text"] for e in gone["timeline"] if e["kind"] == "alerts_cleared"]
            assert texts and "escalation stopped" in texts[0]
            cleared = datetime.fromisoformat(gone["cleared_at"])
            opened_at = datetime.fromisoformat(gone["opened_at"])
            assert cleared - opened_at < timedelta(seconds=ACK_WITHIN)
        finally:
            proc.terminate()
            proc.wait(10)
