"""Repositories: the queries the core needs, bound to one session. They never commit.

``with_for_update(skip_locked=True)`` becomes ``FOR UPDATE SKIP LOCKED`` on PostgreSQL and is
dropped on SQLite, where the unit of work's ``BEGIN IMMEDIATE`` already makes the claim exclusive.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, and_, bindparam, insert, or_, select, update
from sqlalchemy.orm import Session

from firebreak.errors import NotFound
from firebreak.store.tables import (
    Alert,
    Incident,
    IncidentAlert,
    Notification,
    RoleAssignment,
    StepProgress,
    TimelineEntry,
    Timer,
)

_ALERTS = Alert.metadata.tables["alerts"]
_INSERT_ALERT = insert(_ALERTS).returning(_ALERTS.c.id)
_MARK_PROCESSED = (
    update(_ALERTS)
    .where(_ALERTS.c.id == bindparam("b_id"))
    .values(outcome=bindparam("b_outcome"), incident_id=bindparam("b_incident"))
)


class AlertRepo:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, alert: Alert) -> int:
        self.session.add(alert)
        self.session.flush()
        return alert.id

    def append(self, values: dict[str, Any]) -> int:
        """Insert one inbox row with a Core INSERT … RETURNING (no ORM bookkeeping)."""
        return int(self.session.connection().execute(_INSERT_ALERT, values).scalar_one())

    def append_many(self, rows: list[dict[str, Any]]) -> None:
        """Insert many inbox rows in one executemany."""
        if rows:
            self.session.connection().execute(insert(_ALERTS), rows)

    def pending(self, limit: int) -> Sequence[Row[Any]]:
        """Unprocessed alerts (plain rows without the payload), oldest first, locked for us."""
        columns = [c for c in _ALERTS.c if c.name != "payload"]  # the pipeline never reads it
        query = (
            select(*columns)
            .where(_ALERTS.c.processed_at.is_(None))
            .order_by(_ALERTS.c.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return self.session.execute(query).all()

    def mark_processed(self, now: datetime, outcomes: list[tuple[int, str, int | None]]) -> None:
        """Record each alert's outcome and incident in one batched UPDATE."""
        if not outcomes:
            return
        self.session.flush()  # the incidents these rows point at must exist first
        params = [{"b_id": a, "b_outcome": o, "b_incident": i} for a, o, i in outcomes]
        self.session.connection().execute(_MARK_PROCESSED.values(processed_at=now), params)


class IncidentRepo:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, incident_id: int, *, lock: bool = False) -> Incident:
        query = select(Incident).where(Incident.id == incident_id)
        if lock:
            query = query.with_for_update()
        found = self.session.scalars(query).first()
        if found is None:
            raise NotFound(f"incident {incident_id} does not exist")
        return found

    def list(
        self,
        *,
        status: str | None = None,
        service: str | None = None,
        drill: bool | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> Sequence[Incident]:
        """Incidents, newest first, filtered; ``status='open'`` means not resolved."""
        query = select(Incident)
        if status == "open":
            query = query.where(Incident.status != "resolved")
        elif status is not None:
            query = query.where(Incident.status == status)
        if service is not None:
            query = query.where(Incident.service == service)
        if drill is not None:
            query = query.where(Incident.drill.is_(drill))
        if since is not None:
            query = query.where(Incident.opened_at >= since)
        if until is not None:
            query = query.where(Incident.opened_at < until)
        query = query.order_by(Incident.opened_at.desc(), Incident.id.desc())
        return self.session.scalars(query.limit(limit).offset(offset)).all()

    def open_by_fingerprint(self, fingerprint: str) -> tuple[Incident, IncidentAlert] | None:
        """The unresolved incident that holds this fingerprint, with its link row."""
        query = (
            select(Incident, IncidentAlert)
            .join(IncidentAlert, IncidentAlert.incident_id == Incident.id)
            .where(IncidentAlert.fingerprint == fingerprint, Incident.status != "resolved")
            .order_by(Incident.id.desc())
        )
        row = self.session.execute(query).first()
        return (row[0], row[1]) if row else None

    def open_by_fingerprints(
        self, fingerprints: Collection[str]
    ) -> dict[str, tuple[Incident, IncidentAlert]]:
        """For each fingerprint an unresolved incident holds: that incident and its link row."""
        if not fingerprints:
            return {}
        query = (
            select(Incident, IncidentAlert)
            .join(IncidentAlert, IncidentAlert.incident_id == Incident.id)
            .where(IncidentAlert.fingerprint.in_(list(fingerprints)), Incident.status != "resolved")
            .order_by(Incident.id)
        )
        return {link.fingerprint: (inc, link) for inc, link in self.session.execute(query).all()}

    def open_in_group(self, group_key: str, since: datetime) -> Incident | None:
        """The newest unresolved incident of the group whose last alert came at or after ``since``."""
        query = (
            select(Incident)
            .where(
                Incident.group_key == group_key,
                Incident.status != "resolved",
                Incident.last_alert_at >= since,
            )
            .order_by(Incident.id.desc())
        )
        return self.session.scalars(query).first()

    def add_timeline(
        self,
        incident_id: int,
        at: datetime,
        actor: str,
        kind: str,
        text: str,
        data: dict[str, Any] | None = None,
    ) -> TimelineEntry:
        entry = TimelineEntry(
            incident_id=incident_id, at=at, actor=actor, kind=kind, text=text, data=data or {}
        )
        self.session.add(entry)
        return entry

    def timeline(self, incident_id: int) -> Sequence[TimelineEntry]:
        query = (
            select(TimelineEntry)
            .where(TimelineEntry.incident_id == incident_id)
            .order_by(TimelineEntry.at, TimelineEntry.id)
        )
        return self.session.scalars(query).all()

    def alerts(self, incident_id: int) -> Sequence[IncidentAlert]:
        query = select(IncidentAlert).where(IncidentAlert.incident_id == incident_id)
        return self.session.scalars(query.order_by(IncidentAlert.id)).all()

    def roles(self, incident_id: int, *, history: bool = False) -> Sequence[RoleAssignment]:
        """Current role holders (or every assignment, oldest first, with ``history``)."""
        query = select(RoleAssignment).where(RoleAssignment.incident_id == incident_id)
        if not history:
            query = query.where(RoleAssignment.released_at.is_(None))
        return self.session.scalars(query.order_by(RoleAssignment.id)).all()

    def by_ids(self, ids: Collection[int]) -> Sequence[Incident]:
        if not ids:
            return []
        return self.session.scalars(select(Incident).where(Incident.id.in_(list(ids)))).all()

    def current_roles(self, ids: Collection[int]) -> Sequence[RoleAssignment]:
        """Current role holders of several incidents, in assignment order."""
        if not ids:
            return []
        query = select(RoleAssignment).where(
            RoleAssignment.incident_id.in_(list(ids)), RoleAssignment.released_at.is_(None)
        )
        return self.session.scalars(query.order_by(RoleAssignment.id)).all()

    def steps(self, incident_id: int) -> Sequence[StepProgress]:
        query = select(StepProgress).where(StepProgress.incident_id == incident_id)
        return self.session.scalars(query.order_by(StepProgress.id)).all()


class TimerRepo:
    def __init__(self, session: Session) -> None:
        self.session = session

    def claim_due(
        self, now: datetime, worker_id: str, lease_until: datetime, limit: int
    ) -> list[Timer]:
        """Due timers nobody else holds, claimed for ``worker_id`` until ``lease_until``."""
        query = (
            select(Timer)
            .where(
                Timer.done.is_(False),
                Timer.due_at <= now,
                or_(Timer.claimed_until.is_(None), Timer.claimed_until < now),
            )
            .order_by(Timer.due_at, Timer.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        timers = list(self.session.scalars(query).all())
        for timer in timers:
            timer.claimed_by = worker_id
            timer.claimed_until = lease_until
        return timers

    def stop_for_incident(
        self, incident_id: int, outcome: str, kinds: Collection[str] | None = None
    ) -> int:
        """Close the incident's open timers (of ``kinds`` only, when given)."""
        query = update(Timer).where(Timer.incident_id == incident_id, Timer.done.is_(False))
        if kinds is not None:
            query = query.where(Timer.kind.in_(list(kinds)))
        result = self.session.execute(query.values(done=True, outcome=outcome))
        return int(getattr(result, "rowcount", 0) or 0)

    def for_incident(self, incident_id: int) -> Sequence[Timer]:
        query = select(Timer).where(Timer.incident_id == incident_id).order_by(Timer.id)
        return self.session.scalars(query).all()

    def next_due(self) -> datetime | None:
        query = select(Timer.due_at).where(Timer.done.is_(False)).order_by(Timer.due_at).limit(1)
        return self.session.scalars(query).first()


class NotificationRepo:
    def __init__(self, session: Session) -> None:
        self.session = session

    def exists(self, key: str) -> bool:
        query = select(Notification.id).where(Notification.idempotency_key == key)
        return self.session.scalars(query).first() is not None

    def next_due(self) -> datetime | None:
        query = (
            select(Notification.next_attempt_at)
            .where(Notification.status == "pending")
            .order_by(Notification.next_attempt_at)
            .limit(1)
        )
        return self.session.scalars(query).first()

    def keys_for_timers(self, timer_ids: Collection[int]) -> set[str]:
        if not timer_ids:
            return set()
        query = select(Notification.idempotency_key).where(
            Notification.timer_id.in_(list(timer_ids))
        )
        return set(self.session.scalars(query).all())

    def add(self, row: Notification) -> None:
        self.session.add(row)

    def claim_sendable(
        self, now: datetime, worker_id: str, lease_until: datetime, limit: int
    ) -> list[Notification]:
        """Pending rows whose time has come and whose last claim (if any) has lapsed."""
        query = (
            select(Notification)
            .where(
                Notification.status == "pending",
                Notification.next_attempt_at <= now,
                or_(Notification.claimed_until.is_(None), Notification.claimed_until < now),
            )
            .order_by(Notification.next_attempt_at, Notification.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        rows = list(self.session.scalars(query).all())
        for row in rows:
            row.claimed_by = worker_id
            row.claimed_until = lease_until
        return rows

    def get(self, notification_id: int) -> Notification:
        row = self.session.get(Notification, notification_id)
        if row is None:
            raise NotFound(f"notification {notification_id} does not exist")
        return row

    def cancel_pending(self, incident_id: int, now: datetime, kind: str | None = None) -> int:
        """Cancel pages not yet sent (an acknowledgement stops the escalation); only those of
        ``kind`` (page | role) when given."""
        query = update(Notification).where(
            and_(
                Notification.incident_id == incident_id,
                Notification.status == "pending",
                Notification.attempts == 0,
                or_(Notification.claimed_until.is_(None), Notification.claimed_until < now),
            )
        )
        if kind is not None:
            query = query.where(Notification.kind == kind)
        result = self.session.execute(query.values(status="cancelled"))
        return int(getattr(result, "rowcount", 0) or 0)

    def for_incident(self, incident_id: int) -> Sequence[Notification]:
        query = select(Notification).where(Notification.incident_id == incident_id)
        return self.session.scalars(query.order_by(Notification.id)).all()
