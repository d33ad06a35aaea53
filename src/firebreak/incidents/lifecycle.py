"""The incident lifecycle: one transition table and one function that applies it.

::

    triggered ─► acknowledged ─► mitigated ─► resolved
        └──────────────┴──────────────┴─────► resolved
    resolved ─► triggered (reopen); acknowledged ─► triggered (escalate, or a snooze ran out)

Every applied transition stamps its time on the incident and writes a timeline entry.
Anything not in ``TRANSITIONS`` raises ``Conflict`` saying what the incident's state allows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from firebreak.errors import Conflict
from firebreak.store.db import UnitOfWork
from firebreak.store.tables import Incident, TimelineEntry

STATUSES = ("triggered", "acknowledged", "mitigated", "resolved")

# (current status, action) -> new status
TRANSITIONS: dict[tuple[str, str], str] = {
    ("triggered", "acknowledge"): "acknowledged",
    ("triggered", "mitigate"): "mitigated",
    ("acknowledged", "mitigate"): "mitigated",
    ("triggered", "resolve"): "resolved",
    ("acknowledged", "resolve"): "resolved",
    ("mitigated", "resolve"): "resolved",
    ("resolved", "reopen"): "triggered",  # it came back: page again from level 1
    ("triggered", "escalate"): "triggered",  # page the next level now
    ("acknowledged", "escalate"): "triggered",
    ("acknowledged", "wake"): "triggered",  # a snooze ran out
}

# The timestamp each new status sets (only the first time).
STAMPS: dict[str, str] = {
    "acknowledged": "acknowledged_at",
    "mitigated": "mitigated_at",
    "resolved": "resolved_at",
}

# Words for the timeline.
PAST: dict[str, str] = {
    "acknowledge": "acknowledged",
    "mitigate": "mitigated",
    "resolve": "resolved",
    "reopen": "reopened",
    "escalate": "escalated",
    "wake": "paging again after the snooze, by",
}


def allowed(status: str) -> list[str]:
    """The actions the table allows from ``status``."""
    return [action for (state, action) in TRANSITIONS if state == status]


def apply(
    uow: UnitOfWork,
    incident: Incident,
    action: str,
    actor: str,
    now: datetime,
    text: str | None = None,
    data: dict[str, Any] | None = None,
) -> TimelineEntry:
    """Move ``incident`` by ``action`` as the table says, stamp the time, write the timeline."""
    target = TRANSITIONS.get((incident.status, action))
    if target is None:
        options = ", ".join(allowed(incident.status)) or "nothing (it is closed)"
        raise Conflict(
            f"incident {incident.id} is {incident.status}: cannot {action} it; "
            f"from {incident.status} it allows {options}"
        )
    before = incident.status
    incident.status = target
    stamp = STAMPS.get(target)
    if stamp is not None and getattr(incident, stamp) is None:
        setattr(incident, stamp, now)
    if target == "mitigated" and incident.acknowledged_at is None:
        incident.acknowledged_at = now  # mitigating is also a human answering the page
    entry_data = {"from": before, "to": target, **(data or {})}
    words = text or f"{PAST[action]} by {actor}"
    return uow.incidents.add_timeline(incident.id, now, actor, action, words, entry_data)
