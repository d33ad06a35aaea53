"""What the handoff and the review read: the store's incidents and marks, and the workspace's
runbooks, drills and org, as plain JSON-ready dicts."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from firebreak.drills.catalog import load_catalog
from firebreak.drills.scenario import ScenarioError
from firebreak.lint.findings import Finding
from firebreak.metrics.figures import Period
from firebreak.metrics.load import load_incidents, snapshot_steps
from firebreak.metrics.records import IncidentRecord, StepInfo
from firebreak.org.checks import check_workspace
from firebreak.review.gaps import Mark, group_marks
from firebreak.runbooks.lint import lint_runbook
from firebreak.store.tables import DrillRun, Incident, RoleAssignment, StepProgress
from firebreak.workspace import Workspace

STALE_CODES = ("FB201", "FB202", "FB203", "FB204")
KEY_PERSON_CODES = ("FB701", "FB702", "FB703")


def runbook_steps(workspace: Workspace, rows: Iterable[Incident]) -> dict[str, list[StepInfo]]:
    """Steps per runbook: the workspace's, with the snapshots incidents kept for the rest."""
    steps: dict[str, list[StepInfo]] = snapshot_steps(rows)
    for runbook in workspace.runbooks:
        if runbook.steps:
            steps[runbook.id] = [StepInfo(s.key, s.text) for s in runbook.steps]
    return steps


def incidents_with_marks(
    session: Session, period: Period
) -> tuple[list[tuple[IncidentRecord, list[Mark]]], list[Incident]]:
    """Incidents opened in ``period`` with their step marks in the order they were made."""
    records, rows = load_incidents(session, period)
    ids = [r.id for r in rows]
    marks: dict[int, list[Mark]] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        found = session.scalars(select(StepProgress).where(StepProgress.incident_id.in_(chunk)))
        marks.update(group_marks(found))
    return [(rec, marks.get(row.id, [])) for rec, row in zip(records, rows, strict=True)], rows


def open_incidents(session: Session) -> list[Incident]:
    return list(
        session.scalars(
            select(Incident).where(Incident.status != "resolved").order_by(Incident.opened_at)
        ).all()
    )


def commanders(session: Session, ids: Sequence[int]) -> dict[int, str | None]:
    """The current commander of each incident (None when nobody holds the role)."""
    out: dict[int, str | None] = {}
    for start in range(0, len(ids), 500):
        chunk = list(ids[start : start + 500])
        rows = session.scalars(
            select(RoleAssignment).where(
                RoleAssignment.incident_id.in_(chunk),
                RoleAssignment.role == "commander",
                RoleAssignment.released_at.is_(None),
            )
        )
        for row in rows:
            out[int(row.incident_id)] = row.person_id
    return out


def lint_findings(workspace: Workspace, today: date) -> list[Finding]:
    """The staleness and key-person findings the handoff and review show, computed here when
    the caller has none at hand (the service passes the findings it already caches)."""
    found: list[Finding] = []
    for runbook in workspace.runbooks:
        found += lint_runbook(runbook, workspace.settings, today)
    return found + check_workspace(workspace, today)


def findings(found: Sequence[Finding], codes: Sequence[str]) -> list[dict[str, Any]]:
    """The findings of the given codes, sorted, as lint's JSON shows them."""
    keep = sorted((f for f in found if f.code in codes), key=lambda f: f.sort_key())
    return [f.to_dict() for f in keep]


def drills_due(
    workspace: Workspace, session: Session, now: datetime, every: timedelta
) -> list[dict[str, Any]]:
    """Drills of this workspace not run (simulated or live) within ``every``, oldest first."""

    try:
        names = sorted(load_catalog(workspace))
    except ScenarioError:
        names = []  # lint reports broken drill files; the loop still shows what it can
    last: dict[str, datetime] = {}
    for name, started in session.execute(select(DrillRun.name, DrillRun.started_at)):
        if started <= now and (name not in last or started > last[name]):
            last[name] = started
    due = []
    for name in names:
        seen = last.get(name)
        if seen is None or seen < now - every:
            due.append(
                {
                    "drill": name,
                    "last_run": seen.isoformat() if seen else None,
                    "overdue_days": None if seen is None else (now - seen - every).days,
                }
            )
    due.sort(key=lambda d: (d["last_run"] is not None, d["last_run"] or "", d["drill"]))
    return due
