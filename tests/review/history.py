"""Six weeks of history in a real store, for the handoff and review tests.

Each week has worked incidents on the example's runbooks (some with a step skipped, one step
done out of order, one whose Expect was not seen), a false alarm on the outage trigger, drill
runs, and a live drill with participants. ``worse`` makes the last two weeks slower, noisier and
with failing drills, which the decay alarms must catch. A baseline is saved over the first two
weeks, as a team would before changing anything.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from firebreak.metrics.figures import Period
from firebreak.metrics.load import figures_from_session, save_baseline
from firebreak.store.db import Store
from firebreak.store.tables import DrillRun, Incident, RoleAssignment, StepProgress
from firebreak.workspace import Workspace

WEEKS = 6


def _snapshot(workspace: Workspace, runbook_id: str) -> dict[str, Any]:
    runbook = workspace.runbook(runbook_id)
    assert runbook is not None, runbook_id
    return {
        "title": runbook.title,
        "steps": [{"key": s.key, "text": s.text} for s in runbook.steps],
    }


def _incident(
    workspace: Workspace,
    runbook_id: str,
    opened: datetime,
    *,
    resolve_after: timedelta | None,
    resolution: str = "fixed",
    status: str = "resolved",
) -> Incident:
    runbook = workspace.runbook(runbook_id)
    assert runbook is not None
    return Incident(
        title=f"{runbook.title} at {opened:%d %b %H:%M}",
        status=status,
        resolution=resolution if resolve_after is not None else None,
        severity=runbook.severity or "sev2",
        service=runbook.service,
        scenario=runbook.scenario,
        group_key=f"{runbook.service}|{runbook.scenario}|{opened.isoformat()}",
        runbook_id=runbook_id,
        runbook=_snapshot(workspace, runbook_id),
        escalation_policy=None,
        opened_at=opened,
        last_alert_at=opened,
        acknowledged_at=opened + timedelta(minutes=3),
        mitigated_at=None,
        resolved_at=opened + resolve_after if resolve_after is not None else None,
        fault_started_at=opened - timedelta(minutes=2),
        drill=False,
        labels={"service": runbook.service, "scenario": runbook.scenario},
        services=[runbook.service],
        trigger=f"{runbook_id}#0",
    )


def write_history(store: Store, workspace: Workspace, now: datetime, *, worse: bool) -> None:
    """Write six weeks ending at ``now`` into ``store`` (upgraded, empty)."""
    start = now - timedelta(weeks=WEEKS)
    outage = "chat-api-inference-outage"
    with store.unit_of_work() as uow:
        session = uow.session
        for week in range(WEEKS):
            bad = worse and week >= WEEKS - 2
            base = start + timedelta(weeks=week, days=1, hours=9)
            mttr = timedelta(minutes=130 if bad else 40)
            worked = _incident(workspace, outage, base, resolve_after=mttr)
            session.add(worked)
            session.flush()
            steps = [s["key"] for s in (worked.runbook or {})["steps"]]
            # every step done but the last, which is skipped; the first two done out of order
            for i, key in enumerate(steps[:-1]):
                offset = timedelta(minutes=5 + i) if i > 1 else timedelta(minutes=6 - i)
                status = "expect_not_seen" if i == 2 else "done"
                session.add(
                    StepProgress(
                        incident_id=worked.id,
                        step_key=key,
                        status=status,
                        by="person:dana",
                        at=base + offset,
                    )
                )
            session.add(
                StepProgress(
                    incident_id=worked.id,
                    step_key=steps[-1],
                    status="skipped",
                    by="person:dana",
                    at=base + timedelta(minutes=30),
                )
            )
            session.add(
                RoleAssignment(
                    incident_id=worked.id,
                    role="commander",
                    person_id="dana",
                    reached_via="schedule:ml-platform-primary",
                    assigned_at=base,
                    released_at=None,
                )
            )
            falses = 3 if bad else 1
            for n in range(falses):
                session.add(
                    _incident(
                        workspace,
                        outage,
                        base + timedelta(days=2, hours=n),
                        resolve_after=timedelta(minutes=10),
                        resolution="false_alarm",
                    )
                )
            for n in range(2):
                session.add(
                    _incident(
                        workspace,
                        "agent-cost-spike",
                        base + timedelta(days=3, hours=n),
                        resolve_after=mttr,
                    )
                )
            for n, name in enumerate(("chat-api-total-outage", "provider-429-storm")):
                passed = not (bad and n == 0)
                at = base + timedelta(days=4, hours=n)
                session.add(
                    DrillRun(
                        name=name,
                        scenario="inference_outage",
                        team="ml-platform",
                        passed=passed,
                        objectives=[],
                        started_at=at,
                        finished_at=at + timedelta(minutes=5),
                        live=False,
                    )
                )
        # a live drill long ago, with participants: coverage names those who did not take part
        at = start + timedelta(days=2)
        session.add(
            DrillRun(
                name="chat-api-total-outage",
                scenario="inference_outage",
                team="ml-platform",
                passed=True,
                objectives=[],
                started_at=at,
                finished_at=at + timedelta(hours=1),
                live=True,
                runbook=outage,
                participants=["dana"],
            )
        )
        # one incident still open in the last shift
        session.add(
            _incident(
                workspace,
                outage,
                now - timedelta(hours=2),
                resolve_after=None,
                status="acknowledged",
            )
        )
        session.flush()
        figures = figures_from_session(session, Period(start, start + timedelta(weeks=2)))
        save_baseline(session, "before-changes", figures, start + timedelta(weeks=2), replace=False)
