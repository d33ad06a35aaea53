"""Helpers for incident tests: load the example workspace, push alerts, run ticks."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from firebreak.clock import SimClock
from firebreak.incidents.intake import record_alert
from firebreak.incidents.loop import Loop
from firebreak.incidents.model import AlertIn
from firebreak.incidents.pipeline import ProcessResult, process_pending
from firebreak.notify.channels import RecordingChannel
from firebreak.store.db import Store
from firebreak.workspace import Workspace, load_workspace


def load(root: Path) -> Workspace:
    result = load_workspace(root)
    assert not result.errors, result.errors
    return result.workspace


def outage(key: str = "chat-api-errors", **labels: str) -> AlertIn:
    return AlertIn(
        source="generic",
        dedup_key=key,
        labels={"service": "chat-api", "scenario": "inference_outage", **labels},
        summary="chat-api error ratio above 5%",
        severity="critical",
    )


def push(store: Store, alert: AlertIn, now: datetime) -> int:
    with store.unit_of_work() as uow:
        return record_alert(uow, alert, now)


def process(store: Store, ws: Workspace, now: datetime) -> ProcessResult:
    with store.unit_of_work() as uow:
        return process_pending(uow, ws, now)


def tick(store: Store, ws: Workspace, now: datetime, channel: RecordingChannel) -> int:
    """One tick of the loop serve, worker and drills run: consume the inbox, then escalate."""
    return Loop(store, ws, SimClock(now), "test-worker", {"*": channel}).tick().pages
