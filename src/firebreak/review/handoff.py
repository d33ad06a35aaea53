"""The shift handoff: what the person taking over must know, in one read.

Incidents of the shift and where they stand, open follow-ups, noisy triggers, runbook steps
skipped, who is on call next and the handoffs ahead, stale runbooks, and drills due.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from firebreak.errors import InputError
from firebreak.lint.findings import Finding
from firebreak.metrics.figures import Period, compute
from firebreak.org import board
from firebreak.review import sources
from firebreak.store.tables import Incident
from firebreak.workspace import Workspace

ONCALL_AHEAD = timedelta(days=7)
NEXT_STEP = {
    "triggered": "acknowledge it and take the commander role",
    "acknowledged": "mitigate it (the runbook's Mitigation steps)",
    "mitigated": "confirm the runbook's done_when holds, then resolve it",
}


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _incident(row: Incident, commander: str | None) -> dict[str, Any]:
    return {
        "id": row.id,
        "title": row.title,
        "severity": row.severity,
        "status": row.status,
        "resolution": row.resolution,
        "service": row.service,
        "runbook": row.runbook_id,
        "opened_at": _iso(row.opened_at),
        "acknowledged_at": _iso(row.acknowledged_at),
        "resolved_at": _iso(row.resolved_at),
        "commander": commander,
    }


def build_handoff(
    workspace: Workspace,
    session: Session,
    now: datetime,
    since: timedelta,
    lint: Sequence[Finding] | None = None,
) -> dict[str, Any]:
    """The handoff for the shift ``[now - since, now)``, JSON-ready; ``lint`` are the
    workspace's findings if the caller has them (else they are computed)."""
    if since <= timedelta(0):
        raise InputError(f"--since: a shift lasts longer than 0, got {since}")
    period = Period(now - since, now)
    marked, rows = sources.incidents_with_marks(session, period)
    production = [row for row in rows if not row.drill]
    still_open = [row for row in sources.open_incidents(session) if not row.drill]
    shown = {row.id: row for row in [*production, *still_open]}
    chiefs = sources.commanders(session, list(shown))
    steps = sources.runbook_steps(workspace, rows)
    figures = compute([rec for rec, _ in marked], [], period, steps)
    follow_ups = [
        {
            "incident": row.id,
            "title": row.title,
            "status": row.status,
            "next": NEXT_STEP.get(row.status, "resolve it"),
            "commander": chiefs.get(row.id),
            "open_for_s": max(0.0, (now - row.opened_at).total_seconds()),
        }
        for row in still_open
    ]
    on_call = board.to_json(
        workspace.org, now, ONCALL_AHEAD, board.board(workspace.org, now, [], 3, ONCALL_AHEAD)
    )
    noisy = [
        {"trigger": name, **value}
        for name, value in figures["false_alarm_rate_per_trigger"].items()
        if value.get("false_alarms")
    ]
    noisy.sort(key=lambda t: (-int(t["false_alarms"]), t["trigger"]))
    return {
        "kind": "handoff",
        "shift": period.to_json(),
        "workspace": workspace.settings.workspace.name,
        "incidents": [
            _incident(row, chiefs.get(row.id))
            for row in sorted(shown.values(), key=lambda r: r.opened_at)
        ],
        "follow_ups": follow_ups,
        "noisy_triggers": noisy,
        "skipped_steps": figures["skipped_steps"],
        "oncall": on_call["schedules"],
        "stale_runbooks": sources.findings(
            sources.lint_findings(workspace, now.date()) if lint is None else lint,
            sources.STALE_CODES,
        ),
        "drills_due": sources.drills_due(
            workspace, session, now, workspace.settings.review.drill_every
        ),
    }
