"""The web UI over HTTP: sign-in, cookie flags, CSRF on forms, pages render, no open redirect."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from fb_server import Running

pytestmark = pytest.mark.slow  # starts firebreak or a server

CSRF = re.compile(r'name="csrf" value="([^"]+)"')
FIXTURES = Path(__file__).parent / "fixtures"


def test_sign_in_sets_a_safe_cookie_and_pages_render(server: Running) -> None:
    with server.client() as c:
        assert c.get("/incidents").status_code == 303  # not signed in: to the sign-in page
        page = c.get("/login", params={"next": "https://evil.example/"})
        match = CSRF.search(page.text)
        assert match is not None and 'value="/incidents"' in page.text  # no open redirect
        no_csrf = c.post("/login", data={"token": server.tokens["viewer"]})
        assert no_csrf.status_code == 403
        wrong = c.post("/login", data={"csrf": match.group(1), "token": "fbt_nope"})
        assert wrong.status_code == 401 and "unknown or revoked" in wrong.text
        signed = c.post(
            "/login",
            data={"csrf": match.group(1), "token": server.tokens["viewer"], "next": "/oncall"},
        )
        assert signed.status_code == 303 and signed.headers["location"] == "/oncall"
        cookie = signed.headers["set-cookie"]
        assert "fb_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
        assert server.tokens["viewer"] not in cookie
        for path in ("/incidents", "/oncall", "/figures", "/runbooks"):
            answer = c.get(path)
            assert answer.status_code == 200, path
            assert "<svg" in answer.text or path != "/figures"
        assert "Runbook health" in c.get("/runbooks").text


def test_forms_need_the_csrf_token_and_a_responder(server: Running) -> None:
    body = json.loads((FIXTURES / "alertmanager_firing.json").read_text())
    with server.client() as c:
        c.post(f"/intake/alertmanager/{server.keys['alertmanager']}", json=body)
    with server.client("viewer") as v:
        server.wait_for(lambda: v.get("/api/incidents").json()["incidents"])
    with server.client() as c:
        login = CSRF.search(c.get("/login").text)
        assert login is not None
        c.post("/login", data={"csrf": login.group(1), "token": server.tokens["responder"]})
        page = c.get("/incidents/1")
        assert page.status_code == 200 and "Acknowledge" in page.text
        assert "firebreak signals top error_ratio" in page.text  # the runbook's command
        token = CSRF.search(page.text)
        assert token is not None
        assert c.post("/incidents/1/ack", data={}).status_code == 403
        assert c.post("/incidents/1/ack", data={"csrf": "forged"}).status_code == 403
        cross = c.post(
            "/incidents/1/ack",
            data={"csrf": token.group(1)},
            headers={"Origin": "https://evil.example"},
        )
        assert cross.status_code == 403
        done = c.post("/incidents/1/ack", data={"csrf": token.group(1)})
        assert done.status_code == 303 and done.headers["location"] == "/incidents/1"
        assert "data-status>acknowledged<" in c.get("/incidents/1").text
        step = c.post(
            "/incidents/1/steps/diagnosis.1", data={"csrf": token.group(1), "status": "done"}
        )
        assert step.status_code == 303
        bad = c.post("/incidents/1/resolve", data={"csrf": token.group(1), "resolution": "meh"})
        assert bad.status_code == 400 and "resolution" in bad.text
        out = CSRF.search(c.get("/incidents").text)
        assert out is not None
        assert c.post("/logout", data={"csrf": out.group(1)}).status_code == 303
        assert c.get("/incidents").status_code == 303
