"""Timed steps on the drill clock: what the simulated responders do, and exactly when."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from firebreak.drills.catalog import load_catalog
from firebreak.drills.readback import read_record
from firebreak.drills.runner import DrillRun, drill_start
from firebreak.store.tables import Incident, Notification, TimelineEntry
from firebreak.workspace import require

pytestmark = pytest.mark.slow  # plays drills or long simulations: seconds each

NOW = datetime.now(UTC).replace(hour=6, minute=0, second=0, microsecond=0)


@pytest.fixture
def played(
    example_workspace: Path, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[DrillRun]:
    edits: dict[str, str] = getattr(request, "param", {})
    path = example_workspace / "drills" / "chat-api-total-outage.yaml"
    text = path.read_text()
    for old, new in edits.items():
        text = text.replace(old, new)
    path.write_text(text)
    workspace = require(example_workspace)
    entry = load_catalog(workspace)["chat-api-total-outage"]
    run = DrillRun(entry, workspace, drill_start(entry, NOW), tmp_path)
    run.play()
    yield run
    run.close()


def timeline(run: DrillRun, incident_id: int) -> list[TimelineEntry]:
    with run.store.unit_of_work(readonly=True) as uow:
        return list(uow.incidents.timeline(incident_id))


def test_pages_acknowledgement_steps_and_resolution_happen_on_time(played: DrillRun) -> None:
    fault = played.start + timedelta(hours=2)
    with played.store.unit_of_work(readonly=True) as uow:
        incident = uow.session.scalars(select(Incident).order_by(Incident.id)).first()
        assert incident is not None
        pages = uow.session.scalars(
            select(Notification).where(Notification.incident_id == incident.id)
        ).all()
        opened = incident.opened_at
        assert incident.drill and incident.resolution == "drill"
        assert fault < opened <= fault + timedelta(minutes=5)
        first = [p for p in pages if p.level == 0 and p.status == "sent" and p.kind == "page"]
        assert first and all(p.sent_at == opened for p in first)
        assert not [p for p in pages if p.level == 1 and p.status == "sent"]  # acked in time
    sent = played.channel.records()
    assert sent and all(p["drill"] and p["text"].startswith("DRILL ") for p in sent)
    entries = timeline(played, incident.id)
    ack = next(e for e in entries if e.kind == "acknowledge")
    assert ack.at == opened + timedelta(minutes=3)
    assert ack.actor == first[0].person_id
    steps = [e for e in entries if e.kind == "step_done"]
    assert [e.at for e in steps] == [ack.at + timedelta(minutes=2 * k) for k in range(1, 7)]
    assert [e.data["step"] for e in steps][-1] == "mitigation.3"
    resolve = next(e for e in entries if e.kind == "resolve")
    # done_when: error_ratio below 0.01 for 15m, after the failover ended the fault.
    assert resolve.at >= steps[-1].at + timedelta(minutes=15)
    assert "confirmed: error_ratio" in resolve.text


@pytest.mark.parametrize(
    "played", [{"follows_runbook: true": "follows_runbook: false"}], indirect=True
)
def test_responders_who_do_not_follow_the_runbook_skip_every_step(played: DrillRun) -> None:
    record = read_record(played)
    incident = record.incidents[0]
    assert set(incident.steps.values()) == {"skipped"}
    assert incident.resolved_at is not None
    # the fault ran its full 45 minutes: resolution comes after it ended plus done_when's 15m
    assert incident.resolved_at >= played.start + timedelta(hours=2, minutes=60)


def test_an_unreachable_first_responder_leaves_it_to_level_two(
    example_workspace: Path, tmp_path: Path
) -> None:
    workspace = require(example_workspace)
    entry = load_catalog(workspace)["chat-api-total-outage"]
    start = drill_start(entry, NOW)
    first = DrillRun(entry, workspace, start, tmp_path / "a")
    first.play()
    primary = read_record(first).pages[0].person
    first.close()
    path = example_workspace / "drills" / "chat-api-total-outage.yaml"
    path.write_text(
        path.read_text().replace(
            "follows_runbook: true", f"follows_runbook: true\n  unreachable: [{primary}]"
        )
    )
    workspace = require(example_workspace)
    entry = load_catalog(workspace)["chat-api-total-outage"]
    run = DrillRun(entry, workspace, start, tmp_path / "b")
    run.play()
    record = read_record(run)
    run.close()
    incident = record.incidents[0]
    assert incident.acknowledged_by != primary
    assert incident.acknowledged_at == incident.opened_at + timedelta(minutes=5 + 3)
    level2 = {p.person for p in record.pages if p.level == 1}
    assert incident.acknowledged_by in level2
