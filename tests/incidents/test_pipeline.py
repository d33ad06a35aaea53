"""The pipeline on both stores: dedup, grouping, PagerDuty dedup_key semantics, runbook, roles."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from incident_helpers import load, outage, process, push
from sqlalchemy import select

from firebreak.clock import SimClock
from firebreak.errors import InputError
from firebreak.incidents import actions
from firebreak.incidents.model import AlertIn
from firebreak.incidents.pipeline import process_pending
from firebreak.org import oncall
from firebreak.store.db import Store
from firebreak.store.tables import Alert

T0 = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)


def test_fifty_alerts_from_one_service_in_a_minute_make_one_incident(
    store: Store, example_workspace: Path
) -> None:
    ws = load(example_workspace)
    clock = SimClock(T0)
    for i in range(50):  # one alert every 1.2 s from 00:00 to 00:00:58.8, seven fingerprints
        push(store, outage(key=f"fp-{i % 7}", model=f"m{i % 7}"), clock.now())
        process(store, ws, clock.now())
        clock.advance(timedelta(seconds=1.2))
    with store.unit_of_work() as uow:
        incidents = uow.incidents.list()
        assert len(incidents) == 1
        links = uow.incidents.alerts(incidents[0].id)
    assert len(links) == 7
    assert sum(link.count for link in links) == 50


def test_retrigger_after_resolution_opens_a_new_incident(
    store: Store, example_workspace: Path
) -> None:
    ws = load(example_workspace)
    push(store, outage(), T0)
    process(store, ws, T0)
    with store.unit_of_work() as uow:
        first = uow.incidents.list()[0].id
        actions.resolve(uow, first, "dana", T0 + timedelta(minutes=3), "false_alarm")
    push(store, outage(), T0 + timedelta(minutes=4))
    result = process(store, ws, T0 + timedelta(minutes=4))
    assert result.outcomes["opened"] == 1
    with store.unit_of_work() as uow:
        ids = [i.id for i in uow.incidents.list()]
    assert len(ids) == 2 and first in ids


def test_ack_and_resolve_for_unknown_keys_are_kept_and_ignored(
    store: Store, example_workspace: Path
) -> None:
    ws = load(example_workspace)
    for action in ("acknowledge", "resolve"):
        alert = outage(key="never-triggered")
        alert.action = action  # type: ignore[assignment]
        push(store, alert, T0)
    result = process(store, ws, T0)
    assert result.outcomes == {"ignored": 2}
    with store.unit_of_work() as uow:
        rows = uow.session.scalars(select(Alert)).all()
        assert uow.incidents.list() == []
    assert [r.outcome for r in rows] == ["ignored", "ignored"]
    assert all(r.processed_at is not None for r in rows)


def test_source_acknowledge_and_resolve_for_a_known_key(
    store: Store, example_workspace: Path
) -> None:
    ws = load(example_workspace)
    push(store, outage(key="pd-1"), T0)
    ack = outage(key="pd-1")
    ack.action = "acknowledge"
    push(store, ack, T0 + timedelta(minutes=1))
    res = outage(key="pd-1")
    res.action = "resolve"
    push(store, res, T0 + timedelta(minutes=2))
    process(store, ws, T0 + timedelta(minutes=2))
    with store.unit_of_work() as uow:
        incident = uow.incidents.list()[0]
        kinds = [e.kind for e in uow.incidents.timeline(incident.id)]
    assert incident.status == "acknowledged"
    assert "alert_resolved" in kinds


def test_third_party_failure_is_one_incident_listing_every_service(
    store: Store, example_workspace: Path
) -> None:
    ws = load(example_workspace)
    for service in ("chat-api", "agent-runner", "model-gateway"):
        push(
            store,
            AlertIn(
                source="generic",
                dedup_key=f"openai-429-{service}",
                labels={
                    "service": service,
                    "scenario": "third_party_failure",
                    "provider": "openai",
                },
                summary=f"{service}: openai throttling",
            ),
            T0,
        )
    push(
        store,
        AlertIn(
            source="generic",
            dedup_key="anthropic-timeouts",
            labels={
                "service": "chat-api",
                "scenario": "third_party_failure",
                "provider": "anthropic",
            },
            summary="anthropic timeouts",
        ),
        T0,
    )
    process(store, ws, T0)
    with store.unit_of_work() as uow:
        incidents = sorted(uow.incidents.list(), key=lambda i: i.id)
    assert len(incidents) == 2
    assert incidents[0].services == ["chat-api", "agent-runner", "model-gateway"]
    assert incidents[0].runbook_id == "provider-api-failure"
    assert incidents[1].services == ["chat-api"]


def test_opening_attaches_runbook_and_fills_roles_from_who_is_on_call(
    store: Store, example_workspace: Path
) -> None:
    ws = load(example_workspace)
    push(store, outage(), T0)
    process(store, ws, T0)
    with store.unit_of_work() as uow:
        incident = uow.incidents.list()[0]
        roles = {r.role: (r.person_id, r.reached_via) for r in uow.incidents.roles(incident.id)}
    runbook = ws.runbook("chat-api-inference-outage")
    assert runbook is not None
    assert incident.runbook_id == runbook.id
    assert incident.severity == "sev1"
    assert incident.escalation_policy == "ml-platform-page"
    assert [s["key"] for s in incident.runbook["steps"]] == [s.key for s in runbook.steps]
    for role, ref in runbook.roles.items():
        assert roles[role] == (oncall.resolve(ws.org, ref, T0)[0], ref)


def test_group_window_and_drills_keep_apart(store: Store, example_workspace: Path) -> None:
    ws = load(example_workspace)
    push(store, outage(key="a"), T0)
    process(store, ws, T0)
    drill = outage(key="b")
    drill.drill = True
    push(store, drill, T0 + timedelta(minutes=1))  # same group labels, but a drill
    push(store, outage(key="c"), T0 + timedelta(hours=2))  # past the 1h window
    process(store, ws, T0 + timedelta(hours=2))
    with store.unit_of_work() as uow:
        incidents = uow.incidents.list()
    assert len(incidents) == 3
    assert sum(i.drill for i in incidents) == 1


def test_bad_alerts_are_refused_with_the_field_named(store: Store) -> None:
    with pytest.raises(InputError, match="action"), store.unit_of_work() as uow:
        from firebreak.incidents.intake import record_alert

        record_alert(uow, AlertIn(source="generic", dedup_key="k", action="bogus"), T0)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="dedup_key"), store.unit_of_work() as uow:
        record_alert(uow, AlertIn(source="generic", dedup_key=""), T0)


def test_record_alerts_appends_a_batch_or_nothing(store: Store, example_workspace: Path) -> None:
    from firebreak.incidents.intake import record_alerts

    ws = load(example_workspace)
    with store.unit_of_work() as uow:
        assert record_alerts(uow, [outage(key=f"b{i}") for i in range(20)], T0) == 20
    bad = [outage(key="ok"), AlertIn(source="generic", dedup_key="")]
    with pytest.raises(InputError), store.unit_of_work() as uow:
        record_alerts(uow, bad, T0)
    result = process(store, ws, T0)
    assert result.processed == 20 and result.outcomes == {"opened": 1, "attached": 19}


def test_an_alert_nobody_planned_for_still_opens_and_says_what_is_missing(
    store: Store, example_workspace: Path
) -> None:
    ws = load(example_workspace)
    push(
        store,
        AlertIn(
            source="alertmanager",
            dedup_key="am-1",
            summary="DiskFull",
            labels={"alertname": "DiskFull", "service": "billing"},
            severity="warning",
        ),
        T0,
    )
    process(store, ws, T0)
    with store.unit_of_work() as uow:
        incident = uow.incidents.list()[0]
        kinds = [e.kind for e in uow.incidents.timeline(incident.id)]
        timers = uow.timers.for_incident(incident.id)
    assert incident.severity == "sev3" and incident.runbook_id is None
    # The example workspace sets [routing] default_escalation: the unknown service pages it.
    assert "no_runbook" in kinds and "default_policy" in kinds
    assert incident.escalation_policy == "ml-platform-page" and len(timers) == 1


def test_two_consumers_at_once_open_one_incident_per_group(
    store: Store, example_workspace: Path
) -> None:
    import threading

    ws = load(example_workspace)
    for i in range(40):
        push(store, outage(key=f"c{i}"), T0)
    results: list[int] = []
    errors: list[BaseException] = []

    def consume() -> None:
        try:
            while True:
                with store.unit_of_work() as uow:
                    done = process_pending(uow, ws, T0, limit=5).processed
                results.append(done)
                if done == 0:
                    return
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=consume) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    assert sum(results) == 40
    with store.unit_of_work() as uow:
        assert len(uow.incidents.list()) == 1
