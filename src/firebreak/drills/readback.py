"""Read a finished drill back from its store and recording channel into a :class:`DrillRecord`."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select

from firebreak.drills.record import (
    AlertSeen,
    DrillRecord,
    IncidentSeen,
    PageSeen,
    RoleSeen,
    SkipSeen,
)
from firebreak.incidents.merge import merged_into
from firebreak.notify.channels import RecordingChannel
from firebreak.store.db import Store, UnitOfWork
from firebreak.store.tables import Alert, Incident, Notification, TimelineEntry

if TYPE_CHECKING:
    from firebreak.drills.runner import DrillRun


def delivered_pages(store: Store, channel: RecordingChannel) -> list[tuple[int, PageSeen]]:
    """Pages the send log marked sent and the channel really recorded, oldest first."""
    recorded = {str(r["key"]) for r in channel.records()}
    with store.unit_of_work(readonly=True) as uow:
        rows = uow.session.scalars(
            select(Notification)
            .where(Notification.status == "sent", Notification.kind == "page")
            .order_by(Notification.id)
        ).all()
        return [
            (
                row.id,
                PageSeen(
                    row.sent_at or row.created_at,
                    row.incident_id,
                    row.person_id,
                    row.contact_type,
                    row.level,
                ),
            )
            for row in rows
            if row.idempotency_key in recorded
        ]


def _incident(uow: UnitOfWork, row: Incident, run: DrillRun) -> IncidentSeen:
    first: dict[str, RoleSeen] = {}
    for role in uow.incidents.roles(row.id, history=True):
        if role.role not in first and role.assigned_at == row.opened_at:
            first[role.role] = RoleSeen(role.role, role.person_id, role.reached_via)
    ack = uow.session.scalars(
        select(TimelineEntry)
        .where(TimelineEntry.incident_id == row.id, TimelineEntry.kind == "acknowledge")
        .order_by(TimelineEntry.id)
    ).first()
    return IncidentSeen(
        id=row.id,
        opened_at=row.opened_at,
        runbook=row.runbook_id,
        roles=list(first.values()),
        acknowledged_at=row.acknowledged_at,
        acknowledged_by=ack.actor if ack is not None else None,
        resolved_at=row.resolved_at,
        resolution=row.resolution,
        steps={s.step_key: s.status for s in uow.incidents.steps(row.id)},
        pending_steps=run.responders.pending_steps(row.id),
        merged_into=merged_into(uow, row),
    )


def _skips(uow: UnitOfWork) -> list[SkipSeen]:
    rows = uow.session.scalars(
        select(TimelineEntry).where(TimelineEntry.kind == "page_skipped").order_by(TimelineEntry.id)
    ).all()
    return [SkipSeen(r.at, r.incident_id, (r.data or {}).get("person"), r.text) for r in rows]


def read_record(run: DrillRun) -> DrillRecord:
    """Everything the grader needs, from the drill's store."""
    sc = run.scenario
    org = run.workspace.org
    record = DrillRecord(
        name=sc.name,
        scenario=sc.scenario,
        start=run.start,
        end=run.end,
        fault_start=run.start + sc.fault_start,
        fault_kinds=[(f.kind, f.error_type) for f in sc.faults],
        unreachable=set(sc.responders.unreachable),
        no_contact={p.id for p in org.people.values() if not p.contacts},
        trigger_signals={r.id: [t.signal for t in r.triggers] for r in run.workspace.runbooks},
        faults=distinct_faults([(f.at, f.ends_at) for f in sc.faults]),
    )
    with run.store.unit_of_work(readonly=True) as uow:
        inbox = {
            a.id: a.incident_id
            for a in uow.session.scalars(select(Alert).where(Alert.status == "firing"))
        }
        for seen in run.seen:
            alert = seen.alert
            trigger = alert.summary.removeprefix(f"{alert.runbook_id}: ")
            record.alerts.append(
                AlertSeen(
                    alert.at, alert.runbook_id, trigger, alert.signal, inbox.get(seen.inbox_id)
                )
            )
        for row in uow.session.scalars(select(Incident).order_by(Incident.id)):
            record.incidents.append(_incident(uow, row, run))
        record.skips = _skips(uow)
    record.pages = [p for _, p in delivered_pages(run.store, run.channel)]
    record.done_when_missed = _missed(run, record)
    return record


def distinct_faults(spans: list[tuple[timedelta, timedelta]]) -> int:
    """How many faults a scenario injects, counting faults whose times overlap as one."""
    count, end = 0, None
    for start, stop in sorted(spans):
        if end is None or start >= end:
            count += 1
            end = stop
        else:
            end = max(end, stop)
    return count


def _missed(run: DrillRun, record: DrillRecord) -> list[str]:
    unresolved = [i for i in record.incidents if i.resolved_at is None]
    out: list[str] = []
    for incident in unresolved:
        for text in run.done.missed(incident.runbook):
            if text not in out:
                out.append(text)
    return out
