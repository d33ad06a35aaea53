"""[[inhibit]]: cause over symptom, as a pure function and through the pipeline on both stores."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from incident_helpers import load, outage, push, tick
from sqlalchemy import select

from firebreak.errors import InputError
from firebreak.incidents import actions
from firebreak.incidents.inhibit import (
    OpenIncident,
    inhibited_by,
    inhibits,
    label_form_problems,
    self_match,
)
from firebreak.incidents.model import AlertIn
from firebreak.notify.channels import RecordingChannel
from firebreak.settings import InhibitRule, Settings, load_settings
from firebreak.store.db import Store
from firebreak.store.tables import Alert, Notification

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
RULE = InhibitRule(
    source={"scenario": "third_party_failure"},
    target={"scenario": "inference_outage"},
    equal=["provider"],
)
PROVIDERS = {"chat-api": ("openai", "anthropic"), "agent-runner": ("anthropic",)}


def provider_incident(incident_id: int, provider: str) -> OpenIncident:
    labels = {"service": "model-gateway", "scenario": "third_party_failure", "provider": provider}
    return OpenIncident(incident_id, labels)


def chat_outage_labels(**extra: str) -> dict[str, str]:
    return {"service": "chat-api", "scenario": "inference_outage", **extra}


# --- the pure function -------------------------------------------------------------------------


def test_an_outage_of_a_service_that_calls_the_failing_provider_is_its_symptom() -> None:
    found = inhibited_by(chat_outage_labels(), [provider_incident(7, "openai")], [RULE], PROVIDERS)
    assert found is not None and found.incident_id == 7 and found.rule == 0
    assert "equal [provider]" in found.text


def test_a_service_that_does_not_call_the_provider_is_not_inhibited() -> None:
    labels = {"service": "agent-runner", "scenario": "inference_outage"}
    assert inhibited_by(labels, [provider_incident(7, "openai")], [RULE], PROVIDERS) is None


def test_a_provider_label_on_the_alert_wins_over_the_services_providers() -> None:
    open_ = [provider_incident(7, "openai")]
    assert inhibited_by(chat_outage_labels(provider="anthropic"), open_, [RULE], PROVIDERS) is None
    assert inhibited_by(chat_outage_labels(provider="openai"), open_, [RULE], PROVIDERS) is not None


def test_without_providers_a_missing_equal_label_only_agrees_with_a_missing_one() -> None:
    assert inhibited_by(chat_outage_labels(), [provider_incident(7, "openai")], [RULE]) is None
    bare = OpenIncident(3, {"scenario": "third_party_failure"})
    assert inhibited_by(chat_outage_labels(), [bare], [RULE]) is not None


def test_regex_matchers_are_fully_anchored() -> None:
    rule = InhibitRule(source={"scenario": "~third_party.*"}, target={"service": "~chat"})
    open_ = [provider_incident(1, "openai")]
    assert inhibited_by(chat_outage_labels(), open_, [rule]) is None  # "chat" ≠ "chat-api"
    rule = InhibitRule(source={"scenario": "~third_party.*"}, target={"service": "~chat-.*"})
    assert inhibited_by(chat_outage_labels(), open_, [rule]) is not None


def test_a_source_finds_the_open_incidents_of_its_symptoms() -> None:
    open_ = [
        OpenIncident(4, chat_outage_labels()),
        OpenIncident(5, {"service": "agent-runner", "scenario": "inference_outage"}),
        OpenIncident(6, {"service": "chat-api", "scenario": "cost_spike"}),
    ]
    source = provider_incident(9, "openai").labels
    assert [i.incident_id for i in inhibits(source, open_, [RULE], PROVIDERS)] == [4]


def test_incidents_matching_both_sides_never_swallow_each_other() -> None:
    rule = InhibitRule(source={"service": "chat-api"}, target={"scenario": "inference_outage"})
    both = OpenIncident(1, chat_outage_labels())
    assert inhibited_by(chat_outage_labels(), [both], [rule]) is None
    assert inhibits(chat_outage_labels(), [both], [rule]) == []


def test_self_match_shows_labels_that_match_both_sides() -> None:
    rule = InhibitRule(source={"severity": "critical"}, target={"service": "chat-api"})
    assert self_match(rule) == {"service": "chat-api", "severity": "critical"}
    assert self_match(RULE) is None
    regex = InhibitRule(source={"severity": "~crit.*"}, target={"severity": "critical"})
    assert self_match(regex) == {"severity": "critical"}


def test_label_forms_from_alertmanager_are_named() -> None:
    rule = InhibitRule(source={"scenario": "third_party_failure"}, target={"severity": "!=crit"})
    assert any("'!='" in p for p in label_form_problems(rule))
    rule = InhibitRule(source={"a b": "x"}, target={"y": "z"}, equal=["1x"])
    problems = label_form_problems(rule)
    assert len(problems) == 2 and "'a b'" in problems[0] and "'1x'" in problems[1]


def test_a_regex_that_does_not_compile_refuses_the_settings_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "firebreak.toml"
    path.write_text('[workspace]\nname = "x"\n\n[[inhibit]]\nsource = {service = "~(chat"}\n')
    path.write_text(path.read_text() + 'target = {scenario = "inference_outage"}\n')
    with pytest.raises(InputError) as caught:
        load_settings(path)
    assert "inhibit.0.source" in caught.value.message
    assert "not a regular expression" in caught.value.message
    assert caught.value.location is not None and caught.value.location.line >= 4


def test_the_example_workspace_ships_the_provider_rule(example_workspace: Path) -> None:
    ws = load(example_workspace)
    assert [r.model_dump() for r in ws.settings.inhibit] == [RULE.model_dump()]
    assert Settings().inhibit == []


# --- through the pipeline ------------------------------------------------------------------------


def provider_alert(key: str = "openai-429", provider: str = "openai") -> AlertIn:
    return AlertIn(
        source="generic",
        dedup_key=key,
        labels={
            "service": "model-gateway",
            "scenario": "third_party_failure",
            "provider": provider,
        },
        summary=f"{provider} throttles 60% of calls",
        severity="critical",
    )


def pages(store: Store) -> list[tuple[int, str]]:
    """Escalation pages (role notices apart), as (incident, person)."""
    with store.unit_of_work(readonly=True) as uow:
        rows = uow.session.scalars(
            select(Notification).where(Notification.kind == "page").order_by(Notification.id)
        ).all()
        return [(r.incident_id, r.person_id) for r in rows]


def contacted(store: Store, incident_id: int) -> set[str]:
    """Everyone the incident paged or told of a role (not cancelled)."""
    with store.unit_of_work(readonly=True) as uow:
        rows = uow.session.scalars(
            select(Notification).where(
                Notification.incident_id == incident_id, Notification.status != "cancelled"
            )
        ).all()
        return {r.person_id for r in rows}


def test_an_outage_alert_after_the_provider_incident_joins_it_and_pages_nobody(
    store: Store, example_workspace: Path, tmp_path: Path
) -> None:
    ws = load(example_workspace)
    channel = RecordingChannel(tmp_path / "pages.jsonl")
    push(store, provider_alert(), T0)
    tick(store, ws, T0, channel)
    before = pages(store)
    push(store, outage(), T0 + timedelta(minutes=1))
    tick(store, ws, T0 + timedelta(minutes=1), channel)
    with store.unit_of_work(readonly=True) as uow:
        incidents = uow.incidents.list()
        assert len(incidents) == 1
        only = incidents[0]
        assert only.scenario == "third_party_failure"
        assert {a.fingerprint for a in uow.incidents.alerts(only.id)} == {
            "openai-429",
            "chat-api-errors",
        }
        kinds = [e.kind for e in uow.incidents.timeline(only.id)]
        outcome = uow.session.scalars(select(Alert.outcome).order_by(Alert.id)).all()
    assert "alert_inhibited" in kinds
    assert outcome == ["opened", "inhibited"]
    assert before and pages(store) == before  # the symptom paged nobody


def test_an_open_outage_incident_is_merged_into_the_provider_incident_that_comes_second(
    store: Store, example_workspace: Path, tmp_path: Path
) -> None:
    ws = load(example_workspace)
    channel = RecordingChannel(tmp_path / "pages.jsonl")
    push(store, outage(), T0)
    tick(store, ws, T0, channel)
    with store.unit_of_work(readonly=True) as uow:
        first = uow.incidents.list()[0].id
        first_timeline = [e.text for e in uow.incidents.timeline(first)]
    paged_first = pages(store)
    assert paged_first and {i for i, _ in paged_first} == {first}
    later = T0 + timedelta(minutes=2)
    push(store, provider_alert(), later)
    tick(store, ws, later, channel)
    with store.unit_of_work(readonly=True) as uow:
        merged = uow.incidents.get(first)
        assert merged.status == "resolved" and merged.resolution == "duplicate"
        cause = next(i for i in uow.incidents.list() if i.id != first)
        held = {a.fingerprint for a in uow.incidents.alerts(cause.id)}
        copied = [e.text for e in uow.incidents.timeline(cause.id) if e.kind == "merged_entry"]
        kinds = [e.kind for e in uow.incidents.timeline(cause.id)]
    assert held == {"chat-api-errors", "openai-429"}
    assert copied == [f"#{first}: {text}" for text in first_timeline]
    assert "merged" in kinds
    assert pages(store) == paged_first  # the provider incident paged nobody again
    assert not contacted(store, first) & contacted(store, cause.id)  # nor told them of a role
    # escalation carries on from where the merged incident stood: level 2 after ack_within
    tick(store, ws, later + timedelta(minutes=10), channel)
    escalated = pages(store)[len(paged_first) :]
    assert escalated and {i for i, _ in escalated} == {cause.id}
    # the person paged for the merged incident acknowledges it: the cause is acknowledged
    with store.unit_of_work() as uow:
        actions.acknowledge(uow, first, "lee", later + timedelta(minutes=11))
    with store.unit_of_work(readonly=True) as uow:
        assert uow.incidents.get(cause.id).status == "acknowledged"


def test_an_acknowledged_outage_incident_carries_its_acknowledgement_into_the_merge(
    store: Store, example_workspace: Path, tmp_path: Path
) -> None:
    ws = load(example_workspace)
    channel = RecordingChannel(tmp_path / "pages.jsonl")
    push(store, outage(), T0)
    tick(store, ws, T0, channel)
    with store.unit_of_work() as uow:
        first = uow.incidents.list()[0].id
        actions.acknowledge(uow, first, "lee", T0 + timedelta(minutes=1))
    paged = pages(store)
    push(store, provider_alert(), T0 + timedelta(minutes=2))
    tick(store, ws, T0 + timedelta(minutes=2), channel)
    tick(store, ws, T0 + timedelta(hours=1), channel)
    with store.unit_of_work(readonly=True) as uow:
        cause = next(i for i in uow.incidents.list() if i.id != first)
        ack = [e for e in uow.incidents.timeline(cause.id) if e.kind == "acknowledge"]
    assert cause.status == "acknowledged" and ack[0].actor == "lee"
    assert pages(store) == paged


def test_another_providers_incident_does_not_take_in_the_outage(
    store: Store, example_workspace: Path, tmp_path: Path
) -> None:
    ws = load(example_workspace)
    channel = RecordingChannel(tmp_path / "pages.jsonl")
    push(store, provider_alert("google-529", provider="google"), T0)
    push(store, outage(), T0)
    tick(store, ws, T0, channel)
    with store.unit_of_work(readonly=True) as uow:
        incidents = uow.incidents.list()
    assert sorted(i.scenario or "" for i in incidents) == [
        "inference_outage",
        "third_party_failure",
    ]
    assert all(i.status == "triggered" for i in incidents)
