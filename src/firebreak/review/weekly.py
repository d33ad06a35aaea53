"""The weekly review: the three figures against the baseline and over the last weeks, so gains
do not decay unseen, with what needs a person's attention: decay alarms first, then runbooks gone
stale, drills not run, execution gaps, who has not drilled what they may be paged for, triggers
by false alarms per week, and key-person risk.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from firebreak.detect.backtest import report
from firebreak.detect.batch import evaluate
from firebreak.detect.plan import compile_plans
from firebreak.drills.coverage import Participation, undrilled
from firebreak.errors import InputError, NotFound
from firebreak.lint.findings import Finding
from firebreak.metrics.baselines import compare
from firebreak.metrics.figures import REPORT_VERSION, Period, compute
from firebreak.metrics.load import load_drill_runs
from firebreak.metrics.timeseries import bucket_start, timeseries
from firebreak.review import capture, sources
from firebreak.review.decay import decay_alarms
from firebreak.review.gaps import execution_gaps
from firebreak.signals.readers import read_many
from firebreak.store.tables import Baseline, DrillRun
from firebreak.workspace import Workspace

MAX_WEEKS = 52


def check_baseline(figures: Any, name: str) -> dict[str, Any]:
    """A baseline's figures, or a clear error when they are not a report of this version."""
    if not isinstance(figures, Mapping) or "mttr_s" not in figures:
        raise InputError(
            f"baseline {name}: not the JSON of `firebreak report --format json` "
            "(no mttr_s); save one with `firebreak report baseline save NAME`"
        )
    version = figures.get("version")
    if version != REPORT_VERSION:
        raise InputError(
            f"baseline {name}: written by another firebreak version (report version "
            f"{version if version is not None else 'none'}; this one reads {REPORT_VERSION}); "
            "save the baseline again with `firebreak report baseline save NAME --replace`, "
            "or start a new capture with `firebreak baseline start`"
        )
    return dict(figures)


def pick_baseline(session: Session, name: str | None) -> tuple[str, str, dict[str, Any]] | None:
    """(name, saved_at, figures) of the named baseline, else the newest; None when none is saved."""
    query = select(Baseline).order_by(Baseline.created_at.desc(), Baseline.id.desc())
    if name:
        query = select(Baseline).where(Baseline.name == name.strip())
    row = session.scalars(query).first()
    if row is None:
        if name:
            raise NotFound(
                f"no baseline named {name!r}; `firebreak report baseline list` lists them"
            )
        return None
    return row.name, row.created_at.isoformat(), check_baseline(row.figures, repr(row.name))


def read_baseline_file(path: Path) -> tuple[str, str, dict[str, Any]]:
    """A baseline from a file of ``firebreak report --format json``."""

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"--baseline-file: no such file: {path}") from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise InputError(f"--baseline-file {path}: not readable JSON ({exc})") from None
    return path.name, "", check_baseline(data, str(path))


def _coverage(workspace: Workspace, session: Session, now: datetime) -> list[dict[str, Any]]:

    rows = session.scalars(select(DrillRun).where(DrillRun.runbook.is_not(None))).all()
    runs = [Participation(str(r.runbook), tuple(r.participants or ()), r.started_at) for r in rows]
    per_person: dict[str, list[dict[str, str | None]]] = {}
    for gap in undrilled(workspace, runs, now):
        per_person.setdefault(gap.person, []).append(
            {"runbook": gap.runbook, "last_drilled": gap.as_json()["last_drilled"]}
        )
    return [{"person": p, "undrilled": items} for p, items in sorted(per_person.items())]


def _threshold(workspace: Workspace, trigger: str) -> dict[str, Any] | None:
    runbook_id, _, index = trigger.rpartition("#")
    runbook = workspace.runbook(runbook_id)
    if runbook is None or not index.isdigit() or int(index) >= len(runbook.triggers):
        return None
    trig = runbook.triggers[int(index)]
    above = getattr(trig, "above", None)
    below = getattr(trig, "below", None)
    if above is None and below is None:
        return None
    return {"signal": trig.signal, "above": above, "below": below}


def noisy_triggers(
    workspace: Workspace,
    records: Sequence[Any],
    weeks: float,
    suggestions: Mapping[str, float | None] | None = None,
) -> list[dict[str, Any]]:
    """Triggers ranked by false alarms per week over the records, with the backtest's
    suggested threshold where a telemetry file was given."""
    false_alarms: Counter[str] = Counter()
    resolved: Counter[str] = Counter()
    for record in records:
        if record.is_drill or not record.is_resolved:
            continue
        name = record.trigger or "(unknown)"
        resolved[name] += 1
        false_alarms[name] += record.resolution == "false_alarm"
    out = []
    for name, count in false_alarms.items():
        if not count:
            continue
        current = _threshold(workspace, name)
        entry: dict[str, Any] = {
            "trigger": name,
            "false_alarms": count,
            "resolved": resolved[name],
            "false_alarms_per_week": count / weeks,
            "threshold": current,
            "suggested": None,
        }
        if suggestions is not None and name in suggestions:
            entry["suggested"] = suggestions[name]
        elif current is not None:
            entry["how"] = (
                "run `firebreak review --telemetry FILE` (or `firebreak backtest`) for a "
                "suggested threshold"
            )
        out.append(entry)
    out.sort(key=lambda t: (-t["false_alarms_per_week"], t["trigger"]))
    return out


def backtest_suggestions(
    workspace: Workspace, telemetry: Sequence[Path]
) -> dict[str, float | None]:
    """``runbook#index`` -> the backtest's suggested threshold over ``telemetry``."""

    prices = workspace.root / "prices.yaml"
    data = read_many(list(telemetry), prices if prices.is_file() else None)
    plans = compile_plans(workspace.runbooks, timedelta(seconds=30))
    result = report([evaluate(plan, data) for plan in plans], data, None, 1.0)
    return {
        f"{t['runbook']}#{t['trigger']}": t.get("suggested_threshold")
        for t in result["triggers"]
        if "suggested_threshold" in t
    }


def build_review(
    workspace: Workspace,
    session: Session,
    now: datetime,
    period: timedelta,
    *,
    weeks: int = 6,
    baseline_name: str | None = None,
    baseline: tuple[str, str, dict[str, Any]] | None = None,
    suggestions: Mapping[str, float | None] | None = None,
    complete_captures: bool = True,
    lint: Sequence[Finding] | None = None,
) -> dict[str, Any]:
    """The review of ``[now - period, now)`` with ``weeks`` weeks of trend, JSON-ready.

    With ``complete_captures`` it first saves every baseline capture whose period has ended
    (the session must then be writable); the service's tick does that on its own.
    """
    if period <= timedelta(0):
        raise InputError(f"--period: a review covers more than 0, got {period}")
    if not 1 <= weeks <= MAX_WEEKS:
        raise InputError(f"--weeks: from 1 to {MAX_WEEKS}, got {weeks}")
    saved_now = capture.complete_due(session, now) if complete_captures else []
    span = Period(now - period, now)
    marked, rows = sources.incidents_with_marks(session, span)
    records = [rec for rec, _ in marked]
    steps = sources.runbook_steps(workspace, rows)
    figures = compute(records, load_drill_runs(session, span), span, steps)
    chosen = baseline or pick_baseline(session, baseline_name or workspace.settings.review.baseline)
    comparison = None
    if chosen is not None:
        comparison = {
            "baseline": chosen[0],
            "saved_at": chosen[1] or None,
            "baseline_period": chosen[2].get("period"),
            "figures": [c.to_json() for c in compare(chosen[2], figures)],
        }
    trend_since = bucket_start(now - timedelta(weeks=weeks - 1), "week")
    trend_span = Period(trend_since, now)
    trend_marked, _ = sources.incidents_with_marks(session, trend_span)
    trend_records = [rec for rec, _ in trend_marked]
    trend = timeseries(
        trend_records, load_drill_runs(session, trend_span), "week", trend_since, now
    )
    trend_weeks = max((now - trend_since) / timedelta(weeks=1), 1 / 7)
    review = workspace.settings.review
    found = sources.lint_findings(workspace, now.date()) if lint is None else lint
    return {
        "kind": "review",
        "workspace": workspace.settings.workspace.name,
        "period": span.to_json(),
        "decay": decay_alarms(figures, chosen[2] if chosen else None, review),
        "figures": {
            "incidents": figures["incidents"],
            "resolved": figures["resolved"],
            "mtta_s": figures["mtta_s"],
            "mttr_s": figures["mttr_s"],
            "mttd_s": figures["mttd_s"],
            "false_alarm_rate": figures["false_alarm_rate"],
            "drill_pass_rate": figures["drill_pass_rate"],
            "drills": figures["drills"],
        },
        "comparison": comparison,
        "baseline_captures": capture.captures(session, now),
        "baselines_saved_now": saved_now,
        "trend": trend,
        "stale_runbooks": sources.findings(found, sources.STALE_CODES),
        "drills_not_run": sources.drills_due(workspace, session, now, review.drill_every),
        "execution_gaps": execution_gaps(trend_marked, steps),
        "drill_coverage": _coverage(workspace, session, now),
        "noisy_triggers": noisy_triggers(workspace, trend_records, trend_weeks, suggestions),
        "key_person": sources.findings(found, sources.KEY_PERSON_CODES),
    }
