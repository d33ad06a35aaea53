"""One runbook, one incident; low-urgency (ticket) incidents page nobody until a page joins."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from incident_helpers import load, push, tick
from sqlalchemy import select

from firebreak.incidents.model import AlertIn
from firebreak.notify.channels import RecordingChannel
from firebreak.store.db import Store
from firebreak.store.tables import Notification

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
RUNBOOK = "chat-api-inference-outage"


def detector(trigger: int, ticket: bool = False) -> AlertIn:
    labels = {"runbook": RUNBOOK, "trigger": str(trigger), "signal": "error_ratio"}
    if ticket:
        labels["urgency"] = "low"
    return AlertIn(
        source="detector",
        dedup_key=f"{RUNBOOK}-{trigger}-{'ticket' if ticket else 'page'}",
        labels=labels,
        summary=f"{RUNBOOK}: trigger {trigger}",
        severity="sev4" if ticket else None,
        starts_at=T0,
    )


def sent(store: Store) -> list[int]:
    with store.unit_of_work(readonly=True) as uow:
        query = select(Notification.incident_id).where(Notification.status != "cancelled")
        return list(uow.session.scalars(query).all())


def test_a_burn_rate_alert_long_after_the_threshold_alert_joins_the_same_incident(
    store: Store, example_workspace: Path, tmp_path: Path
) -> None:
    ws = load(example_workspace)
    channel = RecordingChannel(tmp_path / "pages.jsonl")
    push(store, detector(0), T0)
    tick(store, ws, T0, channel)
    later = T0 + timedelta(hours=3)  # well past group_window (1h) since the last alert
    push(store, detector(1), later)
    tick(store, ws, later, channel)
    with store.unit_of_work(readonly=True) as uow:
        incidents = uow.incidents.list()
        assert len(incidents) == 1
        assert len(uow.incidents.alerts(incidents[0].id)) == 2


def test_a_ticket_opens_a_sev4_incident_that_pages_nobody(
    store: Store, example_workspace: Path, tmp_path: Path
) -> None:
    ws = load(example_workspace)
    channel = RecordingChannel(tmp_path / "pages.jsonl")
    push(store, detector(1, ticket=True), T0)
    for minutes in (0, 10, 60):
        tick(store, ws, T0 + timedelta(minutes=minutes), channel)
    with store.unit_of_work(readonly=True) as uow:
        (incident,) = uow.incidents.list()
        kinds = [e.kind for e in uow.incidents.timeline(incident.id)]
    assert incident.severity == "sev4" and incident.runbook_id == RUNBOOK
    assert "low_urgency" in kinds and sent(store) == []


def test_a_page_that_joins_a_ticket_incident_raises_it_and_pages(
    store: Store, example_workspace: Path, tmp_path: Path
) -> None:
    ws = load(example_workspace)
    channel = RecordingChannel(tmp_path / "pages.jsonl")
    push(store, detector(1, ticket=True), T0)
    tick(store, ws, T0, channel)
    push(store, detector(0), T0 + timedelta(minutes=20))
    tick(store, ws, T0 + timedelta(minutes=20), channel)
    with store.unit_of_work(readonly=True) as uow:
        (incident,) = uow.incidents.list()
        kinds = [e.kind for e in uow.incidents.timeline(incident.id)]
    assert incident.severity == "sev1"  # the runbook's severity
    assert "urgency_raised" in kinds
    assert sent(store) and set(sent(store)) == {incident.id}
