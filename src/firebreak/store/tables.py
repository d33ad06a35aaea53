"""The store's tables (SQLAlchemy 2 declarative, portable types only).

Column sizes come from ``firebreak.limits``, which intake also checks values against.

Times are stored as naive UTC (``UTCDateTime``) and come back timezone-aware in UTC, the same on
SQLite and PostgreSQL. JSON columns use the portable ``JSON`` type.

Tables and who writes them:

- ``alerts``: the inbox. Intake appends (``incidents.intake.record_alert``); the pipeline marks
  ``processed_at`` and the ``incident_id`` it went to (``incidents.pipeline.process_pending``), or
  sets a row it cannot process aside (outcome ``rejected`` with ``rejected_reason``).
- ``incidents``, ``incident_alerts``, ``timeline``, ``roles``, ``step_progress``: the record of each
  incident, changed only through ``incidents.actions`` and the pipeline.
- ``timers``: durable escalation timers (``incidents.escalation``).
- ``notifications``: the send log, one row per page, unique on ``idempotency_key`` (``notify``).
- ``api_tokens``, ``integrations``: hashed secrets for the HTTP service.
- ``app_secrets``: the key that signs page links; ``link_uses``: links already used (``notify.links``).
- ``drill_runs``: drill results. ``baselines``: saved report figures.
- ``workspace_snapshots``: every workspace revision that loaded, so ``serve`` on broken files runs
  the last good one; ``workspace_processes``: which revision each serve/worker process runs
  (``firebreak.running``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from firebreak import limits


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, naive UTC stored, aware UTC out; naive input is refused."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("the store takes timezone-aware datetimes only")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


JSONDict = dict[str, Any]


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime(), JSONDict: JSON(), list[str]: JSON()}  # noqa: RUF012


class Alert(Base):
    """One event as it arrived: the inbox the pipeline consumes."""

    __tablename__ = "alerts"
    __table_args__ = (Index("ix_alerts_pending", "processed_at", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(
        String(limits.SOURCE)
    )  # alertmanager|pagerduty|generic|otlp|detector|drill
    integration_id: Mapped[int | None] = mapped_column(ForeignKey("integrations.id"))
    dedup_key: Mapped[str] = mapped_column(
        String(limits.FINGERPRINT), index=True
    )  # the fingerprint
    status: Mapped[str] = mapped_column(String(16))  # firing|resolved|acknowledge
    event_action: Mapped[str] = mapped_column(String(16))  # trigger|acknowledge|resolve
    labels: Mapped[JSONDict]
    summary: Mapped[str] = mapped_column(Text, default="")
    severity: Mapped[str | None] = mapped_column(String(limits.SEVERITY))
    payload: Mapped[JSONDict]
    received_at: Mapped[datetime]
    starts_at: Mapped[datetime | None]
    processed_at: Mapped[datetime | None]
    outcome: Mapped[str | None] = mapped_column(String(16))  # opened|attached|...|rejected
    # Why the pipeline set this alert aside (outcome "rejected"): it could not be processed.
    rejected_reason: Mapped[str | None] = mapped_column(Text)
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"))
    drill: Mapped[bool] = mapped_column(Boolean, default=False)


class Incident(Base):
    __tablename__ = "incidents"
    __table_args__ = (Index("ix_incidents_group", "group_key", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(
        String(16), index=True
    )  # triggered|acknowledged|mitigated|resolved
    resolution: Mapped[str | None] = mapped_column(String(16))  # fixed|false_alarm|duplicate|drill
    severity: Mapped[str] = mapped_column(String(8))
    service: Mapped[str | None] = mapped_column(String(limits.SERVICE))
    scenario: Mapped[str | None] = mapped_column(String(limits.SCENARIO))
    group_key: Mapped[str] = mapped_column(String(limits.GROUP_KEY))
    runbook_id: Mapped[str | None] = mapped_column(String(limits.RUNBOOK_ID))
    # What the attached runbook said when the incident opened: title, steps, done_when.
    runbook: Mapped[JSONDict | None] = mapped_column(JSON)
    escalation_policy: Mapped[str | None] = mapped_column(String(limits.NAME))
    opened_at: Mapped[datetime] = mapped_column(index=True)
    last_alert_at: Mapped[datetime]
    acknowledged_at: Mapped[datetime | None]
    mitigated_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    fault_started_at: Mapped[datetime | None]  # for MTTD, when known
    drill: Mapped[bool] = mapped_column(Boolean, default=False)
    labels: Mapped[JSONDict]
    services: Mapped[list[str]]  # every service it hurts (third-party incidents span several)
    trigger: Mapped[str | None] = mapped_column(
        String(limits.TRIGGER)
    )  # runbook#index of a detector trigger
    cleared_at: Mapped[datetime | None]  # when every alert had cleared at the source (else None)


class IncidentAlert(Base):
    """Which fingerprints belong to an incident, with their latest state."""

    __tablename__ = "incident_alerts"
    __table_args__ = (UniqueConstraint("incident_id", "fingerprint"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"))
    fingerprint: Mapped[str] = mapped_column(String(limits.FINGERPRINT), index=True)
    service: Mapped[str | None] = mapped_column(String(limits.SERVICE))
    status: Mapped[str] = mapped_column(String(16))  # firing|resolved
    count: Mapped[int] = mapped_column(Integer, default=1)
    first_alert_id: Mapped[int] = mapped_column(Integer)
    first_seen_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]


class TimelineEntry(Base):
    __tablename__ = "timeline"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text)
    data: Mapped[JSONDict]


class RoleAssignment(Base):
    """Who holds a role; the current holder has ``released_at`` null, earlier ones are history."""

    __tablename__ = "roles"
    __table_args__ = (Index("ix_roles_incident", "incident_id", "role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"))
    role: Mapped[str] = mapped_column(String(40))
    person_id: Mapped[str | None] = mapped_column(String(120))  # None: nobody could be found
    reached_via: Mapped[str] = mapped_column(String(200))  # schedule:x, person:y, reassigned by z
    assigned_at: Mapped[datetime]
    released_at: Mapped[datetime | None]


class StepProgress(Base):
    __tablename__ = "step_progress"
    __table_args__ = (UniqueConstraint("incident_id", "step_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"))
    step_key: Mapped[str] = mapped_column(String(40))  # e.g. mitigation.2
    status: Mapped[str] = mapped_column(String(16))  # done|skipped
    by: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime]


class Timer(Base):
    """A durable escalation timer: claimed by one worker, done once its pages are logged."""

    __tablename__ = "timers"
    __table_args__ = (Index("ix_timers_due", "done", "due_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # escalate
    due_at: Mapped[datetime]
    level: Mapped[int] = mapped_column(Integer, default=0)
    attempt: Mapped[int] = mapped_column(Integer, default=0)  # which pass through the levels
    claimed_by: Mapped[str | None] = mapped_column(String(120))
    claimed_until: Mapped[datetime | None]
    done: Mapped[bool] = mapped_column(Boolean, default=False)
    outcome: Mapped[str | None] = mapped_column(String(40))  # paged|stopped|exhausted


class Notification(Base):
    """The send log: one row per page, written before the send, unique on its idempotency key.

    The address itself is never stored: ``address_redacted`` is safe to show, ``address_hash``
    tells whether the contact changed, and the sender looks the address up again at send time.
    """

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_pending", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    timer_id: Mapped[int | None] = mapped_column(ForeignKey("timers.id"))
    level: Mapped[int] = mapped_column(Integer, default=0)
    channel: Mapped[str] = mapped_column(String(40))  # the contact type the page goes through
    person_id: Mapped[str] = mapped_column(String(120))
    contact_index: Mapped[int] = mapped_column(Integer)  # position in the person's contacts
    contact_type: Mapped[str] = mapped_column(String(16))
    address_redacted: Mapped[str] = mapped_column(String(200))
    address_hash: Mapped[str] = mapped_column(String(64))
    message: Mapped[JSONDict]
    status: Mapped[str] = mapped_column(String(16))  # pending|sent|failed|cancelled
    kind: Mapped[str] = mapped_column(String(8), default="page", server_default="page")  # page|role
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    claimed_by: Mapped[str | None] = mapped_column(String(120))
    claimed_until: Mapped[datetime | None]
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)  # redacted


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))  # viewer|responder|admin
    person_id: Mapped[str | None] = mapped_column(String(120))  # acts as person:<id> when set
    token_hash: Mapped[str] = mapped_column(String(128), unique=True)
    created_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class AppSecret(Base):
    """A secret the service makes for itself (the key that signs links in pages). Never logged."""

    __tablename__ = "app_secrets"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime]


class LinkUse(Base):
    """An acknowledge or resolve link from a page that has been used: each works once."""

    __tablename__ = "link_uses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    link_id: Mapped[str] = mapped_column(String(80), unique=True)  # n<notification>-<action>
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    person_id: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(16))  # ack|resolve
    used_at: Mapped[datetime]


class Integration(Base):
    __tablename__ = "integrations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # alertmanager|pagerduty|generic|otlp
    name: Mapped[str] = mapped_column(String(200))
    key_hash: Mapped[str] = mapped_column(String(128), unique=True)
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    # The binding given at creation: its alerts get this service and policy unless a label or
    # a route says otherwise (incidents.routing).
    service: Mapped[str | None] = mapped_column(String(120))
    escalation: Mapped[str | None] = mapped_column(String(200))


class DrillRun(Base):
    __tablename__ = "drill_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    scenario: Mapped[str] = mapped_column(String(40))
    team: Mapped[str | None] = mapped_column(String(120))
    passed: Mapped[bool] = mapped_column(Boolean)
    objectives: Mapped[list[JSONDict]] = mapped_column(JSON)  # [{"name", "passed", "reason"}]
    started_at: Mapped[datetime] = mapped_column(index=True)
    finished_at: Mapped[datetime]
    live: Mapped[bool] = mapped_column(Boolean, default=False)
    runbook: Mapped[str | None] = mapped_column(String(200))  # the runbook the drill exercised
    participants: Mapped[list[str] | None] = mapped_column(JSON)  # people who took part


class Baseline(Base):
    __tablename__ = "baselines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime]
    figures: Mapped[JSONDict]


class WorkspaceSnapshot(Base):
    """The files of a workspace revision that loaded (path relative to the workspace → text)."""

    __tablename__ = "workspace_snapshots"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    revision: Mapped[str] = mapped_column(String(120), index=True)
    taken_at: Mapped[datetime]
    files: Mapped[JSONDict]


class WorkspaceProcess(Base):
    """What one serve or worker process runs, written at each (re)load and refreshed each tick."""

    __tablename__ = "workspace_processes"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)  # the worker id
    revision: Mapped[str | None] = mapped_column(String(120))
    source: Mapped[str] = mapped_column(String(16))  # files|snapshot|none
    loaded_at: Mapped[datetime | None]
    last_reload_ok: Mapped[bool] = mapped_column(Boolean, default=True)
    last_reload_at: Mapped[datetime | None]
    seen_at: Mapped[datetime]


class EndedSession(Base):
    """A UI session signed out before its cookie expired (the cookie is refused from then on)."""

    __tablename__ = "ended_sessions"
    __table_args__ = (Index("ix_ended_sessions_expires", "expires_at"),)

    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
    token_id: Mapped[int] = mapped_column(Integer)
    ended_at: Mapped[datetime]
    expires_at: Mapped[datetime]  # when the cookie would have expired; the row may go then


class BaselineCapture(Base):
    """A baseline being captured: the service saves it under ``name`` once ``ends_at`` passes."""

    __tablename__ = "baseline_captures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    started_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]
