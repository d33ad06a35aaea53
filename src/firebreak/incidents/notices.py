"""Role notices: everyone given a role is told, on their contacts, with the runbook's first step.

When an incident opens, each role holder gets a notice (send-log rows of kind ``role``), except
someone the first escalation level pages at that moment: their page already names the role and
its first step, and one message is better than two. A reassignment or handoff always tells the
new holder. Notices go through the send log like pages (retries, idempotency, redaction) but an
acknowledgement does not cancel them: a communications lead still needs to know.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any

from firebreak.notify.redact import address_hash, redact_address
from firebreak.org import oncall
from firebreak.org.model import Person
from firebreak.store.db import UnitOfWork
from firebreak.store.tables import Incident, Notification, RoleAssignment
from firebreak.workspace import Workspace


def first_step(incident: Incident, role: str) -> str | None:
    """The first runbook step (as attached when the incident opened) that names ``role``."""
    for step in (incident.runbook or {}).get("steps", []):
        if step.get("role") == role:
            return f"{step.get('key')}: {step.get('text', '')}".strip()
    return None


def step_text(incident: Incident, role: str) -> str:
    step = first_step(incident, role)
    return f"first step {step}" if step else f"the runbook gives {role} no step"


def queue_to_contacts(
    uow: UnitOfWork,
    incident: Incident,
    person: Person,
    key: str,
    message: dict[str, Any],
    kind: str,
    now: datetime,
) -> int:
    """Queue ``message`` once per contact of ``person`` in the send log (idempotency key
    ``<key>-c<index>``), each due after its contact's ``delay``; returns rows queued."""
    for index, contact in enumerate(person.contacts):
        uow.notifications.add(
            Notification(
                idempotency_key=f"{key}-c{index}",
                incident_id=incident.id,
                timer_id=None,
                level=0,
                channel=contact.type,
                person_id=person.id,
                contact_index=index,
                contact_type=contact.type,
                address_redacted=redact_address(contact.type, contact.address),
                address_hash=address_hash(contact.address),
                message=message,
                kind=kind,
                status="pending",
                attempts=0,
                created_at=now,
                next_attempt_at=now + (contact.delay or timedelta(0)),
            )
        )
    return len(person.contacts)


def notice_text(incident: Incident, roles: list[str], how: str) -> str:
    drill = "DRILL " if incident.drill else ""
    steps = "; ".join(step_text(incident, role) for role in roles)
    return (
        f"{drill}[{incident.severity}] incident #{incident.id}: {incident.title}: you are "
        f"{' and '.join(roles)} ({how}); {steps}"
    )[:1000]


def paged_first(workspace: Workspace, incident: Incident, now: datetime) -> set[str]:
    """Who the first escalation level pages at ``now`` (their page carries their role)."""
    policy = workspace.org.escalation_policies.get(incident.escalation_policy or "")
    if policy is None or not policy.levels:
        return set()
    return {p for ref in policy.levels[0].targets for p in oncall.resolve(workspace.org, ref, now)}


def queue_notice(
    uow: UnitOfWork,
    workspace: Workspace,
    incident: Incident,
    assignment: RoleAssignment,
    how: str,
    now: datetime,
    roles: list[str] | None = None,
) -> int:
    """Queue one notice per contact of the role's new holder (naming every role in ``roles``,
    default the assignment's); returns rows queued."""
    person = workspace.org.people.get(assignment.person_id or "")
    if person is None or not person.contacts:
        return 0
    uow.session.flush()  # the assignment's id names the notice
    named = roles or [assignment.role]
    message: dict[str, Any] = {
        "title": incident.title,
        "severity": incident.severity,
        "role": ", ".join(named),
        "text": notice_text(incident, named, how),
        "drill": incident.drill,
        "kind": "role",
    }
    return queue_to_contacts(
        uow, incident, person, f"i{incident.id}-r{assignment.id}-{person.id}", message, "role", now
    )


def tell_holders(
    uow: UnitOfWork,
    workspace: Workspace,
    incident: Incident,
    assignments: Collection[RoleAssignment],
    now: datetime,
) -> None:
    """At opening: one notice to each role holder the first level does not page now, naming
    every role they hold."""
    paged = paged_first(workspace, incident, now)
    held: dict[str, list[RoleAssignment]] = {}
    for assignment in assignments:
        if assignment.person_id is not None and assignment.person_id not in paged:
            held.setdefault(assignment.person_id, []).append(assignment)
    for person_id, rows in held.items():
        roles = [r.role for r in rows]
        if queue_notice(uow, workspace, incident, rows[0], "assigned when it opened", now, roles):
            uow.incidents.add_timeline(
                incident.id,
                now,
                "firebreak",
                "role_notice_queued",
                f"telling {person_id} they are {' and '.join(roles)}",
                {"person": person_id, "roles": roles},
            )
