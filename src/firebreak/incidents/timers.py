"""The escalation timers' two moves that intake, clearing and the send log share: start an
incident's escalation at level 1, and make the next level due at once when every page of a
level failed. The rest of escalation (firing due timers, building pages) is ``escalation``."""

from __future__ import annotations

from datetime import datetime

from firebreak.store.db import UnitOfWork
from firebreak.store.tables import Incident, Notification, Timer


def start(uow: UnitOfWork, incident: Incident, now: datetime) -> None:
    """Start the incident's escalation at level 1, now (nothing to do without a policy)."""
    if incident.escalation_policy is None:
        uow.incidents.add_timeline(
            incident.id,
            now,
            "firebreak",
            "no_escalation",
            "no escalation policy (integration, labels, routes, runbook, service) and no "
            "[routing] default_escalation: nobody will be paged",
        )
        return
    uow.session.add(Timer(incident_id=incident.id, kind="escalate", due_at=now, level=0, attempt=0))


def move_on_if_unreached(uow: UnitOfWork, row: Notification, now: datetime) -> None:
    """After ``row`` failed for good: when every page of its level has failed, nobody at that
    level can answer, so the next timer (next level, or the first again while repeating) is due
    now instead of after ``ack_within``, and the timeline says why."""
    if row.timer_id is None:
        return
    siblings = [
        n for n in uow.notifications.for_incident(row.incident_id) if n.timer_id == row.timer_id
    ]
    if any(n.status != "failed" for n in siblings):
        return
    incident = uow.incidents.get(row.incident_id)
    if incident.status != "triggered":
        return
    people = sorted({n.person_id for n in siblings})
    following = [
        t for t in uow.timers.for_incident(incident.id) if not t.done and t.kind == "escalate"
    ]
    if not following:
        uow.incidents.add_timeline(
            incident.id,
            now,
            "firebreak",
            "level_unreached",
            f"every page of level {row.level + 1} failed ({', '.join(people)}); "
            "no level is left to try",
            {"level": row.level, "people": people},
        )
        return
    timer = min(following, key=lambda t: t.due_at)
    if timer.due_at > now:
        timer.due_at = now
    uow.incidents.add_timeline(
        incident.id,
        now,
        "firebreak",
        "level_unreached",
        f"every page of level {row.level + 1} failed on every contact of "
        f"{', '.join(people)}: moving to level {timer.level + 1} now",
        {"level": row.level, "people": people, "next_level": timer.level},
    )
