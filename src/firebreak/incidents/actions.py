"""What people (and the API, the drills and the CLI) do to an incident.

Each action takes the caller's unit of work (it never commits), the incident id, the actor (a
person id, ``token:<name>``, ``drill``, ``source:pagerduty`` …) and ``now``, and writes at least
one timeline entry. Acknowledging, mitigating and resolving stop the escalation: open timers are
closed and pages not yet sent are cancelled.

Resolving as ``fixed`` (or ``drill``) asks for the runbook's ``done_when`` to hold. firebreak
cannot evaluate those conditions from here (the store holds no signal data), so the caller must
say so: ``confirm_done=True`` records on the timeline that the actor confirmed each criterion.
Whoever evaluates the signals (a detector, a drill) passes ``confirm_done=True`` with itself as
the actor. ``false_alarm`` and ``duplicate`` need no confirmation: there was nothing to fix.
A runbook without ``done_when`` (or no runbook) needs none either; the timeline says so.
"""

from __future__ import annotations

import re
from datetime import datetime

from firebreak.errors import Conflict, InputError
from firebreak.incidents import lifecycle, notices
from firebreak.incidents.model import RESOLUTIONS
from firebreak.store.db import UnitOfWork
from firebreak.store.tables import Incident, RoleAssignment, StepProgress, TimelineEntry
from firebreak.workspace import Workspace

STEP_KEY = re.compile(r"^(diagnosis|mitigation)\.[1-9][0-9]*$")
STEP_STATUSES = ("done", "skipped")


def _stop_escalation(uow: UnitOfWork, incident: Incident, now: datetime, why: str) -> None:
    """Close escalation timers and cancel unsent pages; resolving also closes every other timer
    (auto-resolve) and unsent role notices, which outlive an acknowledgement."""
    closing = why == "resolved"
    timers = uow.timers.stop_for_incident(incident.id, why, None if closing else ("escalate",))
    cancelled = uow.notifications.cancel_pending(incident.id, now, None if closing else "page")
    if timers or cancelled:
        uow.incidents.add_timeline(
            incident.id,
            now,
            "firebreak",
            "escalation_stopped",
            f"escalation stopped ({why}); {cancelled} unsent page(s) cancelled",
            {"timers": timers, "cancelled": cancelled},
        )


def acknowledge(uow: UnitOfWork, incident_id: int, actor: str, now: datetime) -> TimelineEntry:
    """triggered → acknowledged; stops the escalation."""
    incident = uow.incidents.get(incident_id, lock=True)
    entry = lifecycle.apply(uow, incident, "acknowledge", actor, now)
    _stop_escalation(uow, incident, now, "acknowledged")
    return entry


def mitigate(
    uow: UnitOfWork, incident_id: int, actor: str, now: datetime, note: str | None = None
) -> TimelineEntry:
    """triggered|acknowledged → mitigated (the bleeding stopped; the cause may remain)."""
    incident = uow.incidents.get(incident_id, lock=True)
    text = f"mitigated by {actor}" + (f": {note}" if note else "")
    entry = lifecycle.apply(uow, incident, "mitigate", actor, now, text)
    _stop_escalation(uow, incident, now, "mitigated")
    return entry


def done_when(incident: Incident) -> list[str]:
    """The attached runbook's exit criteria, as written when the incident opened."""
    snapshot = incident.runbook or {}
    return [str(item) for item in snapshot.get("done_when", [])]


def resolve(
    uow: UnitOfWork,
    incident_id: int,
    actor: str,
    now: datetime,
    resolution: str,
    note: str | None = None,
    confirm_done: bool = False,
) -> TimelineEntry:
    """Close the incident with a resolution (fixed | false_alarm | duplicate | drill)."""
    if resolution not in RESOLUTIONS:
        raise InputError(
            f"resolution: expected one of {', '.join(RESOLUTIONS)}, got {resolution!r}"
        )
    incident = uow.incidents.get(incident_id, lock=True)
    criteria = done_when(incident)
    needs_proof = resolution in ("fixed", "drill") and bool(criteria)
    if needs_proof and not confirm_done and incident.status != "resolved":
        raise Conflict(
            f"incident {incident.id} cannot be resolved as {resolution} yet: its runbook says it is "
            f"done when {'; '.join(criteria)}. Confirm that these hold (confirm_done) or resolve "
            f"as false_alarm or duplicate"
        )
    text = f"resolved as {resolution} by {actor}"
    if needs_proof:
        text += f"; {actor} confirmed: {'; '.join(criteria)}"
    elif resolution in ("fixed", "drill") and not criteria:
        text += " (the runbook sets no exit criteria)"
    if note:
        text += f". {note}"
    entry = lifecycle.apply(uow, incident, "resolve", actor, now, text, {"resolution": resolution})
    incident.resolution = resolution
    _stop_escalation(uow, incident, now, "resolved")
    return entry


def resolve_cleared(uow: UnitOfWork, incident_id: int, now: datetime, after: str) -> TimelineEntry:
    """Resolve as fixed because every alert cleared at the source ``after`` ago and stayed so
    (``[incidents] auto_resolve_after``). The source's word stands in for ``done_when``."""
    incident = uow.incidents.get(incident_id, lock=True)
    text = (
        f"auto-resolved as fixed: every alert has been clear at the source for {after} "
        "([incidents] auto_resolve_after)"
    )
    entry = lifecycle.apply(
        uow, incident, "resolve", "firebreak", now, text, {"resolution": "fixed", "auto": True}
    )
    incident.resolution = "fixed"
    _stop_escalation(uow, incident, now, "resolved")
    return entry


def add_note(
    uow: UnitOfWork, incident_id: int, actor: str, now: datetime, text: str
) -> TimelineEntry:
    if not text.strip():
        raise InputError("note: expected some text")
    incident = uow.incidents.get(incident_id)
    return uow.incidents.add_timeline(incident.id, now, actor, "note", text.strip()[:10_000])


def _assign(
    uow: UnitOfWork,
    incident: Incident,
    role: str,
    person_id: str | None,
    via: str,
    now: datetime,
    workspace: Workspace | None = None,
) -> RoleAssignment | None:
    """Release the current holder of ``role`` and give it to ``person_id``; return the old row.
    Given the ``workspace``, the new holder is told on their contacts."""
    previous = next((r for r in uow.incidents.roles(incident.id) if r.role == role), None)
    if previous is not None:
        previous.released_at = now
    assignment = RoleAssignment(
        incident_id=incident.id,
        role=role,
        person_id=person_id,
        reached_via=via,
        assigned_at=now,
    )
    uow.session.add(assignment)
    if workspace is not None:
        notices.queue_notice(uow, workspace, incident, assignment, via, now)
    return previous


def reassign_role(
    uow: UnitOfWork,
    incident_id: int,
    role: str,
    person_id: str,
    actor: str,
    now: datetime,
    workspace: Workspace | None = None,
) -> TimelineEntry:
    """Give ``role`` to ``person_id`` (the previous holder is kept as history); given the
    ``workspace``, the new holder is told."""
    if not role.strip() or not person_id.strip():
        raise InputError("role and person: expected non-empty ids")
    incident = uow.incidents.get(incident_id, lock=True)
    previous = _assign(uow, incident, role, person_id, f"reassigned by {actor}", now, workspace)
    before = previous.person_id if previous and previous.person_id else "nobody"
    return uow.incidents.add_timeline(
        incident.id,
        now,
        actor,
        "role_reassigned",
        f"{role}: {before} → {person_id} (by {actor})",
        {"role": role, "from": before, "to": person_id},
    )


def handoff(
    uow: UnitOfWork,
    incident_id: int,
    to_person: str,
    actor: str,
    now: datetime,
    note: str | None = None,
    from_person: str | None = None,
    workspace: Workspace | None = None,
) -> TimelineEntry:
    """Hand every role ``from_person`` (default: the actor) holds to ``to_person`` (told, given
    the ``workspace``)."""
    giver = from_person or actor
    incident = uow.incidents.get(incident_id, lock=True)
    held = [r.role for r in uow.incidents.roles(incident.id) if r.person_id == giver]
    if not held:
        raise Conflict(f"{giver} holds no role on incident {incident.id}: nothing to hand off")
    for role in held:
        _assign(uow, incident, role, to_person, f"handoff from {giver}", now, workspace)
    text = f"{giver} handed off {', '.join(held)} to {to_person}"
    if note:
        text += f": {note}"
    return uow.incidents.add_timeline(
        incident.id,
        now,
        actor,
        "handoff",
        text,
        {"from": giver, "to": to_person, "roles": held},
    )


def mark_step(
    uow: UnitOfWork, incident_id: int, step_key: str, status: str, actor: str, now: datetime
) -> TimelineEntry:
    """Record a runbook step (``mitigation.2``) as done or skipped; a later mark replaces it."""
    if status not in STEP_STATUSES:
        raise InputError(f"status: expected done or skipped, got {status!r}")
    if not STEP_KEY.match(step_key):
        raise InputError(
            f"step: expected a key such as diagnosis.1 or mitigation.2, got {step_key!r}"
        )
    incident = uow.incidents.get(incident_id, lock=True)
    steps = {s["key"]: s for s in (incident.runbook or {}).get("steps", [])}
    if step_key not in steps:
        known = ", ".join(steps) or "none (no runbook attached)"
        raise InputError(f"step {step_key!r} is not in the attached runbook; its steps: {known}")
    row = next((s for s in uow.incidents.steps(incident.id) if s.step_key == step_key), None)
    if row is None:
        uow.session.add(
            StepProgress(
                incident_id=incident.id, step_key=step_key, status=status, by=actor, at=now
            )
        )
    else:
        row.status, row.by, row.at = status, actor, now
    title = steps[step_key].get("text", "")
    return uow.incidents.add_timeline(
        incident.id,
        now,
        actor,
        f"step_{status}",
        f"step {step_key} {status}: {title}"[:500],
        {"step": step_key, "status": status},
    )


def set_fault_start(
    uow: UnitOfWork, incident_id: int, at: datetime, actor: str, now: datetime
) -> TimelineEntry:
    """Record when the fault began (for MTTD), as a responder learned it."""
    incident = uow.incidents.get(incident_id, lock=True)
    if at > incident.opened_at:
        raise InputError("fault start: expected a time at or before the incident opened")
    incident.fault_started_at = at
    return uow.incidents.add_timeline(
        incident.id,
        now,
        actor,
        "fault_start",
        f"fault started at {at.isoformat()}",
        {"at": at.isoformat()},
    )
