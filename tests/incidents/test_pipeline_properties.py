"""Properties of dedup over random streams of triggers, acknowledgements, source resolves and
human resolves (SQLite in memory, a fresh store per example)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from incident_helpers import load
from sqlalchemy import select

from firebreak.incidents import actions
from firebreak.incidents.intake import record_alert
from firebreak.incidents.model import AlertIn
from firebreak.incidents.pipeline import process_pending
from firebreak.store.db import Store, open_store
from firebreak.store.tables import Alert, Incident, IncidentAlert
from firebreak.workspace import Workspace

pytestmark = pytest.mark.slow  # plays drills or long simulations: seconds each

T0 = datetime(2026, 12, 1, tzinfo=UTC)
SERVICES = ["chat-api", "agent-runner"]

event = st.tuples(
    st.sampled_from(["trigger", "trigger", "trigger", "resolve", "acknowledge", "close"]),
    st.integers(0, 5),  # fingerprint
    st.sampled_from(SERVICES),
    st.integers(0, 200),  # seconds since the previous event
)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    from firebreak.examples import write_example

    root = tmp_path_factory.mktemp("ws") / "ws"
    write_example(root, T0.date())
    return load(root)


def _play(store: Store, ws: Workspace, events: list[tuple[str, int, str, int]]) -> datetime:
    now = T0
    for action, fp, service, gap in events:
        now += timedelta(seconds=gap)
        with store.unit_of_work() as uow:
            if action == "close":  # a person resolves the newest open incident
                open_ = uow.incidents.list(status="open", limit=1)
                if open_:
                    actions.resolve(uow, open_[0].id, "p", now, "false_alarm")
                continue
            labels = {"service": service, "scenario": "inference_outage"}
            record_alert(
                uow,
                AlertIn(
                    source="generic", dedup_key=f"{service}-{fp}", action=action, labels=labels
                ),
                now,
            )  # type: ignore[arg-type]
            process_pending(uow, ws, now)
    return now


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(event, max_size=25))
def test_dedup_and_grouping_invariants(
    workspace: Workspace, events: list[tuple[str, int, str, int]]
) -> None:
    store = open_store("sqlite://")
    store.upgrade()
    _play(store, workspace, events)
    with store.unit_of_work(readonly=True) as uow:
        alerts = uow.session.scalars(select(Alert)).all()
        incidents = uow.session.scalars(select(Incident)).all()
        links = uow.session.scalars(select(IncidentAlert)).all()
    store.dispose()
    # Every alert was consumed, and only triggers ever open or join an incident.
    assert all(a.processed_at is not None for a in alerts)
    assert all(
        a.outcome in ("opened", "attached", "repeat") for a in alerts if a.event_action == "trigger"
    )
    # Every trigger is counted once, on exactly one link.
    assert sum(link.count for link in links) == sum(a.event_action == "trigger" for a in alerts)
    # No fingerprint is held by two unresolved incidents.
    status = {i.id: i.status for i in incidents}
    held = [link.fingerprint for link in links if status[link.incident_id] != "resolved"]
    assert len(held) == len(set(held))
