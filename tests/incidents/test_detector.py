"""A detector's firing and resolved transitions open and then mark one incident."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from incident_helpers import load, process, push

from firebreak.detect.events import DetectorAlert
from firebreak.incidents.detector import to_alert
from firebreak.store.db import Store

T0 = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)


def _alert(status: str, at: datetime) -> DetectorAlert:
    return DetectorAlert(
        runbook_id="chat-api-inference-outage",
        trigger_index=0,
        signal="error_ratio",
        kind="threshold",
        labels={"service": "chat-api", "scenario": "inference_outage"},
        status=status,
        at=at,
        value=0.2,
        summary="error_ratio 0.2 above 0.05",
        group_labels=("service",),
    )


def test_detector_alert_opens_the_named_runbook_and_resolves(
    store: Store, example_workspace: Path
) -> None:
    ws = load(example_workspace)
    firing = to_alert(_alert("firing", T0))
    assert firing.source == "detector" and firing.labels["runbook"] == "chat-api-inference-outage"
    push(store, firing, T0 + timedelta(seconds=30))
    push(
        store, to_alert(_alert("resolved", T0 + timedelta(minutes=20))), T0 + timedelta(minutes=20)
    )
    process(store, ws, T0 + timedelta(minutes=20))
    with store.unit_of_work() as uow:
        incident = uow.incidents.list()[0]
        kinds = [e.kind for e in uow.incidents.timeline(incident.id)]
    assert incident.runbook_id == "chat-api-inference-outage"
    assert incident.trigger == "chat-api-inference-outage#0"
    assert incident.fault_started_at is None  # known only to drills, or set by a responder
    assert "alert_resolved" in kinds


def test_drill_detector_alerts_are_marked_drill() -> None:
    alert = to_alert(_alert("firing", T0), drill=True)
    assert alert.drill and alert.source == "drill"
