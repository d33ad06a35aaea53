"""The incident page's further actions, on the store (SQLite and PostgreSQL): escalate now, add a
responder, snooze, reopen, change severity, merge, undo a step. Each is a transition or a timeline
entry; bad input is refused and changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from incident_helpers import load, outage, process, push, tick

from firebreak.errors import Conflict, InputError
from firebreak.incidents import actions
from firebreak.notify.channels import RecordingChannel
from firebreak.store.db import Store
from firebreak.workspace import Workspace

T0 = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


@pytest.fixture
def ws(example_workspace: Path) -> Workspace:
    return load(example_workspace)


def _open(store: Store, ws: Workspace, key: str, service: str = "chat-api") -> int:
    push(store, outage(key, service=service), T0)
    process(store, ws, T0)
    with store.unit_of_work() as uow:
        return next(i.id for i in uow.incidents.list() if i.service == service)


def pages(channel: RecordingChannel) -> list[dict[str, Any]]:
    """Pages (escalation and responder ones); role notices are tested in test_pages_act.py."""
    return [r for r in channel.records() if r["kind"] == "page"]


def _kinds(store: Store, incident_id: int) -> list[str]:
    with store.unit_of_work() as uow:
        return [e.kind for e in uow.incidents.timeline(incident_id)]


def _state(store: Store, incident_id: int) -> tuple[object, ...]:
    """What a refused action must leave as it was."""
    with store.unit_of_work() as uow:
        inc = uow.incidents.get(incident_id)
        return (
            inc.status,
            inc.severity,
            inc.resolution,
            len(uow.incidents.timeline(incident_id)),
            len(uow.incidents.alerts(incident_id)),
            [(t.kind, t.done, t.due_at) for t in uow.timers.for_incident(incident_id)],
        )


def test_escalate_now_pages_the_next_level_at_once(
    store: Store, ws: Workspace, tmp_path: Path
) -> None:
    channel = RecordingChannel(tmp_path / "pages.jsonl")
    iid = _open(store, ws, "a")
    tick(store, ws, T0, channel)  # level 1 paged
    before = len(pages(channel))
    assert before
    with store.unit_of_work() as uow:
        actions.acknowledge(uow, iid, "lee", T0 + timedelta(minutes=1))
    with store.unit_of_work() as uow:
        actions.escalate_now(uow, ws, iid, "lee", T0 + timedelta(minutes=2))
    tick(store, ws, T0 + timedelta(minutes=2), channel)  # 3 min before level 2 was due
    level2 = {r["person_id"] for r in pages(channel)[before:]}
    assert "dana" in level2 and level2 & {"priya", "marco"}  # level 2: secondary and dana
    with store.unit_of_work() as uow:
        inc = uow.incidents.get(iid)
        entry = [e for e in uow.incidents.timeline(iid) if e.kind == "escalate"][-1]
    assert inc.status == "triggered"
    assert "level 2 of ml-platform-page" in entry.text and entry.actor == "lee"


def test_add_responder_pages_them_and_says_so(store: Store, ws: Workspace, tmp_path: Path) -> None:
    channel = RecordingChannel(tmp_path / "pages.jsonl")
    iid = _open(store, ws, "a")
    with store.unit_of_work() as uow:
        actions.acknowledge(uow, iid, "lee", T0)
        actions.add_responder(uow, ws, iid, "priya", "lee", T0)
    tick(store, ws, T0, channel)
    sent = [r for r in pages(channel) if r["person_id"] == "priya"]
    assert {r["contact_type"] for r in sent} == {"slack", "email"}
    assert "lee asks you to respond" in sent[0]["text"]
    assert "responder_added" in _kinds(store, iid)
    before = _state(store, iid)
    with pytest.raises(InputError, match="not a person id"), store.unit_of_work() as uow:
        actions.add_responder(uow, ws, iid, "nobody-here", "lee", T0)
    assert _state(store, iid) == before


def test_snooze_holds_the_pages_then_triggers_again(
    store: Store, ws: Workspace, tmp_path: Path
) -> None:
    channel = RecordingChannel(tmp_path / "pages.jsonl")
    iid = _open(store, ws, "a")
    tick(store, ws, T0, channel)
    with store.unit_of_work() as uow:
        actions.acknowledge(uow, iid, "lee", T0 + timedelta(minutes=1))
        actions.snooze(uow, iid, timedelta(minutes=30), "lee", T0 + timedelta(minutes=1))
    paged = len(pages(channel))
    tick(store, ws, T0 + timedelta(minutes=20), channel)
    with store.unit_of_work() as uow:
        assert uow.incidents.get(iid).status == "acknowledged"
    assert len(pages(channel)) == paged  # quiet while snoozed
    tick(store, ws, T0 + timedelta(minutes=31), channel)  # the snooze ends: triggered again
    tick(store, ws, T0 + timedelta(minutes=31, seconds=1), channel)  # level 1 is paged
    with store.unit_of_work() as uow:
        assert uow.incidents.get(iid).status == "triggered"
    assert len(pages(channel)) > paged
    kinds = _kinds(store, iid)
    assert kinds.index("snoozed") < kinds.index("wake")


@pytest.mark.parametrize("duration", [timedelta(minutes=-5), timedelta(0), timedelta(days=2)])
def test_a_bad_snooze_is_refused_and_changes_nothing(
    store: Store, ws: Workspace, duration: timedelta
) -> None:
    iid = _open(store, ws, "a")
    with store.unit_of_work() as uow:
        actions.acknowledge(uow, iid, "lee", T0)
    before = _state(store, iid)
    with pytest.raises(InputError, match="from 1m to 1d"), store.unit_of_work() as uow:
        actions.snooze(uow, iid, duration, "lee", T0)
    assert _state(store, iid) == before


def test_snoozing_a_triggered_incident_asks_for_an_acknowledgement(
    store: Store, ws: Workspace
) -> None:
    iid = _open(store, ws, "a")
    with pytest.raises(Conflict, match="acknowledge it first"), store.unit_of_work() as uow:
        actions.snooze(uow, iid, timedelta(minutes=5), "lee", T0)


def test_reopen_clears_the_resolution_and_pages_again(
    store: Store, ws: Workspace, tmp_path: Path
) -> None:
    channel = RecordingChannel(tmp_path / "pages.jsonl")
    iid = _open(store, ws, "a")
    with store.unit_of_work() as uow:
        actions.resolve(uow, iid, "lee", T0, "false_alarm")
    tick(store, ws, T0, channel)
    assert pages(channel) == []
    with store.unit_of_work() as uow:
        actions.reopen(uow, iid, "lee", T0 + timedelta(minutes=5), "it is back")
    tick(store, ws, T0 + timedelta(minutes=5), channel)
    with store.unit_of_work() as uow:
        inc = uow.incidents.get(iid)
        text = next(e.text for e in uow.incidents.timeline(iid) if e.kind == "reopen")
    assert (inc.status, inc.resolution, inc.resolved_at) == ("triggered", None, None)
    assert "false_alarm" in text and "it is back" in text
    assert pages(channel)  # level 1 paged again
    with pytest.raises(Conflict, match="cannot reopen"), store.unit_of_work() as uow:
        actions.reopen(uow, iid, "lee", T0)


def test_change_severity_is_on_the_timeline(store: Store, ws: Workspace) -> None:
    iid = _open(store, ws, "a")
    with store.unit_of_work() as uow:
        actions.change_severity(uow, iid, "sev3", "lee", T0)
    with store.unit_of_work() as uow:
        assert uow.incidents.get(iid).severity == "sev3"
        assert "sev1 → sev3" in uow.incidents.timeline(iid)[-1].text
    before = _state(store, iid)
    for bad in ("sev9", "sev3"):
        with pytest.raises(InputError), store.unit_of_work() as uow:
            actions.change_severity(uow, iid, bad, "lee", T0)
    assert _state(store, iid) == before


def test_merge_moves_the_alerts_and_resolves_as_duplicate(store: Store, ws: Workspace) -> None:
    a = _open(store, ws, "a", service="chat-api")
    b = _open(store, ws, "b", service="agent-runner")
    with store.unit_of_work() as uow:
        actions.merge_into(uow, b, a, "lee", T0 + timedelta(minutes=1))
    with store.unit_of_work() as uow:
        source, target = uow.incidents.get(b), uow.incidents.get(a)
        assert (source.status, source.resolution) == ("resolved", "duplicate")
        assert uow.incidents.alerts(b) == []
        assert {x.fingerprint for x in uow.incidents.alerts(a)} >= {"a", "b"}
        assert "agent-runner" in target.services
        assert uow.incidents.timeline(a)[-1].kind == "merged"
    # A later event of the moved alert joins the target.
    push(store, outage("b", service="agent-runner"), T0 + timedelta(minutes=2))
    process(store, ws, T0 + timedelta(minutes=2))
    with store.unit_of_work() as uow:
        assert next(x for x in uow.incidents.alerts(a) if x.fingerprint == "b").count == 2


def test_bad_merges_are_refused_and_change_nothing(store: Store, ws: Workspace) -> None:
    a = _open(store, ws, "a", service="chat-api")
    b = _open(store, ws, "b", service="agent-runner")
    with store.unit_of_work() as uow:
        actions.resolve(uow, b, "lee", T0, "false_alarm")
    before = (_state(store, a), _state(store, b))
    with pytest.raises(InputError, match="into itself"), store.unit_of_work() as uow:
        actions.merge_into(uow, a, a, "lee", T0)
    with pytest.raises(Conflict, match="is resolved"), store.unit_of_work() as uow:
        actions.merge_into(uow, a, b, "lee", T0)
    with pytest.raises(InputError, match="no incident 999"), store.unit_of_work() as uow:
        actions.merge_into(uow, a, 999, "lee", T0)
    assert (_state(store, a), _state(store, b)) == before


def test_undo_a_step_marked_done(store: Store, ws: Workspace) -> None:
    iid = _open(store, ws, "a")
    with store.unit_of_work() as uow:
        actions.mark_step(uow, iid, "diagnosis.1", "done", "lee", T0)
    with store.unit_of_work() as uow:
        actions.undo_step(uow, iid, "diagnosis.1", "dana", T0 + timedelta(minutes=1))
    with store.unit_of_work() as uow:
        assert uow.incidents.steps(iid) == []
        assert "no longer done (it was marked by lee; undone by dana)" in (
            uow.incidents.timeline(iid)[-1].text
        )
    with pytest.raises(InputError, match="nothing to undo"), store.unit_of_work() as uow:
        actions.undo_step(uow, iid, "diagnosis.1", "dana", T0)
