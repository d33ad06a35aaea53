"""Detection inside the service: OTLP-fed events go through the workspace's triggers on the
ticker, and an injected outage opens one incident with the right runbook, none before it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from firebreak.clock import SimClock
from firebreak.incidents.loop import Loop
from firebreak.signals.generate import Fault, generate
from firebreak.store.db import open_store
from firebreak.web import views
from firebreak.web.service import Service
from firebreak.workspace import require

pytestmark = pytest.mark.slow  # plays drills or long simulations: seconds each

FAULT_AT = datetime(2026, 11, 25, 14, 0, tzinfo=UTC)


def test_an_outage_in_otlp_telemetry_opens_an_incident(example_workspace: Path) -> None:
    workspace = require(example_workspace)
    store = open_store(f"sqlite:///{example_workspace / 'firebreak.db'}")
    store.upgrade()
    start = FAULT_AT - timedelta(minutes=20)
    clock = SimClock(start)
    service = Service(workspace=workspace, store=store, clock=clock, channels={})
    loop = Loop.live(store, workspace, clock, "test", {}, telemetry=service.take_telemetry)
    assert loop.detector is not None
    fault = Fault("outage", FAULT_AT, duration=timedelta(minutes=30), service="chat-api")
    events = generate(start, FAULT_AT + timedelta(minutes=15), faults=[fault]).events
    minute = start
    opened_at = None
    while minute < FAULT_AT + timedelta(minutes=15):
        nxt = minute + timedelta(minutes=1)
        chunk = events.take((events.time >= minute.timestamp()) & (events.time < nxt.timestamp()))
        service.otlp_events.append(chunk)  # what POST /v1/traces appends
        clock.set(nxt)
        loop.tick()
        with store.unit_of_work(readonly=True) as uow:
            found = views.list_incidents(uow, workspace, nxt)
        if found and opened_at is None:
            opened_at = nxt
            incident = found[0]
        minute = nxt
    assert opened_at is not None, "the outage was not detected"
    assert opened_at > FAULT_AT  # nothing fired on the normal traffic before the fault
    assert opened_at - FAULT_AT <= timedelta(minutes=10)
    assert incident["service"] == "chat-api"
    assert incident["runbook_id"] == "chat-api-inference-outage"
    with store.unit_of_work(readonly=True) as uow:
        assert len(views.list_incidents(uow, workspace, clock.now())) == 1
    store.dispose()
