"""Read the records the figures need from the store, and keep baselines in it.

Everything here runs inside a unit of work the caller owns; nothing commits.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from firebreak.errors import Conflict, InputError, NotFound
from firebreak.incidents.postmortem import runbook_steps as snapshot_runbook_steps
from firebreak.metrics.figures import Period, compute
from firebreak.metrics.records import DrillRunRecord, IncidentRecord, StepInfo
from firebreak.metrics.timeseries import timeseries
from firebreak.runbooks.model import Runbook
from firebreak.store.tables import Baseline, DrillRun, Incident, StepProgress

MAX_NAME = 200


def incident_record(row: Incident, steps: Iterable[StepProgress] = ()) -> IncidentRecord:
    """The figures' view of one stored incident and its step marks."""
    marks = list(steps)
    return IncidentRecord(
        id=str(row.id),
        title=row.title,
        opened_at=row.opened_at,
        acknowledged_at=row.acknowledged_at,
        mitigated_at=row.mitigated_at,
        resolved_at=row.resolved_at,
        fault_started_at=row.fault_started_at,
        resolution=row.resolution,
        drill=bool(row.drill),
        runbook_id=row.runbook_id,
        trigger=trigger_of(row),
        service=row.service,
        scenario=row.scenario,
        severity=row.severity,
        services=tuple(row.services or ()),
        steps_done=frozenset(m.step_key for m in marks if m.status == "done"),
        steps_skipped=frozenset(m.step_key for m in marks if m.status == "skipped"),
    )


def trigger_of(row: Incident) -> str | None:
    """What opened it: ``runbook#index`` for firebreak's detectors, else the alert's name."""
    if row.trigger:
        return row.trigger
    labels = row.labels or {}
    name = labels.get("alertname") or labels.get("trigger")
    return str(name) if name else None


def _in_period(query: Any, column: Any, period: Period) -> Any:
    if period.since is not None:
        query = query.where(column >= period.since)
    if period.until is not None:
        query = query.where(column < period.until)
    return query


def load_incidents(session: Session, period: Period) -> tuple[list[IncidentRecord], list[Incident]]:
    """Incidents opened in ``period`` (drills included: the figures leave them out), with rows."""
    rows = list(session.scalars(_in_period(select(Incident), Incident.opened_at, period)).all())
    marks: dict[int, list[StepProgress]] = defaultdict(list)
    ids = [r.id for r in rows]
    for chunk_start in range(0, len(ids), 500):  # stay under bound-parameter limits
        chunk = ids[chunk_start : chunk_start + 500]
        for mark in session.scalars(
            select(StepProgress).where(StepProgress.incident_id.in_(chunk))
        ):
            marks[mark.incident_id].append(mark)
    return [incident_record(r, marks[r.id]) for r in rows], rows


def load_drill_runs(session: Session, period: Period) -> list[DrillRunRecord]:
    """Drill runs started in ``period``."""
    rows = session.scalars(_in_period(select(DrillRun), DrillRun.started_at, period)).all()
    return [
        DrillRunRecord(
            name=r.name,
            scenario=r.scenario,
            passed=bool(r.passed),
            started_at=r.started_at,
            team=r.team,
            kind="live" if r.live else "simulated",
            verified=not any(
                o.get("name") == "verified" and not o.get("passed") for o in r.objectives or []
            ),
        )
        for r in rows
    ]


def snapshot_steps(rows: Iterable[Incident]) -> dict[str, list[StepInfo]]:
    """Each runbook's steps as the newest incident that attached it recorded them."""
    out: dict[str, list[StepInfo]] = {}
    for row in sorted(rows, key=lambda r: r.opened_at):
        if row.runbook_id and isinstance(row.runbook, Mapping):
            steps = snapshot_runbook_steps(row.runbook)
            if steps:
                out[row.runbook_id] = steps
    return out


def check_name(name: str) -> str:
    cleaned = name.strip()
    if not cleaned or len(cleaned) > MAX_NAME or not cleaned.isprintable():
        raise InputError(f"a baseline name is 1 to {MAX_NAME} printable characters, got {name!r}")
    return cleaned


def save_baseline(
    session: Session, name: str, figures: Mapping[str, Any], now: datetime, *, replace: bool
) -> Baseline:
    """Store ``figures`` under ``name``; an existing name needs ``replace``."""
    name = check_name(name)
    found = session.scalars(select(Baseline).where(Baseline.name == name)).first()
    if found is not None and not replace:
        raise Conflict(
            f"baseline {name!r} already exists (saved {found.created_at:%Y-%m-%d %H:%M} UTC); "
            "choose another name or pass --replace"
        )
    if found is None:
        found = Baseline(name=name, created_at=now, figures=dict(figures))
        session.add(found)
    else:
        found.created_at = now
        found.figures = dict(figures)
    session.flush()
    return found


def get_baseline(session: Session, name: str) -> Baseline:
    found = session.scalars(select(Baseline).where(Baseline.name == name.strip())).first()
    if found is None:
        names = [b.name for b in list_baselines(session)]
        known = f"; saved baselines: {', '.join(names)}" if names else "; none is saved yet"
        raise NotFound(f"no baseline named {name!r}{known}")
    return found


def list_baselines(session: Session) -> Sequence[Baseline]:
    return session.scalars(select(Baseline).order_by(Baseline.created_at, Baseline.id)).all()


StepsFor = Callable[[set[str]], Mapping[str, Sequence[StepInfo]]]


def figures_from_session(
    session: Session, period: Period, steps_for: StepsFor | None = None
) -> dict[str, Any]:
    """Every figure for ``period``: what ``firebreak report``, ``/api/metrics`` and the figures
    page show.

    Runbook steps come from the snapshots incidents keep; ``steps_for`` is asked for the
    runbooks the period's incidents name that have none (the workspace's, when it loads).
    """
    records, rows = load_incidents(session, period)
    runs = load_drill_runs(session, period)
    steps: dict[str, Sequence[StepInfo]] = dict(snapshot_steps(rows))
    missing = {r.runbook_id for r in records if r.runbook_id and r.runbook_id not in steps}
    if missing and steps_for is not None:
        steps.update(steps_for(missing))
    return compute(records, runs, period, steps)


def runbook_steps(runbooks: Iterable[Runbook], wanted: set[str]) -> dict[str, list[StepInfo]]:
    """The steps of the ``wanted`` runbooks that have steps, as the figures read them."""
    return {
        rb.id: [StepInfo(s.key, s.text) for s in rb.steps]
        for rb in runbooks
        if rb.id in wanted and rb.steps
    }


def series_from_session(
    session: Session, period: Period, bucket: Literal["day", "week"] = "week"
) -> list[dict[str, Any]]:
    """The figures per day or week over ``period``, for charts."""
    records, _ = load_incidents(session, period)
    runs = load_drill_runs(session, period)
    return timeseries(records, runs, bucket, period.since, period.until)
