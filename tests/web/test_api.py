"""The API over real HTTP: the incident lifecycle, errors as JSON, and secrets shown once."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fb_server import Running

pytestmark = pytest.mark.slow  # starts firebreak or a server

FIXTURES = Path(__file__).parent / "fixtures"


def open_incident(server: Running) -> dict[str, Any]:
    body = json.loads((FIXTURES / "alertmanager_firing.json").read_text())
    with server.client() as c:
        c.post(f"/intake/alertmanager/{server.keys['alertmanager']}", json=body).raise_for_status()
    with server.client("viewer") as c:
        found = server.wait_for(lambda: c.get("/api/incidents").json()["incidents"])
    return dict(found[0])


def test_incident_lifecycle_through_the_api(server: Running) -> None:
    incident = open_incident(server)
    iid = incident["id"]
    with server.client("responder") as c:
        acked = c.post(f"/api/incidents/{iid}/ack")
        assert acked.status_code == 200 and acked.json()["status"] == "acknowledged"
        again = c.post(f"/api/incidents/{iid}/ack")
        assert again.status_code == 409 and again.json()["error"] == "conflict"
        step = c.post(f"/api/incidents/{iid}/steps/diagnosis.1", json={"status": "done"})
        assert step.status_code == 200
        marks = {s["key"]: s["status"] for s in step.json()["steps"]}
        assert marks["diagnosis.1"] == "done"
        bad_step = c.post(f"/api/incidents/{iid}/steps/mitigation.99", json={"status": "done"})
        assert bad_step.status_code == 400 and "mitigation.99" in bad_step.json()["message"]
        note = c.post(f"/api/incidents/{iid}/notes", json={"text": "openai 5xx since 02:57"})
        assert any(e["text"] == "openai 5xx since 02:57" for e in note.json()["timeline"])
        role = c.post(
            f"/api/incidents/{iid}/roles", json={"role": "communications", "person": "dana"}
        )
        assert role.status_code == 200, role.text
        comms = [r for r in role.json()["roles"] if r["role"] == "communications"]
        assert comms[0]["person_id"] == "dana" and "reassigned" in comms[0]["reached_via"]
        nobody = c.post(
            f"/api/incidents/{iid}/roles", json={"role": "commander", "person": "ghost"}
        )
        assert nobody.status_code == 400
        # fixed needs the runbook's done_when confirmed; the API says so
        unconfirmed = c.post(f"/api/incidents/{iid}/resolve", json={"resolution": "fixed"})
        assert unconfirmed.status_code == 409 and "done when" in unconfirmed.json()["message"]
        done = c.post(
            f"/api/incidents/{iid}/resolve",
            json={"resolution": "fixed", "confirm_done": True, "note": "failed over"},
        )
        assert done.status_code == 200
        assert (done.json()["status"], done.json()["resolution"]) == ("resolved", "fixed")
        wrong = c.post(f"/api/incidents/{iid}/resolve", json={"resolution": "drill"})
        assert wrong.status_code == 422 and wrong.json()["error"] == "invalid_request"
    with server.client("viewer") as c:
        full = c.get(f"/api/incidents/{iid}").json()
        kinds = [e["kind"] for e in full["timeline"]]
        assert "acknowledge" in kinds and "resolve" in kinds and "note" in kinds
        assert c.get("/api/incidents", params={"status": "resolved"}).json()["incidents"]
        assert not c.get("/api/incidents", params={"status": "open"}).json()["incidents"]
        missing = c.get("/api/incidents/999999")
        assert missing.status_code == 404 and missing.json()["error"] == "not_found"
        # the figures name the runbook steps the responder did not mark done, as the report does
        skipped = {s["step"] for s in c.get("/api/metrics").json()["skipped_steps"]}
        assert "mitigation.1" in skipped and "diagnosis.1" not in skipped


def test_reads_oncall_runbooks_metrics_health(server: Running) -> None:
    with server.client("viewer") as c:
        oncall = c.get("/api/oncall").json()
        assert oncall["schedules"] and all("person_id" in s for s in oncall["schedules"])
        books = c.get("/api/runbooks").json()
        assert len(books["runbooks"]) >= 4
        assert all("findings" in b for b in books["runbooks"])
        figures = c.get("/api/metrics").json()
        assert {"mtta_s", "mttr_s", "false_alarm_rate", "drill_pass_rate", "series"} <= set(figures)
        naive = c.get("/api/metrics", params={"since": "2026-01-01T00:00:00"})
        assert naive.status_code == 400
    with httpx_client(server) as c:
        assert c.get("/healthz").json()["status"] == "ok"
        assert "firebreak_incidents_open" in c.get("/metrics").text
        assert c.get("/openapi.json").json()["paths"]["/v2/enqueue"]


def httpx_client(server: Running) -> Any:
    return server.client()


def test_admin_manages_tokens_and_integrations(server: Running) -> None:
    with server.client("admin") as c:
        made = c.post("/api/tokens", json={"role": "viewer", "name": "wallboard"})
        assert made.status_code == 201
        secret = made.json()["token"]
        listed = c.get("/api/tokens").text
        assert "wallboard" in listed and secret not in listed
        key = c.post("/api/integrations", json={"kind": "generic", "name": "cron"}).json()
        assert len(key["key"]) == 32
        assert key["key"] not in c.get("/api/integrations").text
    with server.client() as anon:
        headers = {"Authorization": f"Bearer {secret}"}
        assert anon.get("/api/incidents", headers=headers).status_code == 200
    with server.client("admin") as c:
        assert c.post(f"/api/tokens/{made.json()['id']}/revoke").status_code == 200
        assert c.post("/api/tokens/99999/revoke").status_code == 404
    with server.client() as anon:
        revoked = anon.get("/api/incidents", headers={"Authorization": f"Bearer {secret}"})
        assert revoked.status_code == 401 and revoked.json()["error"] == "unauthorized"
        assert secret not in revoked.text
