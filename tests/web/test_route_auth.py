"""Walk the route table: every route that changes state refuses a missing token (401) and a
token of too low a role (403)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute
from fb_server import Running

from firebreak.web.intake import ROUTES
from firebreak.web.keys import ROLES

pytestmark = pytest.mark.slow  # starts firebreak or a server

# The role each state-changing API route needs.
NEEDS = {"/api/tokens": "admin", "/api/integrations": "admin"}
INTAKE = ("/intake/", "/v1/", "/v2/")
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@contextmanager
def ui_session(server: Running, role: str) -> Iterator[tuple[httpx.Client, str]]:
    """A browser-like client signed in with the role's token, and the page's CSRF token."""
    with server.client() as c:
        page = c.get("/login")
        csrf = CSRF.search(page.text)
        assert csrf is not None
        signed = c.post(
            "/login",
            data={"csrf": csrf.group(1), "token": server.tokens[role], "next": "/incidents"},
        )
        assert signed.status_code == 303, signed.text
        found = CSRF.search(c.get("/incidents").text)
        assert found is not None
        yield c, found.group(1)


def api_routes(routes: Iterable[Any]) -> list[APIRoute]:
    """Every endpoint of the app, looking inside included routers (however FastAPI wraps them)."""
    found: list[APIRoute] = []
    for route in routes:
        if isinstance(route, APIRoute):
            found.append(route)
        elif hasattr(route, "original_router"):
            found += api_routes(route.original_router.routes)
        elif hasattr(route, "routes") and not hasattr(route, "app"):
            found += api_routes(route.routes)
    return found


def needed_role(path: str) -> str:
    for prefix, role in NEEDS.items():
        if path.startswith(prefix):
            return role
    return "responder"


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", lambda m: "diagnosis.1" if "step" in m.group() else "1", path)


def test_every_state_changing_route_checks_the_token(server: Running) -> None:
    routes = api_routes(server.app.routes)
    changing = [
        (m, r.path) for r in routes for m in r.methods if m in ("POST", "PUT", "PATCH", "DELETE")
    ]
    checked = 0
    for method, path in changing:
        if path.startswith(INTAKE) or path in ("/login", "/logout"):
            continue  # intake authenticates by integration key; see below. login has no user.
        if path == "/a/{token}":
            # A page's link carries its own signed credential: one not signed is refused.
            with server.client() as anon:
                answer = anon.post("/a/not-a-signed-link", data={"resolution": "fixed"})
            assert answer.status_code == 403 and 'data-reason="tampered"' in answer.text
            continue
        url = concrete(path)
        with server.client() as anon:
            answer = anon.request(method, url, json={})
            assert answer.status_code == 401, (method, path, answer.status_code)
        role = needed_role(path) if path.startswith("/api/") else "responder"
        for lower in ROLES[: ROLES.index(role)]:
            if path.startswith("/api/"):
                with server.client(lower) as c:
                    answer = c.request(method, url, json={})
            else:  # UI forms: a signed-in session of that role, with a valid CSRF token
                with ui_session(server, lower) as (c, csrf):
                    answer = c.request(method, url, data={"csrf": csrf, "status": "done"})
            assert answer.status_code == 403, (method, path, lower, answer.status_code)
        checked += 1
    assert checked >= 12


def test_every_intake_route_checks_the_integration_key(server: Running) -> None:
    intake = [route.path for route in ROUTES]
    assert len(intake) == 5
    for path in intake:
        with server.client() as anon:
            if path == "/v2/enqueue":
                answer = anon.post(path, json={"routing_key": "0" * 32, "event_action": "trigger"})
            else:
                answer = anon.post(concrete(path), json={})
            assert answer.status_code == 401, (path, answer.status_code)
            wrong_kind = server.keys["generic" if "generic" not in path else "otlp"]
            if path == "/v2/enqueue":
                answer = anon.post(
                    path, json={"routing_key": wrong_kind, "event_action": "trigger"}
                )
            elif path.startswith("/v1/"):
                answer = anon.post(
                    path, json={}, headers={"Authorization": f"Bearer {server.keys['generic']}"}
                )
            else:
                answer = anon.post(path.replace("{integration_key}", wrong_kind), json={})
            assert answer.status_code == 403, (path, answer.status_code)
