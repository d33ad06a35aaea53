"""Who has not drilled a runbook they may be paged for: the people-side of drill coverage.

A person may be paged for a runbook when they can be reached through its escalation policy (the
runbook's, else its service's) or fill one of its roles: every member of those schedules and
teams, and the people named. A person has drilled the runbook when a drill run that exercised it
(``drill_runs.runbook``) lists them among its participants within the window (90 days by
default). Simulated drills have no participants: they rehearse the system, not the people; live
drills list the people they paged, tabletop drills the person who walked through them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from firebreak.org import oncall
from firebreak.store.db import Store
from firebreak.store.tables import DrillRun
from firebreak.workspace import Workspace

WINDOW = timedelta(days=90)


@dataclass(frozen=True)
class Participation:
    runbook: str
    people: tuple[str, ...]
    at: datetime


@dataclass(frozen=True)
class Gap:
    """``person`` may be paged for ``runbook`` and has not drilled it in the window."""

    person: str
    runbook: str
    last_drilled: datetime | None  # their latest drill of it, if older than the window

    def as_json(self) -> dict[str, str | None]:
        last = self.last_drilled.isoformat() if self.last_drilled else None
        return {"person": self.person, "runbook": self.runbook, "last_drilled": last}


def pageable(workspace: Workspace) -> dict[str, set[str]]:
    """Runbook id -> every person who may be paged for it or fill one of its roles."""
    org = workspace.org
    out: dict[str, set[str]] = {}
    for runbook in workspace.runbooks:
        refs = list(runbook.roles.values())
        service = org.services.get(runbook.service or "")
        policy_id = runbook.escalation or (service.escalation if service else None)
        policy = org.escalation_policies.get(policy_id or "")
        if policy is not None:
            refs += [ref for level in policy.levels for ref in level.targets]
        out[runbook.id] = {p for ref in refs for p in oncall.members(org, ref)}
    return out


def participations(store: Store) -> list[Participation]:
    """Every recorded drill run that names a runbook and its participants."""
    with store.unit_of_work(readonly=True) as uow:
        rows = uow.session.scalars(
            select(DrillRun).where(DrillRun.runbook.is_not(None)).order_by(DrillRun.started_at)
        ).all()
        return [
            Participation(str(r.runbook), tuple(r.participants or ()), r.started_at) for r in rows
        ]


def undrilled(
    workspace: Workspace, runs: Iterable[Participation], now: datetime, window: timedelta = WINDOW
) -> list[Gap]:
    """Each (person, runbook) pair with no drill in ``window`` before ``now``, sorted."""
    last: dict[tuple[str, str], datetime] = {}
    for run in runs:
        if run.at > now:
            continue
        for person in run.people:
            key = (person, run.runbook)
            last[key] = max(run.at, last.get(key, run.at))
    gaps = []
    for runbook, people in sorted(pageable(workspace).items()):
        for person in sorted(people):
            seen = last.get((person, runbook))
            if seen is None or seen < now - window:
                gaps.append(Gap(person, runbook, seen))
    return sorted(gaps, key=lambda g: (g.person, g.runbook))
