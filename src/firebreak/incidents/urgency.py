"""Low urgency: incidents that page nobody (PagerDuty's low-urgency incidents).

An alert labelled ``urgency: low`` (a burn-rate trigger's ticket pairs set it, with severity
sev4; any sender may) opens an incident whose escalation does not start: it waits in the list for
working hours. When an alert of normal urgency joins such an incident later, the incident takes
that alert's severity (else its runbook's) and its escalation starts then, so a slow burn that
turns into an outage pages as an outage does.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import update

from firebreak.incidents import escalation
from firebreak.incidents.model import SEVERITIES, Normal
from firebreak.store.db import UnitOfWork
from firebreak.store.tables import Incident, Notification

LOW = "low"


def is_low(labels: Mapping[str, str] | None) -> bool:
    return (labels or {}).get("urgency", "").strip().lower() == LOW


def start(uow: UnitOfWork, incident: Incident, alert: Normal, now: datetime) -> None:
    """Start the escalation of a new incident unless its alert is of low urgency."""
    if not is_low(alert.labels):
        escalation.start(uow, incident, now)
        return
    uow.session.flush()
    uow.session.execute(  # role notices too: a ticket waits for working hours
        update(Notification)
        .where(Notification.incident_id == incident.id, Notification.status == "pending")
        .values(status="cancelled")
    )
    uow.incidents.add_timeline(
        incident.id,
        now,
        "firebreak",
        "low_urgency",
        f"low urgency ({incident.severity}): nobody is paged or notified; escalation starts if "
        "an alert of normal urgency joins",
    )


def raise_if_needed(uow: UnitOfWork, incident: Incident, alert: Normal, now: datetime) -> None:
    """A normal-urgency alert joined a low-urgency incident: page as for that alert."""
    if not is_low(incident.labels) or is_low(alert.labels) or incident.status != "triggered":
        return
    runbook_severity = (incident.runbook or {}).get("severity")
    severity = alert.severity or (runbook_severity if runbook_severity in SEVERITIES else None)
    before = incident.severity
    if severity is not None and SEVERITIES.index(severity) < SEVERITIES.index(before):
        incident.severity = severity
    incident.labels = {k: v for k, v in (incident.labels or {}).items() if k != "urgency"}
    uow.incidents.add_timeline(
        incident.id,
        now,
        "firebreak",
        "urgency_raised",
        f"urgency raised by {alert.summary}: {before} → {incident.severity}; escalation starts",
        {"fingerprint": alert.fingerprint, "from": before, "to": incident.severity},
    )
    escalation.start(uow, incident, now)
    uow.session.execute(  # the role notices held back at opening go out now
        update(Notification)
        .where(
            Notification.incident_id == incident.id,
            Notification.kind == "role",
            Notification.status == "cancelled",
        )
        .values(status="pending", next_attempt_at=now)
    )
