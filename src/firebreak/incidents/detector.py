"""Detector alerts into the pipeline: ``DetectorAlert`` → ``AlertIn`` (source ``detector``)."""

from __future__ import annotations

from firebreak.detect.events import DetectorAlert
from firebreak.incidents.model import Action, AlertIn


def to_alert(alert: DetectorAlert, *, drill: bool = False) -> AlertIn:
    """The inbox form of a detector transition; the labels name the runbook and trigger."""
    action: Action = "resolve" if alert.status == "resolved" else "trigger"
    labels = {
        **alert.labels,
        "runbook": alert.runbook_id,
        "trigger": str(alert.trigger_index),
        "signal": alert.signal,
    }
    severity = None
    if alert.tier == "ticket":  # a slow burn: a ticket for working hours, not a page
        labels["urgency"] = "low"
        severity = "sev4"
    payload = {"kind": alert.kind, "value": alert.value, "at": alert.at.isoformat()}
    return AlertIn(
        source="drill" if drill else "detector",
        dedup_key=alert.fingerprint,
        action=action,
        labels=labels,
        summary=alert.summary,
        payload=payload,
        drill=drill,
        severity=severity,
        starts_at=alert.at if action == "trigger" else None,
    )
