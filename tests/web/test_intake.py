"""Intake over real HTTP: documented payloads accepted, malformed ones refused with a message,
retries idempotent, keys checked per integration."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from fb_server import Running

pytestmark = pytest.mark.slow  # starts firebreak or a server

FIXTURES = Path(__file__).parent / "fixtures"


def fixture(name: str, routing_key: str | None = None) -> Any:
    data = json.loads((FIXTURES / name).read_text())
    if routing_key is not None:
        data["routing_key"] = routing_key
    return data


def incidents(server: Running, **params: str) -> list[dict[str, Any]]:
    with server.client("viewer") as c:
        found: list[dict[str, Any]] = c.get("/api/incidents", params=params).json()["incidents"]
        return found


def detail(server: Running, incident_id: int) -> dict[str, Any]:
    with server.client("viewer") as c:
        found: dict[str, Any] = c.get(f"/api/incidents/{incident_id}").json()
        return found


def test_alertmanager_firing_then_resolved_and_retries_are_one_alert(server: Running) -> None:
    url = f"/intake/alertmanager/{server.keys['alertmanager']}"
    with server.client() as c:
        for _ in range(3):  # Alertmanager re-sends the group on every repeat_interval and retry
            answer = c.post(url, json=fixture("alertmanager_firing.json"))
            assert answer.status_code == 200, answer.text
            assert answer.json() == {"status": "success", "alerts": 2}
    [incident] = server.wait_for(lambda: incidents(server))
    assert incident["service"] == "chat-api" and incident["status"] == "triggered"
    full = server.wait_for(lambda: (d := detail(server, incident["id"]))["alert_count"] == 6 and d)
    assert sorted(a["fingerprint"].split("/")[1] for a in full["alerts"]) == [
        "0c77e1d2a9b34f05",
        "b3a8c2f04d1e7a61",
    ]
    assert full["runbook_id"] == "chat-api-inference-outage"
    with server.client() as c:
        assert c.post(url, json=fixture("alertmanager_resolved.json")).status_code == 200

    def resolved_alert() -> bool:
        states = {a["fingerprint"]: a["status"] for a in detail(server, incident["id"])["alerts"]}
        return states[f"{full['alerts'][0]['fingerprint']}"] == "resolved"

    assert server.wait_for(resolved_alert)
    assert len(incidents(server)) == 1


def test_pagerduty_events_v2_answers_as_pagerduty_does(server: Running) -> None:
    key = server.keys["pagerduty"]
    with server.client() as c:
        answer = c.post("/v2/enqueue", json=fixture("pagerduty_trigger.json", key))
        assert answer.status_code == 202
        assert answer.json() == {
            "status": "success",
            "message": "Event processed",
            "dedup_key": "summarizer-cost-2026-11-27",
        }
        again = c.post("/v2/enqueue", json=fixture("pagerduty_trigger.json", key))
        assert again.status_code == 202
        generated = c.post("/v2/enqueue", json=fixture("pagerduty_trigger_no_dedup.json", key))
        assert generated.status_code == 202 and len(generated.json()["dedup_key"]) == 32
    found = server.wait_for(lambda: [i for i in incidents(server) if i["service"] == "summarizer"])
    assert len(found) == 1 and found[0]["scenario"] == "cost_spike"
    with server.client() as c:
        ack = c.post("/v2/enqueue", json=fixture("pagerduty_acknowledge.json", key))
        assert ack.status_code == 202
    assert server.wait_for(lambda: detail(server, found[0]["id"])["status"] == "acknowledged")
    with server.client() as c:
        assert c.post("/v2/enqueue", json=fixture("pagerduty_resolve.json", key)).status_code == 202
    # a resolve from the sender resolves the alert; people close the incident
    assert server.wait_for(
        lambda: detail(server, found[0]["id"])["alerts"][0]["status"] == "resolved"
    )


def test_pagerduty_malformed_events_get_400_with_errors(server: Running) -> None:
    key = server.keys["pagerduty"]
    bad_payload = fixture("pagerduty_trigger.json", key)
    del bad_payload["payload"]["severity"]
    cases = [
        (b"not json", "invalid JSON"),
        (json.dumps(fixture("pagerduty_trigger.json", "short")).encode(), "32 characters"),
        (json.dumps(bad_payload).encode(), "payload.severity"),
    ]
    with server.client() as c:
        for body, expected in cases:
            answer = c.post(
                "/v2/enqueue", content=body, headers={"Content-Type": "application/json"}
            )
            assert answer.status_code == 400, answer.text
            data = answer.json()
            assert data["status"] == "invalid event"
            assert any(expected in e for e in data["errors"]), data
        unknown = c.post("/v2/enqueue", json=fixture("pagerduty_trigger.json", "f" * 32))
        assert unknown.status_code == 401 and unknown.json()["status"] == "invalid event"


def test_keys_are_per_integration_and_kind(server: Running) -> None:
    body = fixture("alertmanager_firing.json")
    with server.client() as c:
        assert c.post("/intake/alertmanager/nope", json=body).status_code == 401
        wrong = c.post(f"/intake/alertmanager/{server.keys['generic']}", json=body)
        assert wrong.status_code == 403 and wrong.json()["error"] == "forbidden"
        assert server.keys["generic"] not in wrong.text


def test_alertmanager_malformed_and_oversized(server: Running) -> None:
    url = f"/intake/alertmanager/{server.keys['alertmanager']}"
    body = fixture("alertmanager_firing.json")
    body["alerts"][0]["status"] = "pending"
    with server.client() as c:
        answer = c.post(url, json=body)
        assert answer.status_code == 400
        assert answer.json()["error"] == "invalid_payload"
        assert "alerts[0].status" in answer.json()["message"]
        huge = c.post(url, content=b"[" + b"0," * 3_000_000 + b"0]")
        assert huge.status_code == 413


def test_generic_alert(server: Running) -> None:
    url = f"/intake/generic/{server.keys['generic']}"
    alert = {
        "summary": "answers judged unhelpful doubled",
        "status": "firing",
        "labels": {"service": "chat-api", "scenario": "quality_anomaly"},
        "dedup_key": "q1",
    }
    with server.client() as c:
        answer = c.post(url, json=alert)
        assert answer.status_code == 202 and answer.json()["dedup_key"] == "q1"
        assert c.post(url, json={"labels": {"service": "x"}}).status_code == 400
    found = server.wait_for(lambda: incidents(server, scenario="quality_anomaly"))
    assert found and found[0]["title"] == "answers judged unhelpful doubled"


OTLP_SPANS = {
    "resourceSpans": [
        {
            "resource": {
                "attributes": [{"key": "service.name", "value": {"stringValue": "chat-api"}}]
            },
            "scopeSpans": [
                {
                    "spans": [
                        {
                            "traceId": "5b8efff798038103d269b633813fc60c",
                            "spanId": "eee19b7ec3c1b174",
                            "name": "chat gpt-4o",
                            "kind": 3,
                            "startTimeUnixNano": "1796000000000000000",
                            "endTimeUnixNano": "1796000001200000000",
                            "attributes": [
                                {"key": "gen_ai.operation.name", "value": {"stringValue": "chat"}},
                                {"key": "gen_ai.provider.name", "value": {"stringValue": "openai"}},
                                {"key": "gen_ai.request.model", "value": {"stringValue": "gpt-4o"}},
                                {"key": "gen_ai.usage.input_tokens", "value": {"intValue": "120"}},
                                {"key": "gen_ai.usage.output_tokens", "value": {"intValue": "48"}},
                            ],
                            "status": {"code": 1},
                        }
                    ]
                }
            ],
        }
    ]
}


def recent_spans() -> dict[str, Any]:
    data = json.loads(json.dumps(OTLP_SPANS))
    span = data["resourceSpans"][0]["scopeSpans"][0]["spans"][0]
    end = int(time.time() * 1e9)
    span["startTimeUnixNano"], span["endTimeUnixNano"] = str(end - 1_200_000_000), str(end)
    return data


def test_otlp_traces_need_the_bearer_key_and_an_otlp_encoding(server: Running) -> None:
    with server.client() as c:
        assert c.post("/v1/traces", json=OTLP_SPANS).status_code == 401
        auth = {"Authorization": f"Bearer {server.keys['otlp']}"}
        proto = c.post(
            "/v1/traces",
            content=b"\x0a\x00",  # one empty ResourceSpans
            headers={**auth, "Content-Type": "application/x-protobuf"},
        )
        assert proto.status_code == 200  # not a gen_ai call: a warning, not a refusal
        assert proto.headers["content-type"] == "application/x-protobuf"
        assert b"no gen_ai calls" in proto.content  # partial_success.error_message
        text = c.post(
            "/v1/traces", content=b"spans", headers={**auth, "Content-Type": "text/plain"}
        )
        assert text.status_code == 415 and "application/x-protobuf" in text.json()["message"]
        old = c.post("/v1/traces", json=OTLP_SPANS, headers=auth)  # a span from 2026-11-30
        assert old.status_code == 200 and old.json()["partialSuccess"]["rejectedSpans"] == 1
        answer = c.post("/v1/traces", json=recent_spans(), headers=auth)
        assert answer.status_code == 200 and answer.json() == {"partialSuccess": {}}
        metrics = c.get("/metrics").text
        assert 'firebreak_intake_alerts_total{source="otlp",outcome="accepted"} 1' in metrics
        assert c.post("/v1/metrics", json={"resourceSpans": []}, headers=auth).status_code == 400
