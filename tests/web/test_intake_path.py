"""One intake path: every intake kind answers through ``web.intake.Intake`` (the framework has
no intake route of its own), with its documented success status and its error shape."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fb_server import Running
from test_intake import fixture, recent_spans
from test_route_auth import api_routes

from firebreak.incidents.model import INTEGRATION_KINDS
from firebreak.web.intake import ROUTES

pytestmark = pytest.mark.slow  # starts firebreak or a server

OTLP_METRICS = Path(__file__).parents[1] / "signals" / "fixtures" / "otlp_metrics.json"


def _payload(path: str, key: str) -> dict[str, Any]:
    if path.startswith("/intake/alertmanager/"):
        return dict(fixture("alertmanager_firing.json"))
    if path == "/v2/enqueue":
        return dict(fixture("pagerduty_trigger.json", key))
    if path.startswith("/intake/generic/"):
        return {"summary": "one path", "labels": {"service": "chat-api"}, "dedup_key": "path-1"}
    if path == "/v1/traces":
        return recent_spans()
    metrics: dict[str, Any] = json.loads(OTLP_METRICS.read_text())
    return metrics


def _post(c: Any, path: str, key: str, data: dict[str, Any]) -> Any:
    if path.startswith("/v1/"):
        return c.post(path, json=data, headers={"Authorization": f"Bearer {key}"})
    return c.post(path.replace("{integration_key}", key), json=data)


def test_every_intake_kind_answers_through_the_one_path(server: Running) -> None:
    assert {route.kind for route in ROUTES} == set(INTEGRATION_KINDS)
    framework = {route.path for route in api_routes(server.app.routes)}
    assert framework.isdisjoint(route.path for route in ROUTES)
    with server.client() as c:
        documented = c.get("/openapi.json").json()["paths"]
        for route in ROUTES:
            assert "post" in documented[route.path], route.path
            key = server.keys[route.kind]
            answer = _post(c, route.path, key, _payload(route.path, key))
            assert answer.status_code == route.status, (route.path, answer.text)
            refused = _post(c, route.path, "0" * 32, _payload(route.path, "0" * 32))
            assert refused.status_code == 401, (route.path, refused.text)
            body = refused.json()
            if route.kind == "pagerduty":
                assert body["status"] == "invalid event" and body["errors"], body
            else:
                assert body["error"] == "unauthorized" and body["message"], body
            assert refused.headers["www-authenticate"] == "Bearer"
            wrong = c.get(route.path.replace("{integration_key}", key))
            assert wrong.status_code == 405 and wrong.json()["error"] == "method_not_allowed"
        metrics = c.get("/metrics").text
    for kind in ("alertmanager", "pagerduty", "generic", "otlp"):
        assert f'firebreak_intake_alerts_total{{source="{kind}",outcome="accepted"}}' in metrics


def test_oversized_bodies_are_refused_alike_on_every_route(server: Running) -> None:
    big = b"{" + b" " * (5 * 1024 * 1024) + b"}"
    with server.client() as c:
        for route in ROUTES:
            key = server.keys[route.kind]
            headers = {"Content-Type": "application/json", "Authorization": f"Bearer {key}"}
            answer = c.post(
                route.path.replace("{integration_key}", key), content=big, headers=headers
            )
            assert answer.status_code == 413, (route.path, answer.text)
            assert "larger than" in answer.json()["message"]
