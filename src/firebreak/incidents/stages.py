"""The pipeline's first stages: normalise an inbox row, dedup by fingerprint, compute the group.

Each stage is a small function the pipeline (``pipeline.py``) calls in order.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, cast

from firebreak import limits
from firebreak.incidents import routing
from firebreak.incidents.model import THIRD_PARTY, Action, Normal
from firebreak.settings import Settings
from firebreak.store.db import UnitOfWork
from firebreak.store.tables import Incident, IncidentAlert
from firebreak.workspace import Workspace


def normalise(
    row: Any, workspace: Workspace, bindings: Mapping[int, routing.Binding] | None = None
) -> Normal:
    """Read the fields later stages need from an inbox row (an ``alerts`` row), routed by
    ``incidents.routing``: service, scenario, severity, runbook and escalation policy."""
    labels = {str(k): str(v) for k, v in (row.labels or {}).items()}
    binding = (bindings or {}).get(row.integration_id) if row.integration_id else None
    decision = routing.route(labels, workspace, binding, row.severity)
    labels = decision.labels
    runbook_id = labels.get("runbook") or None
    trigger = None
    if runbook_id and "trigger" in labels:
        trigger = f"{runbook_id}#{labels['trigger']}"
    return Normal(
        alert_id=row.id,
        fingerprint=row.dedup_key,
        action=cast(Action, row.event_action),  # intake wrote an AlertIn.action
        labels=labels,
        service=decision.service,
        scenario=decision.scenario,
        runbook_id=runbook_id,
        severity=decision.severity,
        summary=row.summary or labels.get("alertname", "") or row.dedup_key,
        drill=row.drill,
        source=row.source,
        starts_at=row.starts_at,
        trigger=trigger,
        route=decision,
    )


class Dedup:
    """The dedup stage: which unresolved incident holds a fingerprint.

    Loaded with one query per batch of alerts and kept up to date as the batch opens incidents
    and links fingerprints, so a repeat costs no query. A resolved incident never matches.
    """

    def __init__(self, uow: UnitOfWork, fingerprints: set[str]) -> None:
        self.known = uow.incidents.open_by_fingerprints(fingerprints)

    def find(self, alert: Normal) -> tuple[Incident, IncidentAlert] | None:
        found = self.known.get(alert.fingerprint)
        if found is not None and found[0].status == "resolved":
            return None
        return found

    def remember(self, incident: Incident, link: IncidentAlert) -> None:
        self.known[link.fingerprint] = (incident, link)


class Groups:
    """The group stage's lookup: the open incident of a group key, asked of the store once per
    key and batch, then kept up to date as the batch opens incidents."""

    def __init__(self, uow: UnitOfWork, window: timedelta) -> None:
        self.uow = uow
        self.window = window
        self.known: dict[str, Incident | None] = {}

    def find(self, key: str, now: datetime) -> Incident | None:
        if key not in self.known:
            self.uow.session.flush()  # the query must see this batch's changes
            self.known[key] = self.uow.incidents.open_in_group(key, now - self.window)
        found = self.known[key]
        if found is None or found.status == "resolved" or found.last_alert_at < now - self.window:
            return None
        return found

    def remember(self, key: str, incident: Incident) -> None:
        self.known[key] = incident


def group_key(alert: Normal, settings: Settings) -> str:
    """The grouping key: the ``group_by`` labels; third-party failures group by provider alone.

    Drills never group with production. With none of the grouping labels set, the alert is its
    own group (its fingerprint), so unlabelled alerts from unrelated senders never merge.
    """
    prefix = "drill|" if alert.drill else ""
    provider = alert.labels.get("provider")
    if alert.scenario == THIRD_PARTY and provider:
        return f"{prefix}{THIRD_PARTY}|provider={provider}"
    values = [(name, alert.labels.get(name, "")) for name in settings.incidents.group_by]
    if not any(value for _, value in values):
        return f"{prefix}fingerprint={alert.fingerprint}"
    key = prefix + "|".join(f"{name}={value}" for name, value in values)
    if len(key) > limits.GROUP_KEY:  # long values of custom group_by labels: a digest fits
        key = f"{prefix}sha256:{hashlib.sha256(key.encode()).hexdigest()}"
    return key


def link_alert(uow: UnitOfWork, incident: Incident, alert: Normal, now: datetime) -> IncidentAlert:
    """Attach a new fingerprint to ``incident``; note a newly hurt service on the timeline."""
    link = IncidentAlert(
        incident_id=incident.id,
        fingerprint=alert.fingerprint,
        service=alert.service,
        status="firing",
        count=1,
        first_alert_id=alert.alert_id,
        first_seen_at=now,
        last_seen_at=now,
    )
    uow.session.add(link)
    incident.last_alert_at = now
    if alert.service and alert.service not in incident.services:
        incident.services = [*incident.services, alert.service]
        if len(incident.services) > 1:
            uow.incidents.add_timeline(
                incident.id,
                now,
                alert.source,
                "service_added",
                f"also hurts {alert.service}",
                {"service": alert.service},
            )
    return link


def repeat(
    uow: UnitOfWork, found: tuple[Incident, IncidentAlert], alert: Normal, now: datetime
) -> None:
    """The same fingerprint again: count it; a fingerprint that had resolved fires again."""
    incident, link = found
    link.count += 1
    link.last_seen_at = now
    incident.last_alert_at = now
    if link.status == "resolved":
        link.status = "firing"
        uow.incidents.add_timeline(
            incident.id,
            now,
            alert.source,
            "alert_firing",
            f"alert {alert.summary!r} is firing again",
            {"fingerprint": alert.fingerprint},
        )
