"""The fault start of an incident (for MTTD), from its alerts and from people.

Alertmanager's ``startsAt`` (and PagerDuty's ``payload.timestamp``) say when the sender first saw
the condition: the fault start is the earliest of those over the incident's alerts. Detector
alerts carry the instant the trigger fired, which is detection, not the fault, so they set
nothing. A time in the future of the alert's arrival (a sender's clock ahead of ours) is
ignored. Once a person has set the fault start (``actions.set_fault_start``), alerts no longer
move it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from firebreak.incidents.model import Normal
from firebreak.store.db import UnitOfWork
from firebreak.store.tables import Incident, TimelineEntry

NOT_A_FAULT_START = ("detector", "drill")  # their starts_at is when the trigger fired


def _set_by_person(uow: UnitOfWork, incident: Incident) -> bool:
    entry = uow.session.scalars(
        select(TimelineEntry.id)
        .where(TimelineEntry.incident_id == incident.id, TimelineEntry.kind == "fault_start")
        .limit(1)
    ).first()
    return entry is not None


def from_alert(uow: UnitOfWork, incident: Incident, alert: Normal, now: datetime) -> None:
    """Move the incident's fault start to the alert's ``starts_at`` when that is earlier."""
    at = alert.starts_at
    if at is None or alert.source in NOT_A_FAULT_START or at > now:
        return
    known = incident.fault_started_at
    if known is not None and (known <= at or _set_by_person(uow, incident)):
        return
    incident.fault_started_at = at
