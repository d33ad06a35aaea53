"""Opening an incident: the row, the matching runbook, and the roles filled from who is on call.

Who is on call comes from ``firebreak.org.oncall.resolve`` at the instant the incident opens.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from firebreak.durations import format_duration
from firebreak.incidents import notices, routing
from firebreak.incidents.model import Normal
from firebreak.org import oncall
from firebreak.org.model import Org
from firebreak.runbooks.model import Condition, Runbook
from firebreak.store.db import UnitOfWork
from firebreak.store.tables import Incident, RoleAssignment
from firebreak.workspace import Workspace


def open_incident(uow: UnitOfWork, alert: Normal, key: str, now: datetime) -> Incident:
    """A new triggered incident for ``alert``, with its first timeline entry."""
    incident = Incident(
        title=alert.summary[:500] or alert.fingerprint,
        status="triggered",
        severity=alert.severity or "sev3",
        service=alert.service,
        scenario=alert.scenario,
        group_key=key,
        opened_at=now,
        last_alert_at=now,
        drill=alert.drill,
        labels=dict(alert.labels),
        services=[],
        trigger=alert.trigger,
    )
    uow.session.add(incident)
    uow.session.flush()
    drill = "DRILL: " if alert.drill else ""
    uow.incidents.add_timeline(
        incident.id,
        now,
        alert.source,
        "opened",
        f"{drill}opened by {alert.source} alert: {alert.summary}",
        {"fingerprint": alert.fingerprint, "group_key": key},
    )
    return incident


def find_runbook(workspace: Workspace, alert: Normal) -> tuple[Runbook | None, str]:
    """The runbook named by the alert, else the one for its service and scenario."""
    return routing.find_runbook(workspace, alert.runbook_id, alert.service, alert.scenario)


def condition_text(cond: Condition) -> str:
    where = ",".join(f"{k}={v}" for k, v in sorted(cond.where.items()))
    text = cond.signal + (f"{{{where}}}" if where else "")
    if cond.above is not None:
        text += f" above {cond.above:g}"
    if cond.below is not None:
        text += f" below {cond.below:g}"
    if cond.for_ is not None:
        text += f" for {format_duration(cond.for_)}"
    return text


def snapshot(runbook: Runbook) -> dict[str, Any]:
    """What the runbook said when the incident opened: kept with the incident for the record."""
    return {
        "id": runbook.id,
        "title": runbook.title,
        "path": runbook.path,
        "severity": runbook.severity,
        "steps": [
            {
                "key": s.key,
                "section": s.section,
                "number": s.number,
                "text": s.text,
                "role": s.role,
                "commands": list(s.commands),
                "expect": s.expect,
                "links": [{"text": text, "url": url} for text, url in s.anchors],
            }
            for s in runbook.steps
        ],
        "done_when": [condition_text(c) for c in runbook.done_when],
        "meaning": runbook.sections["meaning"].text if "meaning" in runbook.sections else None,
        "impact": runbook.sections["impact"].text if "impact" in runbook.sections else None,
    }


def attach_runbook(
    uow: UnitOfWork, workspace: Workspace, incident: Incident, alert: Normal, now: datetime
) -> Runbook | None:
    runbook, how = find_runbook(workspace, alert)
    if runbook is None:
        uow.incidents.add_timeline(
            incident.id,
            now,
            "firebreak",
            "no_runbook",
            f"no runbook matches service {alert.service or '?'} and scenario "
            f"{alert.scenario or '?'}",
        )
        return None
    incident.runbook_id = runbook.id
    incident.runbook = snapshot(runbook)
    if runbook.severity and not alert.severity:
        incident.severity = runbook.severity
    if runbook.title and alert.source == "detector":
        incident.title = runbook.title
    uow.incidents.add_timeline(
        incident.id,
        now,
        "firebreak",
        "runbook_attached",
        f"runbook {runbook.id} attached ({how})",
        {"runbook": runbook.id},
    )
    return runbook


def escalation_policy(
    uow: UnitOfWork, workspace: Workspace, incident: Incident, alert: Normal, now: datetime
) -> str | None:
    """The policy the router chose for the opening alert; the timeline says how it was found
    when a route placed the alert or the default policy had to step in."""
    decision = alert.route
    if decision is None:
        decision = routing.route(alert.labels, workspace, None, alert.severity)
    if decision.route is not None:
        entry = workspace.settings.routing.routes[decision.route]
        sets = ", ".join(f"{k}={v}" for k, v in entry.set.items()) or "no labels"
        uow.incidents.add_timeline(
            incident.id,
            now,
            "firebreak",
            "routed",
            f"routed by [[routing.routes]] #{decision.route + 1} (set {sets})",
            {"route": decision.route},
        )
    for note in decision.notes:
        kind = "default_policy" if decision.escalation_via == "default" else "routing"
        uow.incidents.add_timeline(incident.id, now, "firebreak", kind, note, {})
    if decision.escalation is not None and decision.escalation_via != "default":
        uow.incidents.add_timeline(
            incident.id,
            now,
            "firebreak",
            "escalation_policy",
            f"escalation policy {decision.escalation} (from the {decision.escalation_via})",
            {"policy": decision.escalation, "via": decision.escalation_via},
        )
    policy: str | None = decision.escalation
    return policy


def role_refs(workspace: Workspace, runbook: Runbook | None, policy: str | None) -> dict[str, str]:
    """Role → reference: the runbook's roles; a commander from the first escalation level if none."""
    refs = dict(runbook.roles) if runbook is not None else {}
    if "commander" not in refs and policy is not None:
        refs["commander"] = workspace.org.escalation_policies[policy].levels[0].targets[0]
    return refs


def pick(org: Org, ref: str, now: datetime) -> tuple[str | None, str]:
    """The person a reference gives at ``now`` (the first reachable one), and why if nobody."""
    people = oncall.resolve(org, ref, now)
    if not people:
        return None, f"{ref} gives nobody at this time"
    reachable = [p for p in people if oncall.reachable(org, p)]
    if not reachable:
        return people[0], f"{people[0]} has no contact"
    return reachable[0], ""


def fill_roles(
    uow: UnitOfWork,
    workspace: Workspace,
    incident: Incident,
    runbook: Runbook | None,
    now: datetime,
) -> None:
    """Fill each role from who is on call now; a role nobody can fill says why on the timeline.
    Each holder is told (``notices``)."""
    assignments = []
    for role, ref in role_refs(workspace, runbook, incident.escalation_policy).items():
        person, problem = pick(workspace.org, ref, now)
        assignment = RoleAssignment(
            incident_id=incident.id,
            role=role,
            person_id=person,
            reached_via=ref,
            assigned_at=now,
        )
        uow.session.add(assignment)
        assignments.append(assignment)
        if person is None:
            text = f"{role}: unfilled, {problem}"
        else:
            text = f"{role}: {person} (via {ref})" + (f"; warning: {problem}" if problem else "")
        uow.incidents.add_timeline(
            incident.id,
            now,
            "firebreak",
            "role_assigned",
            text,
            {"role": role, "person": person, "via": ref, "problem": problem or None},
        )
    notices.tell_holders(uow, workspace, incident, assignments, now)
