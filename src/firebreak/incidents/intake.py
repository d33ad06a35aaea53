"""Intake's one call: append an alert to the inbox. The pipeline consumes it on its next tick."""

from __future__ import annotations

from datetime import datetime

from firebreak.incidents.model import EVENT_ACTIONS, AlertIn
from firebreak.store.db import UnitOfWork


def record_alert(uow: UnitOfWork, alert: AlertIn, now: datetime) -> int:
    """Validate ``alert`` (InputError naming the field) and append it; return the inbox id.

    Nothing else happens here: no dedup, no incident. A sender that got its answer can forget
    the alert once the caller's unit of work has committed.
    """
    alert.check()
    values = dict(
        source=alert.source,
        integration_id=alert.integration_id,
        dedup_key=alert.dedup_key,
        status=alert.status,
        event_action=EVENT_ACTIONS[alert.status],
        labels=dict(alert.labels),
        summary=alert.summary[:2000],
        severity=alert.severity,
        payload=alert.payload,
        received_at=now,
        starts_at=alert.starts_at,
        drill=alert.drill,
    )
    return uow.alerts.append(values)
