"""When the source says every alert of an incident has cleared, and when one fires again.

- Cleared (Alertmanager ``status: resolved``, a PagerDuty ``resolve``, a generic ``resolved``
  for every fingerprint of the incident): escalation stops, unsent pages are cancelled, the
  incident records ``cleared_at`` and the timeline says so. Role notices still go out: the
  incident stays open until someone (or ``auto_resolve_after``) resolves it.
- With ``[incidents] auto_resolve_after`` set, an ``auto_resolve`` timer is due that long after;
  when it fires and the incident is still clear, it is resolved as fixed.
- An alert of a cleared incident firing again (or a new one joining it) clears ``cleared_at``,
  drops the auto-resolve timer and, while nobody has acknowledged, restarts the escalation that
  clearing stopped, at level 1.
"""

from __future__ import annotations

from datetime import datetime

from firebreak.durations import format_duration
from firebreak.incidents import actions, timers
from firebreak.store.db import UnitOfWork
from firebreak.store.tables import Incident, Timer
from firebreak.workspace import Workspace


def cleared(uow: UnitOfWork, workspace: Workspace, incident: Incident, now: datetime) -> None:
    """Every alert of ``incident`` has cleared at the source: stop paging for it."""
    if incident.status == "resolved" or incident.cleared_at is not None:
        return
    incident.cleared_at = now
    timers = uow.timers.stop_for_incident(incident.id, "cleared", ("escalate",))
    cancelled = uow.notifications.cancel_pending(incident.id, now, "page")
    after = workspace.settings.incidents.auto_resolve_after
    text = "every alert has cleared at the source"
    if incident.status == "triggered":
        text += f": escalation stopped, {cancelled} unsent page(s) cancelled"
    if after is not None:
        uow.session.add(
            Timer(incident_id=incident.id, kind="auto_resolve", due_at=now + after, level=0)
        )
        text += f"; it resolves itself in {format_duration(after)} if nothing fires again"
    uow.incidents.add_timeline(
        incident.id,
        now,
        "firebreak",
        "alerts_cleared",
        text,
        {"timers": timers, "cancelled": cancelled},
    )


def firing_again(
    uow: UnitOfWork, incident: Incident, alert_summary: str, source: str, now: datetime
) -> None:
    """An alert of a cleared incident fires (again): page again while nobody has answered."""
    if incident.cleared_at is None or incident.status == "resolved":
        return
    incident.cleared_at = None
    uow.timers.stop_for_incident(incident.id, "fired again", ("auto_resolve",))
    text = f"no longer clear: {alert_summary!r} fires"
    stopped = any(t.outcome == "cleared" for t in uow.timers.for_incident(incident.id))
    restart = incident.status == "triggered" and stopped
    if restart:
        text += "; escalation restarts at level 1"
    uow.incidents.add_timeline(incident.id, now, f"source:{source}", "alerts_firing", text)
    if restart:
        timers.start(uow, incident, now)


def auto_resolve(
    uow: UnitOfWork, workspace: Workspace, incident: Incident, timer: Timer, now: datetime
) -> None:
    """An ``auto_resolve`` timer fired: resolve the incident if it is still clear."""
    if incident.status == "resolved" or incident.cleared_at is None:
        timer.outcome = "stopped"
        return
    after = workspace.settings.incidents.auto_resolve_after or (now - incident.cleared_at)
    actions.resolve_cleared(uow, incident.id, now, format_duration(after))
    timer.outcome = "resolved"
