"""Routing as timed steps on the simulated clock, on SQLite and PostgreSQL: routes, integration
bindings, the severity map and the default policy decide who is paged, and when."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from incident_helpers import load, push, tick

from firebreak.incidents.model import AlertIn
from firebreak.notify.channels import RecordingChannel
from firebreak.org import oncall
from firebreak.store.db import Store
from firebreak.web.credentials import create_integration

T0 = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)


def _alert(key: str, labels: dict[str, str], integration: int | None = None) -> AlertIn:
    return AlertIn(
        source="alertmanager",
        dedup_key=key,
        labels=labels,
        summary=labels.get("alertname", key),
        integration_id=integration,
    )


def _paged(channel: RecordingChannel, level: int) -> set[str]:
    pages = [r for r in channel.records() if r["kind"] == "page"]  # not role notices
    return {r["person_id"] for r in pages if r["level"] == level}


def _incident(store: Store) -> tuple[object, list[tuple[str, str]]]:
    with store.unit_of_work() as uow:
        incident = uow.incidents.list()[0]
        entries = [(e.kind, e.text) for e in uow.incidents.timeline(incident.id)]
    return incident, entries


def _edit_settings(root: Path, old: str, new: str) -> None:
    path = root / "firebreak.toml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_an_alert_with_only_alertname_and_severity_is_routed_and_escalates(
    store: Store, example_workspace: Path, tmp_path: Path
) -> None:
    ws = load(example_workspace)
    channel = RecordingChannel(tmp_path / "pages.jsonl")
    primary = set(oncall.resolve(ws.org, "schedule:ml-platform-primary", T0))
    secondary = set(oncall.resolve(ws.org, "schedule:ml-platform-secondary", T0))
    push(store, _alert("am-1", {"alertname": "ChatAPIHighErrorRate", "severity": "critical"}), T0)

    tick(store, ws, T0, channel)  # 03:00: routed to chat-api, its runbook, level 1 paged
    incident, entries = _incident(store)
    assert (incident.service, incident.scenario) == ("chat-api", "inference_outage")  # type: ignore[attr-defined]
    assert incident.runbook_id == "chat-api-inference-outage"  # type: ignore[attr-defined]
    assert incident.severity == "sev1"  # type: ignore[attr-defined]
    assert incident.escalation_policy == "ml-platform-page"  # type: ignore[attr-defined]
    assert any(kind == "routed" and "#1" in text for kind, text in entries)
    assert _paged(channel, 0) == primary and _paged(channel, 1) == set()

    tick(store, ws, T0 + timedelta(minutes=4, seconds=59), channel)  # 03:04:59: still level 1
    assert _paged(channel, 1) == set()
    tick(store, ws, T0 + timedelta(minutes=5), channel)  # 03:05: level 2
    assert _paged(channel, 1) == {*secondary, "dana"}


def test_an_alert_for_an_unknown_service_pages_the_default_and_says_so(
    store: Store, example_workspace: Path, tmp_path: Path
) -> None:
    ws = load(example_workspace)
    channel = RecordingChannel(tmp_path / "pages.jsonl")
    push(store, _alert("am-2", {"alertname": "DiskFull", "service": "billing"}), T0)
    tick(store, ws, T0, channel)
    incident, entries = _incident(store)
    assert incident.escalation_policy == "ml-platform-page"  # type: ignore[attr-defined]
    notes = [text for kind, text in entries if kind == "default_policy"]
    assert notes and "billing" in notes[0] and "default policy ml-platform-page" in notes[0]
    assert _paged(channel, 0) == set(oncall.resolve(ws.org, "schedule:ml-platform-primary", T0))


def test_without_a_default_nobody_is_paged_and_the_timeline_says_why(
    store: Store, example_workspace: Path, tmp_path: Path
) -> None:
    _edit_settings(example_workspace, 'default_escalation = "ml-platform-page"', "")
    ws = load(example_workspace)
    channel = RecordingChannel(tmp_path / "pages.jsonl")
    push(store, _alert("am-3", {"alertname": "DiskFull"}), T0)
    for minutes in (0, 5, 30):
        tick(store, ws, T0 + timedelta(minutes=minutes), channel)
    incident, entries = _incident(store)
    assert incident.escalation_policy is None  # type: ignore[attr-defined]
    assert "no_escalation" in [kind for kind, _ in entries]
    assert channel.records() == []


def test_an_integration_binding_gives_service_and_policy_unless_a_label_says_otherwise(
    store: Store, example_workspace: Path, tmp_path: Path
) -> None:
    ws = load(example_workspace)
    channel = RecordingChannel(tmp_path / "pages.jsonl")
    with store.unit_of_work() as uow:
        bound, _ = create_integration(uow, "alertmanager", "agents-am", T0, service="agent-runner")
    push(store, _alert("b-1", {"alertname": "AgentLoop"}, integration=bound), T0)
    tick(store, ws, T0, channel)
    incident, _ = _incident(store)
    assert incident.service == "agent-runner"  # type: ignore[attr-defined]
    assert incident.escalation_policy == "applied-ai-page"  # type: ignore[attr-defined]
    assert _paged(channel, 0) == set(oncall.resolve(ws.org, "schedule:applied-ai-primary", T0))

    # A label names another service: that service's policy, not the binding's.
    later = T0 + timedelta(minutes=1)
    push(store, _alert("b-2", {"alertname": "X", "service": "chat-api"}, integration=bound), later)
    tick(store, ws, later, channel)
    with store.unit_of_work() as uow:
        second = uow.incidents.list()[0]
    assert second.service == "chat-api" and second.escalation_policy == "ml-platform-page"


def test_severity_words_come_from_routing_severity(
    store: Store, example_workspace: Path, tmp_path: Path
) -> None:
    _edit_settings(example_workspace, 'info = "sev4"', 'info = "sev4"\ndisaster = "sev1"')
    ws = load(example_workspace)
    channel = RecordingChannel(tmp_path / "pages.jsonl")
    push(
        store, _alert("s-1", {"alertname": "Z", "service": "chat-api", "severity": "disaster"}), T0
    )
    tick(store, ws, T0, channel)
    incident, _ = _incident(store)
    assert incident.severity == "sev1"  # type: ignore[attr-defined]


def test_a_regex_route_matches_the_whole_value_only(
    store: Store, example_workspace: Path, tmp_path: Path
) -> None:
    ws = load(example_workspace)
    channel = RecordingChannel(tmp_path / "pages.jsonl")
    push(store, _alert("r-1", {"alertname": "AgentSpendHigh"}), T0)
    push(store, _alert("r-2", {"alertname": "OldAgentSpendHigh"}), T0)  # not anchored at start
    tick(store, ws, T0, channel)
    with store.unit_of_work() as uow:
        by_title = {i.title: i for i in uow.incidents.list()}
    assert by_title["AgentSpendHigh"].service == "agent-runner"
    assert by_title["AgentSpendHigh"].runbook_id == "agent-cost-spike"
    assert by_title["OldAgentSpendHigh"].service is None
    assert by_title["OldAgentSpendHigh"].escalation_policy == "ml-platform-page"  # the default
