"""The send log: retries with backoff, final failure on the timeline, secrets never stored."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).parents[1] / "incidents"))
from incident_helpers import load, outage, process, push

from firebreak.incidents.escalation import run_due
from firebreak.notify.channels import Message, RecordingChannel, SendResult
from firebreak.notify.sendlog import backoff
from firebreak.store.db import Store
from firebreak.store.tables import Notification, TimelineEntry

T0 = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)
SECRET = "https://hooks.example.com/services/T000/B000/very-secret-token"


class Broken:
    """A channel whose receiver is down: every send fails, mentioning the secret URL."""

    def __init__(self) -> None:
        self.calls: list[datetime] = []

    def send(self, message: Message) -> SendResult:
        self.calls.append(datetime.now(UTC))
        return SendResult(False, True, f"POST {message.address} refused")


def pages(channel: RecordingChannel) -> list[dict[str, object]]:
    """Escalation pages only: role notices to role holders go out beside them."""
    return [r for r in channel.records() if r["kind"] == "page"]


def test_backoff_grows_and_is_capped() -> None:
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert backoff(20) == timedelta(minutes=10)


def test_failed_sends_retry_with_backoff_then_succeed(
    store: Store, example_workspace: Path, tmp_path: Path
) -> None:
    ws = load(example_workspace)
    push(store, outage(), T0)
    process(store, ws, T0)
    with store.unit_of_work() as uow:
        incident_id = uow.incidents.list()[0].id
    keys = [f"i{incident_id}-t1-l0-{p}-c{c}" for p in ws.org.people for c in range(3)]
    channel = RecordingChannel(tmp_path / "r.jsonl", fail_keys=dict.fromkeys(keys, 2))
    run_due(store, ws, T0, "w", {"*": channel})
    assert pages(channel) == []
    run_due(store, ws, T0 + timedelta(seconds=29), "w", {"*": channel})  # before the backoff
    assert pages(channel) == []
    run_due(store, ws, T0 + timedelta(seconds=30), "w", {"*": channel})  # 2nd attempt fails
    run_due(store, ws, T0 + timedelta(seconds=90), "w", {"*": channel})  # 3rd succeeds
    assert pages(channel)
    with store.unit_of_work() as uow:
        rows = uow.session.scalars(
            select(Notification).where(Notification.status == "sent", Notification.kind == "page")
        ).all()
    assert rows and all(r.attempts == 3 for r in rows)


def test_final_failure_is_on_the_timeline_without_the_secret(
    store: Store, example_workspace: Path
) -> None:
    ws = load(example_workspace)
    for person in ws.org.people.values():
        person.contacts = [
            person.contacts[0].model_copy(update={"type": "webhook", "address": SECRET})
        ]
    push(store, outage(), T0)
    process(store, ws, T0)
    broken = Broken()
    for minutes in range(0, 12):
        run_due(store, ws, T0 + timedelta(minutes=minutes, seconds=1), "w", {"*": broken})
    with store.unit_of_work() as uow:
        rows = uow.session.scalars(select(Notification)).all()
        timeline = uow.session.scalars(select(TimelineEntry)).all()
    first = [r for r in rows if r.level == 0 and r.created_at == T0]  # the first pass
    assert first and all(r.status == "failed" and r.attempts == 4 for r in first)
    stored = " ".join(
        [
            *(r.last_error or "" for r in rows),
            *(r.address_redacted for r in rows),
            *(e.text for e in timeline),
            *(str(e.data) for e in timeline),
            *(str(r.message) for r in rows),
        ]
    )
    assert "very-secret-token" not in stored
    assert "page_failed" in {e.kind for e in timeline}


def test_pages_queued_before_an_acknowledgement_are_not_sent_after_it(
    store: Store, example_workspace: Path, tmp_path: Path
) -> None:
    from firebreak.incidents.escalation import plan_due
    from firebreak.store.tables import Incident

    ws = load(example_workspace)
    push(store, outage(), T0)
    process(store, ws, T0)
    plan_due(store, ws, T0, "w")  # pages queued, not yet sent
    with store.unit_of_work() as uow:  # acknowledged in the same moment, bypassing the action
        incident = uow.session.scalars(select(Incident)).one()
        incident.status = "acknowledged"
    channel = RecordingChannel(tmp_path / "r.jsonl")
    run_due(store, ws, T0, "w", {"*": channel})
    assert pages(channel) == []  # role notices still go: the role holders must know
    with store.unit_of_work() as uow:
        rows = uow.session.scalars(select(Notification).where(Notification.kind == "page")).all()
    assert {r.status for r in rows if r.next_attempt_at <= T0} == {"cancelled"}
