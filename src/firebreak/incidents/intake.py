"""Intake's calls: append alerts to the inbox. The pipeline consumes them on its next tick.

``record_alert`` appends one; ``record_alerts`` appends a batch in one statement (the HTTP
service commits the alerts of concurrent requests together, so a burst pays one fsync).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from firebreak import limits
from firebreak.incidents.model import INBOX_STATUS, AlertIn
from firebreak.store.db import UnitOfWork


def _values(alert: AlertIn, now: datetime) -> dict[str, Any]:
    return dict(
        source=alert.source,
        integration_id=alert.integration_id,
        dedup_key=alert.dedup_key,
        status=INBOX_STATUS[alert.action],
        event_action=alert.action,
        labels=dict(alert.labels),
        summary=alert.summary[: limits.SUMMARY_STORED],
        severity=alert.severity,
        payload=alert.payload,
        received_at=now,
        starts_at=alert.starts_at,
        processed_at=None,
        outcome=None,
        incident_id=None,
        drill=alert.drill,
    )


def record_alert(uow: UnitOfWork, alert: AlertIn, now: datetime) -> int:
    """Validate ``alert`` (InputError naming the field) and append it; return the inbox id.

    Nothing else happens here: no dedup, no incident. A sender that got its answer can forget
    the alert once the caller's unit of work has committed.
    """
    alert.check()
    return uow.alerts.append(_values(alert, now))


def record_alerts(
    uow: UnitOfWork, alerts: Sequence[AlertIn], now: datetime, *, checked: bool = False
) -> int:
    """Validate every alert first (nothing is written if one is bad), then append them all in
    one statement; return how many were appended. ``checked``: the caller already ran
    ``AlertIn.check`` on each (HTTP intake does, before an alert joins the shared commit)."""
    if not checked:
        for alert in alerts:
            alert.check()
    uow.alerts.append_many([_values(alert, now) for alert in alerts])
    return len(alerts)
