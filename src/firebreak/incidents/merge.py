"""The inhibit stage of the pipeline and incident merging (the store side of ``inhibit.py``).

:class:`Inhibitor` answers, for each new alert, whether an open incident is its cause (the
alert then joins that incident: no new incident, no page) and, for an incident that a cause
alert opened or joined, which open incidents are its symptoms. :func:`merge_into` folds such a
symptom incident into its cause:

- its alerts move over (their repeats and resolves go to the cause from then on);
- its timeline is copied into the cause's (kind ``merged_entry``, at the original times) and
  stays on the merged incident too, which is resolved as ``duplicate`` and names the cause;
- nobody is paged again: if the cause has paged nobody yet, it takes over the merged
  incident's escalation where it stood instead of starting its own; else the merged
  incident's escalation stops. The cause's role notices to people the merged incident already
  reached are dropped. An acknowledgement carries over to a cause nobody answered.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update

from firebreak.incidents import inhibit, lifecycle
from firebreak.incidents.model import Normal
from firebreak.store.db import UnitOfWork
from firebreak.store.tables import Incident, IncidentAlert, Notification, TimelineEntry, Timer
from firebreak.workspace import Workspace

MERGE_ACTOR = "firebreak"


class Inhibitor:
    """Open incidents as inhibit sources and targets, loaded once per batch when rules exist."""

    def __init__(self, uow: UnitOfWork, workspace: Workspace) -> None:
        self.uow = uow
        self.rules = list(workspace.settings.inhibit)
        self.providers = {s.id: tuple(s.providers) for s in workspace.org.services.values()}
        self._open: dict[int, Incident] | None = None

    def _incidents(self) -> dict[int, Incident]:
        if self._open is None:
            self.uow.session.flush()
            rows = self.uow.session.scalars(
                select(Incident).where(Incident.status != "resolved")
            ).all()
            self._open = {row.id: row for row in rows}
        return self._open

    def _views(self, drill: bool, skip: int | None = None) -> list[inhibit.OpenIncident]:
        return [
            inhibit.OpenIncident(i.id, i.labels or {})
            for i in self._incidents().values()
            if i.status != "resolved" and i.drill == drill and i.id != skip
        ]

    def cause_of(self, alert: Normal) -> tuple[Incident, inhibit.Inhibition] | None:
        """The open incident an alert is a symptom of."""
        if not self.rules or not any(inhibit.matches(r.target, alert.labels) for r in self.rules):
            return None
        found = inhibit.inhibited_by(
            alert.labels, self._views(alert.drill), self.rules, self.providers
        )
        return None if found is None else (self._incidents()[found.incident_id], found)

    def symptoms_of(self, incident: Incident) -> list[tuple[Incident, inhibit.Inhibition]]:
        """The open incidents that ``incident`` is the cause of."""
        labels = incident.labels or {}
        if not self.rules or not any(inhibit.matches(r.source, labels) for r in self.rules):
            return []
        found = inhibit.inhibits(
            labels, self._views(incident.drill, skip=incident.id), self.rules, self.providers
        )
        return [(self._incidents()[f.incident_id], f) for f in found]

    def remember(self, incident: Incident) -> None:
        if self._open is not None:
            self._open[incident.id] = incident


def _has_paged(uow: UnitOfWork, incident_id: int) -> bool:
    """Whether escalation has paged anyone for the incident (role notices are not pages)."""
    count = uow.session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.incident_id == incident_id, Notification.kind == "page")
    )
    return bool(count)


def _told(uow: UnitOfWork, incident_id: int) -> set[str]:
    """Everyone the incident has paged or told of a role (sent or on its way)."""
    rows = uow.session.scalars(
        select(Notification.person_id).where(
            Notification.incident_id == incident_id,
            Notification.status.in_(("pending", "sent")),
        )
    ).all()
    return set(rows)


def _drop_repeat_notices(uow: UnitOfWork, source: Incident, target: Incident) -> int:
    """Role notices of the cause for people the merged incident already reached: they know."""
    told = _told(uow, target.id)
    if not told:
        return 0
    result = uow.session.execute(
        update(Notification)
        .where(
            Notification.incident_id == source.id,
            Notification.kind == "role",
            Notification.status == "pending",
            Notification.person_id.in_(told),
        )
        .values(status="cancelled")
    )
    return int(getattr(result, "rowcount", 0) or 0)


def _move_alerts(uow: UnitOfWork, source: Incident, target: Incident) -> list[IncidentAlert]:
    held = {a.fingerprint: a for a in uow.incidents.alerts(source.id)}
    moved = []
    for link in uow.incidents.alerts(target.id):
        twin = held.get(link.fingerprint)
        if twin is not None:
            twin.count += link.count
            uow.session.delete(link)
            moved.append(twin)
        else:
            link.incident_id = source.id
            moved.append(link)
    for service in target.services or []:
        if service not in (source.services or []):
            source.services = [*(source.services or []), service]
    source.last_alert_at = max(source.last_alert_at, target.last_alert_at)
    starts = [t for t in (source.fault_started_at, target.fault_started_at) if t is not None]
    if starts:
        source.fault_started_at = min(starts)
    return moved


def _copy_timeline(uow: UnitOfWork, source: Incident, target: Incident) -> int:
    entries = list(uow.incidents.timeline(target.id))
    for entry in entries:
        uow.session.add(
            TimelineEntry(
                incident_id=source.id,
                at=entry.at,
                actor=entry.actor,
                kind="merged_entry",
                text=f"#{target.id}: {entry.text}",
                data={"from_incident": target.id, "kind": entry.kind},
            )
        )
    return len(entries)


def _escalation(uow: UnitOfWork, source: Incident, target: Incident, now: datetime) -> str:
    """Keep one escalation going for the merged pair, and say which."""
    target_paged = _has_paged(uow, target.id) or target.status != "triggered"
    if target_paged and not _has_paged(uow, source.id) and source.status == "triggered":
        uow.timers.stop_for_incident(source.id, outcome="merged")
        uow.session.execute(
            update(Timer)
            .where(Timer.incident_id == target.id, Timer.done.is_(False))
            .values(incident_id=source.id)
        )
        uow.session.execute(
            update(Notification)
            .where(Notification.incident_id == target.id, Notification.status == "pending")
            .values(incident_id=source.id)
        )
        return f"its escalation carries on here where #{target.id} stood"
    uow.timers.stop_for_incident(target.id, outcome="merged")
    cancelled = uow.notifications.cancel_pending(target.id, now)
    return f"its escalation stopped ({cancelled} unsent page(s) cancelled)"


def _carry_ack(uow: UnitOfWork, source: Incident, target: Incident, now: datetime) -> None:
    if source.status != "triggered" or target.status not in ("acknowledged", "mitigated"):
        return
    ack = uow.session.scalars(
        select(TimelineEntry)
        .where(TimelineEntry.incident_id == target.id, TimelineEntry.kind == "acknowledge")
        .order_by(TimelineEntry.id)
    ).first()
    actor = ack.actor if ack is not None else MERGE_ACTOR
    lifecycle.apply(
        uow,
        source,
        "acknowledge",
        actor,
        now,
        f"acknowledged by {actor}, who had acknowledged #{target.id}",
        {"merged_from": target.id},
    )
    uow.timers.stop_for_incident(source.id, outcome="acknowledged")
    uow.notifications.cancel_pending(source.id, now)


def merge_into(
    uow: UnitOfWork,
    source: Incident,
    target: Incident,
    why: inhibit.Inhibition,
    now: datetime,
) -> list[IncidentAlert]:
    """Fold the open incident ``target`` into ``source``; returns the alert links now held by
    ``source`` that came from ``target`` (the caller's dedup cache needs them)."""
    uow.session.flush()
    moved = _move_alerts(uow, source, target)
    copied = _copy_timeline(uow, source, target)
    _drop_repeat_notices(uow, source, target)
    paging = _escalation(uow, source, target, now)
    _carry_ack(uow, source, target, now)
    lifecycle.apply(
        uow,
        target,
        "resolve",
        MERGE_ACTOR,
        now,
        f"merged into #{source.id} ({source.title}) by {why.text}",
        {"resolution": "duplicate", "merged_into": source.id},
    )
    target.resolution = "duplicate"
    uow.incidents.add_timeline(
        source.id,
        now,
        MERGE_ACTOR,
        "merged",
        f"merged #{target.id} ({target.title}) into this incident by {why.text}: "
        f"{len(moved)} alert(s) and {copied} timeline entries; {paging}",
        {"merged": target.id, "rule": why.rule + 1},
    )
    return moved


def merged_into(uow: UnitOfWork, incident: Incident) -> int | None:
    """The incident a merged (duplicate) incident was folded into, following chains."""
    seen: set[int] = set()
    current = incident
    while current.status == "resolved" and current.resolution == "duplicate":
        entry = uow.session.scalars(
            select(TimelineEntry)
            .where(TimelineEntry.incident_id == current.id, TimelineEntry.kind == "resolve")
            .order_by(TimelineEntry.id.desc())
        ).first()
        into = (entry.data or {}).get("merged_into") if entry is not None else None
        if not isinstance(into, int) or into in seen:
            break
        seen.add(into)
        current = uow.incidents.get(into)
    return current.id if current.id != incident.id else None
