"""The fault start (MTTD) from Alertmanager's startsAt, and set by a responder through the API."""

from __future__ import annotations

from datetime import datetime

import pytest
from fb_server import Running
from test_api import open_incident

pytestmark = pytest.mark.slow  # starts firebreak or a server


def test_alertmanager_starts_at_is_the_fault_start_and_a_responder_can_set_it(
    server: Running,
) -> None:
    incident = open_incident(server)
    iid = incident["id"]
    with server.client("viewer") as c:
        shown = c.get(f"/api/incidents/{iid}").json()
    # the earliest startsAt of the incident's two alerts (the fixture's first alert)
    assert datetime.fromisoformat(shown["fault_started_at"]) == datetime.fromisoformat(
        "2026-11-27T02:58:11.207429+00:00"
    )
    with server.client("viewer") as c:
        refused = c.post(f"/api/incidents/{iid}/fault_start", json={"at": "2026-11-27T02:50:00Z"})
        assert refused.status_code == 403
    with server.client("responder") as c:
        naive = c.post(f"/api/incidents/{iid}/fault_start", json={"at": "2026-11-27T02:50:00"})
        assert naive.status_code == 400 and "offset" in naive.json()["message"]
        late = c.post(f"/api/incidents/{iid}/fault_start", json={"at": "2099-01-01T00:00:00Z"})
        assert late.status_code == 400 and "before the incident opened" in late.json()["message"]
        ok = c.post(f"/api/incidents/{iid}/fault_start", json={"at": "2026-11-27T02:50:00Z"})
        assert ok.status_code == 200, ok.text
        body = ok.json()
    assert datetime.fromisoformat(body["fault_started_at"]) == datetime.fromisoformat(
        "2026-11-27T02:50:00+00:00"
    )
    assert any(e["kind"] == "fault_start" for e in body["timeline"])
