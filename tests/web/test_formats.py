"""The intake parsers take the payloads exactly as Alertmanager and PagerDuty document them."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from firebreak.web.formats import (
    BadPayload,
    decode_json,
    pagerduty_routing_key,
    parse_alertmanager,
    parse_generic,
    parse_pagerduty,
)

FIXTURES = Path(__file__).parent / "fixtures"


def load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def test_alertmanager_firing_keeps_fingerprint_group_key_and_status() -> None:
    alerts = parse_alertmanager(load("alertmanager_firing.json"))
    assert [a.dedup_key for a in alerts] == ["b3a8c2f04d1e7a61", "0c77e1d2a9b34f05"]
    assert {a.action for a in alerts} == {"trigger"}
    assert alerts[0].group_key == '{}/{service="chat-api"}:{alertname="ChatApiErrorRatioHigh"}'
    assert alerts[0].labels["provider"] == "openai"
    assert alerts[0].summary == "chat-api fails more than 5% of requests"
    assert alerts[0].severity == "critical"
    assert alerts[0].starts_at == datetime(2026, 11, 27, 2, 58, 11, 207429, tzinfo=UTC)
    assert "generatorURL" in alerts[0].details


def test_alertmanager_resolved_is_a_resolve_for_the_same_fingerprint() -> None:
    [alert] = parse_alertmanager(load("alertmanager_resolved.json"))
    assert alert.action == "resolve"
    assert alert.dedup_key == "b3a8c2f04d1e7a61"


def test_alertmanager_without_fingerprint_uses_the_labels() -> None:
    data = load("alertmanager_firing.json")
    for alert in data["alerts"]:
        del alert["fingerprint"]
    first, second = parse_alertmanager(data)
    again, _ = parse_alertmanager(data)
    assert first.dedup_key == again.dedup_key != second.dedup_key


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d.update(version="3"), "version"),
        (lambda d: d.update(alerts={}), "alerts: expected a list"),
        (lambda d: d["alerts"][0].update(status="pending"), "alerts[0].status"),
        (lambda d: d["alerts"][1].update(labels={"a": 1}), "alerts[1].labels"),
        (lambda d: d["alerts"][0].update(labels={}), "must not be empty"),
        (lambda d: d["alerts"][0].update(startsAt="yesterday"), "alerts[0].startsAt"),
    ],
)
def test_alertmanager_malformed_names_the_field(change: Any, expected: str) -> None:
    data = load("alertmanager_firing.json")
    change(data)
    with pytest.raises(BadPayload) as info:
        parse_alertmanager(data)
    assert any(expected in e for e in info.value.errors), info.value.errors


def test_pagerduty_trigger() -> None:
    data = load("pagerduty_trigger.json")
    event, generated = parse_pagerduty(data)
    assert not generated
    assert event.action == "trigger"
    assert event.dedup_key == "summarizer-cost-2026-11-27"
    assert event.severity == "critical"
    assert event.labels["service"] == "summarizer"
    assert event.labels["scenario"] == "cost_spike"
    assert event.labels["source"] == "billing-watch.prod.example.com"
    assert event.details["forecast_usd_today"] == 910
    assert event.starts_at == datetime(2026, 11, 27, 3, 5, tzinfo=UTC)


def test_pagerduty_trigger_without_dedup_key_gets_one() -> None:
    event, generated = parse_pagerduty(load("pagerduty_trigger_no_dedup.json"))
    assert generated and len(event.dedup_key) == 32


@pytest.mark.parametrize("name", ["pagerduty_acknowledge.json", "pagerduty_resolve.json"])
def test_pagerduty_follow_up_events(name: str) -> None:
    event, _ = parse_pagerduty(load(name))
    assert event.action == name.removeprefix("pagerduty_").removesuffix(".json")
    assert event.dedup_key == "summarizer-cost-2026-11-27"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d.update(event_action="explode"), "event_action"),
        (lambda d: d["payload"].pop("summary"), "payload.summary"),
        (lambda d: d["payload"].pop("source"), "payload.source"),
        (lambda d: d["payload"].update(severity="sev1"), "payload.severity"),
        (lambda d: d.pop("payload"), "'payload' is required"),
        (lambda d: d.update(dedup_key="x" * 256), "dedup_key"),
    ],
)
def test_pagerduty_malformed(change: Any, expected: str) -> None:
    data = load("pagerduty_trigger.json")
    change(data)
    with pytest.raises(BadPayload) as info:
        parse_pagerduty(data)
    assert info.value.message == "Event object is invalid"
    assert any(expected in e for e in info.value.errors), info.value.errors


def test_pagerduty_resolve_needs_a_dedup_key() -> None:
    data = load("pagerduty_resolve.json")
    del data["dedup_key"]
    with pytest.raises(BadPayload, match="invalid"):
        parse_pagerduty(data)


def test_pagerduty_routing_key_length() -> None:
    assert pagerduty_routing_key({"routing_key": "a" * 32}) == "a" * 32
    with pytest.raises(BadPayload) as info:
        pagerduty_routing_key({"routing_key": "short"})
    assert "32 characters" in info.value.errors[0]
    with pytest.raises(BadPayload):
        pagerduty_routing_key([])


def test_generic_alert() -> None:
    alert = parse_generic(
        {
            "summary": "quality down",
            "labels": {"service": "chat-api"},
            "status": "firing",
            "dedup_key": "q-1",
        }
    )
    assert (alert.action, alert.dedup_key, alert.labels) == (
        "trigger",
        "q-1",
        {"service": "chat-api"},
    )
    resolved = parse_generic({"labels": {"service": "chat-api"}, "status": "resolved"})
    assert resolved.action == "resolve" and len(resolved.dedup_key) == 16


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"labels": {"a": "b"}}, "summary"),
        ({"summary": "x"}, "dedup_key or labels"),
        ({"summary": "x", "labels": {"a": "b"}, "status": "maybe"}, "status"),
        ({"summary": "x", "labels": {"a": "b"}, "colour": "red"}, "unknown keys colour"),
        ({"summary": "x", "labels": ["a"]}, "labels"),
    ],
)
def test_generic_malformed(body: dict[str, Any], expected: str) -> None:
    with pytest.raises(BadPayload) as info:
        parse_generic(body)
    assert any(expected in e for e in info.value.errors), info.value.errors


@pytest.mark.parametrize(
    ("body", "expected"), [(b"", "empty"), (b"{", "line 1 column 2"), (b"\xff\xfe", "UTF-8")]
)
def test_decode_json_errors(body: bytes, expected: str) -> None:
    with pytest.raises(BadPayload, match=expected):
        decode_json(body)
