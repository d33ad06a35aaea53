"""Read models shared by the API (as JSON) and the UI (as template data).

Each function runs inside a unit of work the caller owns and returns plain dicts and lists.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from firebreak.org import oncall as oc
from firebreak.store.db import UnitOfWork
from firebreak.store.tables import Incident, IncidentAlert, RoleAssignment
from firebreak.web import detail
from firebreak.workspace import Workspace

MAX_LIST = 500


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def ago(value: datetime, now: datetime) -> str:
    """'5m ago', '3h ago', '2d ago': how long since ``value``."""
    seconds = max(0.0, (now - value).total_seconds())
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)}m ago"
    if seconds < 172800:
        return f"{int(seconds // 3600)}h {int(seconds % 3600 // 60)}m ago"
    return f"{int(seconds // 86400)}d ago"


def person_name(workspace: Workspace, person_id: str | None) -> str:
    if person_id is None:
        return "nobody"
    person = workspace.org.people.get(person_id)
    return (person.name or person_id) if person is not None else person_id


def incident_summary(row: Incident, now: datetime, commander: str | None = None) -> dict[str, Any]:
    return {
        "id": row.id,
        "title": row.title,
        "status": row.status,
        "resolution": row.resolution,
        "severity": row.severity,
        "service": row.service,
        "services": list(row.services or []),
        "scenario": row.scenario,
        "runbook_id": row.runbook_id,
        "drill": bool(row.drill),
        "opened_at": iso(row.opened_at),
        "opened_ago": ago(row.opened_at, now),
        "acknowledged_at": iso(row.acknowledged_at),
        "mitigated_at": iso(row.mitigated_at),
        "resolved_at": iso(row.resolved_at),
        "last_alert_at": iso(row.last_alert_at),
        "fault_started_at": iso(row.fault_started_at),
        "commander": commander,
    }


def list_incidents(
    uow: UnitOfWork,
    workspace: Workspace,
    now: datetime,
    *,
    status: str | None = None,
    service: str | None = None,
    scenario: str | None = None,
    since: datetime | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    """Incidents newest first; ``status='open'`` means not resolved."""
    query = select(Incident)
    if status == "open":
        query = query.where(Incident.status != "resolved")
    elif status:
        query = query.where(Incident.status == status)
    if service:
        query = query.where(Incident.service == service)
    if scenario:
        query = query.where(Incident.scenario == scenario)
    if since is not None:
        query = query.where(Incident.opened_at >= since)
    query = query.order_by(Incident.opened_at.desc(), Incident.id.desc()).limit(
        min(limit, MAX_LIST)
    )
    rows = list(uow.session.scalars(query).all())
    commanders = _commanders(uow, [r.id for r in rows])
    return [
        incident_summary(
            r, now, person_name(workspace, commanders[r.id]) if r.id in commanders else None
        )
        for r in rows
    ]


def _commanders(uow: UnitOfWork, ids: list[int]) -> dict[int, str | None]:
    if not ids:
        return {}
    query = select(RoleAssignment).where(
        RoleAssignment.incident_id.in_(ids),
        RoleAssignment.role == "commander",
        RoleAssignment.released_at.is_(None),
    )
    return {r.incident_id: r.person_id for r in uow.session.scalars(query)}


def incident_detail(
    uow: UnitOfWork, workspace: Workspace, incident_id: int, now: datetime
) -> dict[str, Any]:
    """One incident with its timeline, roles, runbook steps and their progress."""
    row = uow.incidents.get(incident_id)
    roles = uow.incidents.roles(row.id)
    commander = next((r.person_id for r in roles if r.role == "commander"), None)
    out = incident_summary(row, now, person_name(workspace, commander) if commander else None)
    alerts = uow.incidents.alerts(row.id)
    snapshot = row.runbook or {}
    marks = {m.step_key: m for m in uow.incidents.steps(row.id)}
    out.update(
        labels=dict(row.labels or {}),
        escalation_policy=row.escalation_policy,
        cleared_at=iso(row.cleared_at),
        alert_count=sum(a.count for a in alerts),
        alerts=[_alert(a) for a in alerts],
        runbook_title=snapshot.get("title"),
        done_when=list(snapshot.get("done_when", [])),
        roles=[
            {
                "role": r.role,
                "person_id": r.person_id,
                "person_name": person_name(workspace, r.person_id),
                "reached_via": r.reached_via,
                "assigned_at": iso(r.assigned_at),
            }
            for r in roles
        ],
        steps=[_step(s, marks.get(str(s.get("key")))) for s in snapshot.get("steps", [])],
        timeline=[
            {"at": iso(e.at), "actor": e.actor, "kind": e.kind, "text": e.text}
            for e in uow.incidents.timeline(row.id)
        ],
    )
    _add_page_details(uow, workspace, row, now, out)
    return out


def _add_page_details(
    uow: UnitOfWork, workspace: Workspace, row: Incident, now: datetime, out: dict[str, Any]
) -> None:
    """The alerts' details, the escalation's state, the runbook's Meaning and Impact."""

    links = detail.step_links(workspace, row)
    for step in out["steps"]:
        step["links"] = links.get(str(step["key"]), [])
    out["current_step"] = next((s["key"] for s in out["steps"] if not s["status"]), None)
    out["alert_details"] = detail.alert_details(uow, row.id)
    out["escalation"] = detail.escalation_status(uow, workspace, row, now)
    out["runbook_sections"] = detail.runbook_sections(workspace, row)
    added = [e["data"]["person"] for e in _entries(uow, row.id, "responder_added")]
    out["responders"] = [person_name(workspace, p) for p in dict.fromkeys(added)]


def _entries(uow: UnitOfWork, incident_id: int, kind: str) -> list[dict[str, Any]]:
    return [
        {"at": e.at, "data": dict(e.data or {})}
        for e in uow.incidents.timeline(incident_id)
        if e.kind == kind
    ]


def _alert(a: IncidentAlert) -> dict[str, Any]:
    return {
        "fingerprint": a.fingerprint,
        "service": a.service,
        "status": a.status,
        "count": a.count,
        "first_seen_at": iso(a.first_seen_at),
        "last_seen_at": iso(a.last_seen_at),
    }


def _step(step: dict[str, Any], mark: Any) -> dict[str, Any]:
    return {
        "key": step.get("key"),
        "section": step.get("section"),
        "number": step.get("number"),
        "text": step.get("text"),
        "role": step.get("role"),
        "commands": list(step.get("commands") or []),
        "expect": step.get("expect"),
        "status": mark.status if mark else None,
        "by": mark.by if mark else None,
        "at": iso(mark.at) if mark else None,
    }


def open_by_status(uow: UnitOfWork) -> dict[str, int]:
    query = (
        select(Incident.status, func.count(Incident.id))
        .where(Incident.status != "resolved")
        .group_by(Incident.status)
    )
    return {status: int(n) for status, n in uow.session.execute(query)}


def oncall(
    workspace: Workspace, now: datetime, horizon: timedelta, handoffs: int = 3
) -> dict[str, Any]:
    """Who is on call on each schedule now, the next handoffs and the gaps ahead."""

    schedules, upcoming, holes = [], [], []
    for sched in workspace.org.schedules.values():
        cov = oc.coverage(sched, now, now + horizon)
        who = oc.person_at(cov, now)
        current = next((iv for iv in cov if iv.start <= now < iv.end), None)
        person = workspace.org.people.get(who) if who else None
        schedules.append(
            {
                "id": sched.id,
                "timezone": sched.timezone,
                "person_id": who,
                "person_name": person_name(workspace, who) if who else None,
                "until": iso(current.end) if current else None,
                "contacts": [c.type for c in person.contacts] if person else [],
            }
        )
        for h in oc.next_handoffs(sched, now, handoffs):
            upcoming.append(
                {
                    "at": iso(h.at),
                    "schedule": sched.id,
                    "from": h.before,
                    "from_name": person_name(workspace, h.before),
                    "to": h.after,
                    "to_name": person_name(workspace, h.after),
                }
            )
        holes += [
            {"schedule": sched.id, "start": iso(g.start), "end": iso(g.end)} for g in oc.gaps(cov)
        ]
    upcoming.sort(key=lambda h: str(h["at"]))
    holes.sort(key=lambda g: str(g["start"]))
    return {
        "at": iso(now),
        "horizon_s": horizon.total_seconds(),
        "schedules": schedules,
        "handoffs": upcoming,
        "gaps": holes,
    }
