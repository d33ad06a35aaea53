"""The transition table and the actions: every change a timeline entry, illegal ones refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from incident_helpers import load, outage, process, push

from firebreak.errors import Conflict, InputError
from firebreak.incidents import actions, lifecycle
from firebreak.store.db import Store

T0 = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)


@pytest.fixture
def opened(store: Store, example_workspace: Path) -> int:
    ws = load(example_workspace)
    push(store, outage(), T0)
    process(store, ws, T0)
    with store.unit_of_work() as uow:
        return uow.incidents.list()[0].id


def test_table_covers_the_design_lifecycle() -> None:
    assert lifecycle.allowed("triggered") == ["acknowledge", "mitigate", "resolve", "escalate"]
    assert lifecycle.allowed("acknowledged") == ["mitigate", "resolve", "escalate", "wake"]
    assert lifecycle.allowed("mitigated") == ["resolve"]
    assert lifecycle.allowed("resolved") == ["reopen"]


def test_full_lifecycle_stamps_times_and_writes_the_timeline(store: Store, opened: int) -> None:
    t = [T0 + timedelta(minutes=m) for m in (2, 10, 30)]
    with store.unit_of_work() as uow:
        actions.acknowledge(uow, opened, "lee", t[0])
        actions.mitigate(uow, opened, "lee", t[1], note="failed over")
        actions.resolve(uow, opened, "lee", t[2], "fixed", confirm_done=True)
    with store.unit_of_work() as uow:
        incident = uow.incidents.get(opened)
        entries = uow.incidents.timeline(opened)
    assert (incident.acknowledged_at, incident.mitigated_at, incident.resolved_at) == tuple(t)
    assert incident.status == "resolved" and incident.resolution == "fixed"
    changes = [(e.kind, e.actor, e.at) for e in entries if e.kind in lifecycle.PAST]
    assert changes == [
        ("acknowledge", "lee", t[0]),
        ("mitigate", "lee", t[1]),
        ("resolve", "lee", t[2]),
    ]
    resolve_text = next(e.text for e in entries if e.kind == "resolve")
    assert "confirmed" in resolve_text and "error_ratio" in resolve_text


@pytest.mark.parametrize(
    ("first", "then"),
    [
        ("resolve", "acknowledge"),
        ("mitigate", "acknowledge"),
        ("resolve", "resolve"),
    ],
)
def test_illegal_transitions_raise_conflict(
    store: Store, opened: int, first: str, then: str
) -> None:
    with store.unit_of_work() as uow:
        if first == "resolve":
            actions.resolve(uow, opened, "lee", T0, "false_alarm")
        else:
            actions.mitigate(uow, opened, "lee", T0)
    with pytest.raises(Conflict, match=f"cannot {then}"), store.unit_of_work() as uow:
        if then == "acknowledge":
            actions.acknowledge(uow, opened, "lee", T0)
        else:
            actions.resolve(uow, opened, "lee", T0, "fixed", confirm_done=True)


def test_resolving_as_fixed_asks_for_done_when(store: Store, opened: int) -> None:
    with pytest.raises(Conflict, match="done when error_ratio"), store.unit_of_work() as uow:
        actions.resolve(uow, opened, "lee", T0, "fixed")
    with pytest.raises(InputError, match="resolution"), store.unit_of_work() as uow:
        actions.resolve(uow, opened, "lee", T0, "solved")
    with store.unit_of_work() as uow:
        actions.resolve(uow, opened, "lee", T0, "duplicate", note="same as #1")
        assert uow.incidents.get(opened).resolution == "duplicate"


def test_steps_roles_handoff_and_notes_are_on_the_timeline(store: Store, opened: int) -> None:
    with store.unit_of_work() as uow:
        actions.mark_step(uow, opened, "diagnosis.1", "done", "lee", T0)
        actions.mark_step(uow, opened, "mitigation.1", "skipped", "lee", T0)
        actions.mark_step(uow, opened, "mitigation.1", "done", "lee", T0 + timedelta(minutes=1))
        actions.reassign_role(uow, opened, "communications", "mei", "lee", T0)
        actions.handoff(uow, opened, "sam", "mei", T0, note="end of my shift")
        actions.add_note(uow, opened, "sam", T0, "provider confirmed the outage")
    with store.unit_of_work() as uow:
        steps = {s.step_key: s.status for s in uow.incidents.steps(opened)}
        roles = {r.role: r.person_id for r in uow.incidents.roles(opened)}
        history = uow.incidents.roles(opened, history=True)
        kinds = [e.kind for e in uow.incidents.timeline(opened)]
    assert steps == {"diagnosis.1": "done", "mitigation.1": "done"}
    assert roles["communications"] == "sam"
    assert len(history) > len(roles)
    for kind in ("step_done", "step_skipped", "role_reassigned", "handoff", "note"):
        assert kind in kinds


def test_bad_steps_and_handoffs_are_refused(store: Store, opened: int) -> None:
    with (
        pytest.raises(InputError, match="not in the attached runbook"),
        store.unit_of_work() as uow,
    ):
        actions.mark_step(uow, opened, "mitigation.99", "done", "lee", T0)
    with pytest.raises(InputError, match="expected done, skipped"), store.unit_of_work() as uow:
        actions.mark_step(uow, opened, "mitigation.1", "maybe", "lee", T0)
    with pytest.raises(Conflict, match="holds no role"), store.unit_of_work() as uow:
        actions.handoff(uow, opened, "sam", "nobody-here", T0)


def test_fault_start_is_recorded_for_mttd(store: Store, opened: int) -> None:
    with pytest.raises(InputError, match="at or before"), store.unit_of_work() as uow:
        actions.set_fault_start(uow, opened, T0 + timedelta(minutes=1), "lee", T0)
    with store.unit_of_work() as uow:
        actions.set_fault_start(uow, opened, T0 - timedelta(minutes=4), "lee", T0)
    with store.unit_of_work() as uow:
        incident = uow.incidents.get(opened)
        kinds = [e.kind for e in uow.incidents.timeline(opened)]
    assert incident.fault_started_at == T0 - timedelta(minutes=4)
    assert "fault_start" in kinds
