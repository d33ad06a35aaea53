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
from datetime import datetime, timedelta

from sqlalchemy import update

from firebreak.durations import format_duration
from firebreak.errors import Conflict, InputError, NotFound
from firebreak.incidents import lifecycle, notices
from firebreak.incidents.merge import merged_into
from firebreak.incidents.model import RESOLUTIONS, SEVERITIES
from firebreak.store.db import UnitOfWork
from firebreak.store.tables import (
    Alert,
    Incident,
    RoleAssignment,
    StepProgress,
    TimelineEntry,
    Timer,
)
from firebreak.workspace import Workspace

STEP_KEY = re.compile(r"^(diagnosis|mitigation)\.[1-9][0-9]*$")
STEP_STATUSES = ("done", "skipped", "expect_not_seen")  # the last: done, Expect not seen


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
    """triggered → acknowledged; stops the escalation. Acknowledging an incident that was merged
    into another (a page sent before the merge) acknowledges the one it was merged into."""

    incident = uow.incidents.get(incident_id, lock=True)
    into = merged_into(uow, incident)
    if into is not None:
        incident = uow.incidents.get(into, lock=True)
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
    """Record a runbook step (``mitigation.2``) as done, skipped, or done with its ``Expect:``
    not seen (``expect_not_seen``); a later mark replaces it."""
    if status not in STEP_STATUSES:
        raise InputError(f"status: expected done, skipped or expect_not_seen, got {status!r}")
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


# --- Actions a responder takes from the incident page (and the API) --------------------------

SNOOZE_MIN = timedelta(minutes=1)
SNOOZE_MAX = timedelta(hours=24)


def _restart_escalation(uow: UnitOfWork, incident: Incident, level: int, now: datetime) -> None:
    """Close the incident's open timers and page ``level`` now (the tick fires it)."""
    uow.timers.stop_for_incident(incident.id, outcome="replaced")
    uow.session.add(Timer(incident_id=incident.id, kind="escalate", due_at=now, level=level))


def escalate_now(
    uow: UnitOfWork, workspace: Workspace, incident_id: int, actor: str, now: datetime
) -> TimelineEntry:
    """Page the level after the one paged last, now (the last level again when none is left).
    An acknowledged incident goes back to triggered, so its escalation runs on from there."""
    incident = uow.incidents.get(incident_id, lock=True)
    policy = workspace.org.escalation_policies.get(incident.escalation_policy or "")
    if policy is None:
        raise Conflict(
            f"incident {incident.id} has no escalation policy: there is no level to page"
        )
    timers = uow.timers.for_incident(incident.id)
    fired = [t for t in timers if t.kind == "escalate" and t.outcome == "paged"]
    level = min(fired[-1].level + 1, len(policy.levels) - 1) if fired else 0
    again = " again (it is the last level)" if fired and fired[-1].level == level else ""
    text = f"escalated by {actor}: paging level {level + 1} of {policy.id} now{again}"
    entry = lifecycle.apply(uow, incident, "escalate", actor, now, text, {"level": level + 1})
    _restart_escalation(uow, incident, level, now)
    return entry


def add_responder(
    uow: UnitOfWork,
    workspace: Workspace,
    incident_id: int,
    person_id: str,
    actor: str,
    now: datetime,
) -> TimelineEntry:
    """Page one more person now, on each of their contacts (as PagerDuty's "add responders")."""
    person = workspace.org.people.get(person_id)
    if person is None:
        raise InputError(f"person: {person_id[:120]!r} is not a person id in the workspace's org")
    if not person.contacts:
        raise InputError(f"{person.name or person.id} has no contact to page: add one in org/")
    incident = uow.incidents.get(incident_id, lock=True)
    if incident.status == "resolved":
        raise Conflict(f"incident {incident.id} is resolved: reopen it before adding responders")
    entry = uow.incidents.add_timeline(
        incident.id,
        now,
        actor,
        "responder_added",
        f"{actor} added {person.id} as a responder: paging on "
        + ", ".join(c.type for c in person.contacts),
        {"person": person.id},
    )
    uow.session.flush()
    drill = "DRILL " if incident.drill else ""
    text = (
        f"{drill}[{incident.severity}] incident #{incident.id}: {incident.title} "
        f"({actor} asks you to respond; service {incident.service or '-'})"
    )
    message = {
        "title": incident.title,
        "severity": incident.severity,
        "role": "responder",
        "kind": "responder",
        "text": text,
        "drill": incident.drill,
    }
    notices.queue_to_contacts(
        uow,
        incident,
        person,
        f"i{incident.id}-responder{entry.id}-{person.id}",
        message,
        "page",
        now,
    )
    return entry


def snooze(
    uow: UnitOfWork, incident_id: int, duration: timedelta, actor: str, now: datetime
) -> TimelineEntry:
    """Hold an acknowledged incident quiet for ``duration``; then it is triggered and paged
    again from level 1, unless it was mitigated or resolved in between."""
    if not SNOOZE_MIN <= duration <= SNOOZE_MAX:
        raise InputError(
            f"snooze: expected a duration from {format_duration(SNOOZE_MIN)} to "
            f"{format_duration(SNOOZE_MAX)}, got {format_duration(duration)}"
        )
    incident = uow.incidents.get(incident_id, lock=True)
    if incident.status != "acknowledged":
        raise Conflict(
            f"incident {incident.id} is {incident.status}: only an acknowledged incident can be "
            "snoozed (acknowledge it first)"
        )
    uow.timers.stop_for_incident(incident.id, outcome="replaced")
    wake_at = now + duration
    uow.session.add(Timer(incident_id=incident.id, kind="snooze", due_at=wake_at, level=0))
    return uow.incidents.add_timeline(
        incident.id,
        now,
        actor,
        "snoozed",
        f"snoozed by {actor} for {format_duration(duration)}: pages again at "
        f"{wake_at.isoformat(timespec='seconds')}",
        {"until": wake_at.isoformat(), "seconds": duration.total_seconds()},
    )


def end_snooze(uow: UnitOfWork, incident: Incident, now: datetime) -> bool:
    """A snooze timer came due: trigger the incident and page level 1 again. False when the
    incident moved on meanwhile (mitigated, resolved, re-triggered) and nothing is to be done."""
    if incident.status != "acknowledged":
        return False
    lifecycle.apply(uow, incident, "wake", "firebreak", now, "the snooze ended: paging again")
    uow.session.add(Timer(incident_id=incident.id, kind="escalate", due_at=now, level=0))
    return True


def reopen(
    uow: UnitOfWork, incident_id: int, actor: str, now: datetime, note: str | None = None
) -> TimelineEntry:
    """resolved → triggered: the problem is back; the resolution is cleared and paging restarts."""
    incident = uow.incidents.get(incident_id, lock=True)
    was = incident.resolution
    text = f"reopened by {actor} (it was resolved as {was or 'unknown'})"
    if note:
        text += f": {note}"
    entry = lifecycle.apply(uow, incident, "reopen", actor, now, text, {"was": was})
    incident.resolution = None
    incident.resolved_at = None
    if incident.escalation_policy is not None:
        _restart_escalation(uow, incident, 0, now)
    return entry


def change_severity(
    uow: UnitOfWork, incident_id: int, severity: str, actor: str, now: datetime
) -> TimelineEntry:
    """Set the severity (sev1 worst .. sev4); the timeline keeps the old one."""
    if severity not in SEVERITIES:
        raise InputError(f"severity: expected one of {', '.join(SEVERITIES)}, got {severity!r}")
    incident = uow.incidents.get(incident_id, lock=True)
    if incident.severity == severity:
        raise InputError(f"incident {incident.id} is already {severity}")
    before, incident.severity = incident.severity, severity
    return uow.incidents.add_timeline(
        incident.id,
        now,
        actor,
        "severity_changed",
        f"severity {before} → {severity} (by {actor})",
        {"from": before, "to": severity},
    )


def merge_into(
    uow: UnitOfWork, incident_id: int, into_id: int, actor: str, now: datetime
) -> TimelineEntry:
    """Move this incident's alerts into ``into_id`` and resolve it as a duplicate of that one.
    Later alerts with the same fingerprints join the target."""
    if incident_id == into_id:
        raise InputError(f"incident {incident_id} cannot be merged into itself")
    first, second = sorted((incident_id, into_id))  # lock in id order: no deadlock
    try:
        locked = {i: uow.incidents.get(i, lock=True) for i in (first, second)}
    except NotFound as exc:
        if uow.session.get(Incident, incident_id) is None:
            raise
        raise InputError(f"there is no incident {into_id} to merge into") from exc
    source, target = locked[incident_id], locked[into_id]
    if source.status == "resolved":
        raise Conflict(f"incident {source.id} is already resolved: there is nothing to merge")
    if target.status == "resolved":
        raise Conflict(
            f"incident {target.id} is resolved: reopen it first, or merge into an open incident"
        )
    moved = _move_alerts(uow, source, target)
    target.services = sorted(set(target.services or []) | set(source.services or []))
    target.last_alert_at = max(target.last_alert_at, source.last_alert_at)
    text = f"merged into incident {target.id} by {actor}; resolved as duplicate"
    entry = lifecycle.apply(
        uow, source, "resolve", actor, now, text, {"resolution": "duplicate", "into": target.id}
    )
    source.resolution = "duplicate"
    _stop_escalation(uow, source, now, "merged")
    uow.incidents.add_timeline(
        target.id,
        now,
        actor,
        "merged",
        f"incident {source.id} ({source.title[:200]}) merged into this one by {actor}: "
        f"{moved} alert(s) moved",
        {"from": source.id, "alerts": moved},
    )
    return entry


def _move_alerts(uow: UnitOfWork, source: Incident, target: Incident) -> int:
    theirs = {a.fingerprint: a for a in uow.incidents.alerts(target.id)}
    moved = 0
    for row in uow.incidents.alerts(source.id):
        same = theirs.get(row.fingerprint)
        if same is None:
            row.incident_id = target.id
        else:
            same.count += row.count
            same.last_seen_at = max(same.last_seen_at, row.last_seen_at)
            same.first_seen_at = min(same.first_seen_at, row.first_seen_at)
            if row.last_seen_at >= same.last_seen_at:
                same.status = row.status
            uow.session.delete(row)
        moved += 1
    uow.session.flush()
    uow.session.execute(
        update(Alert).where(Alert.incident_id == source.id).values(incident_id=target.id)
    )
    return moved


def undo_step(
    uow: UnitOfWork, incident_id: int, step_key: str, actor: str, now: datetime
) -> TimelineEntry:
    """Take back a step's mark (done or skipped): it is open again; the timeline keeps both."""
    incident = uow.incidents.get(incident_id, lock=True)
    row = next((s for s in uow.incidents.steps(incident.id) if s.step_key == step_key), None)
    if row is None:
        raise InputError(f"step {step_key[:40]!r} is not marked done or skipped: nothing to undo")
    was, by = row.status, row.by
    uow.session.delete(row)
    return uow.incidents.add_timeline(
        incident.id,
        now,
        actor,
        "step_undone",
        f"step {step_key} no longer {was} (it was marked by {by}; undone by {actor})",
        {"step": step_key, "was": was},
    )
