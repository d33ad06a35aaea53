"""Intake's one call: append an alert to the inbox. The pipeline consumes it on its next tick."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert

from firebreak.incidents.model import EVENT_ACTIONS, AlertIn
from firebreak.store.db import UnitOfWork
from firebreak.store.tables import Alert


def record_alert(uow: UnitOfWork, alert: AlertIn, now: datetime) -> int:
    """Validate ``alert`` (InputError naming the field) and append it; return the inbox id.

    Nothing else happens here: no dedup, no incident. A sender that got its answer can forget
    the alert once the caller's unit of work has committed.
    """
    return uow.alerts.append(inbox_values(alert, now))


def record_alerts(uow: UnitOfWork, alerts: Sequence[AlertIn], now: datetime) -> int:
    """Validate and append many alerts with one executemany (intake's group commit)."""
    values = [inbox_values(alert, now) for alert in alerts]
    if values:
        uow.session.connection().execute(insert(Alert), values)
    return len(values)


def inbox_values(alert: AlertIn, now: datetime) -> dict[str, Any]:
    """The inbox row for ``alert``, validated (InputError naming the field)."""
    alert.check()
    return dict(
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
