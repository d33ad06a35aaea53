"""Backtest: replay history through the triggers, score them against labelled incidents, and
suggest thresholds that keep false alarms under a weekly budget without silencing past firings."""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from firebreak.detect.batch import Outcome
from firebreak.detect.events import Firing
from firebreak.detect.suggest import suggest
from firebreak.detect.transitions import at_time
from firebreak.errors import InputError, Location
from firebreak.signals.columns import parse_time
from firebreak.signals.schema import Telemetry

WEEK_S = 7 * 86400.0


@dataclass(frozen=True)
class Incident:
    start: float
    end: float
    service: str
    scenario: str


def read_labels(path: Path) -> list[Incident]:
    """``start,end,service,scenario`` rows (UTC ISO 8601)."""
    source = str(path)
    if not path.is_file():
        raise InputError("labels file not found", location=Location(source))
    reader = csv.DictReader(path.read_text(encoding="utf-8").splitlines())
    need = ["start", "end", "service", "scenario"]
    if reader.fieldnames is None or any(n not in reader.fieldnames for n in need):
        raise InputError(
            f"expected a header {','.join(need)}; found "
            f"{','.join(reader.fieldnames or []) or 'nothing'}",
            location=Location(source, 1, 1),
        )
    out = []
    for row in reader:
        where = Location(source, reader.line_num, 1)
        try:
            start, end = parse_time(row["start"]), parse_time(row["end"])
        except (ValueError, TypeError):
            raise InputError("start and end must be ISO 8601 times", location=where) from None
        if end < start:
            raise InputError("end is before start", location=where)
        out.append(Incident(start, end, row["service"] or "", row["scenario"] or ""))
    return out


def _overlaps(firing: Firing, inc: Incident, last: float) -> bool:
    end = firing.end.timestamp() if firing.end else last
    return firing.start.timestamp() <= inc.end and end >= inc.start


def score(
    outcome: Outcome, labels: list[Incident] | None, span_s: float, last: float
) -> dict[str, Any]:
    """precision, recall, false alarms per week and detection delay for one trigger."""
    plan = outcome.plan
    firings = outcome.firings
    if labels is None:
        return {
            "precision": None,
            "recall": None,
            "false_alarms_per_week": None,
            "detection_delay_s": {"median": None, "p90": None},
        }
    mine = [i for i in labels if i.service == plan.service and i.scenario == plan.scenario]
    true = [f for f in firings if any(_overlaps(f, i, last) for i in mine)]
    delays = []
    for inc in mine:
        hits = [f.start.timestamp() for f in firings if _overlaps(f, inc, last)]
        if hits:
            delays.append(max(0.0, min(hits) - inc.start))
    weeks = max(span_s / WEEK_S, 1e-9)
    return {
        "precision": len(true) / len(firings) if firings else None,
        "recall": len(delays) / len(mine) if mine else None,
        "false_alarms_per_week": (len(firings) - len(true)) / weeks,
        "detection_delay_s": {
            "median": float(np.median(delays)) if delays else None,
            "p90": float(np.percentile(delays, 90)) if delays else None,
        },
    }


def report(
    outcomes: list[Outcome],
    telemetry: Telemetry,
    labels: list[Incident] | None,
    max_per_week: float,
    progress: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """The backtest JSON of DESIGN.md, plus ``suggested_threshold`` and ``suggestion`` (its false
    alarms per week and the past firings it would miss; ``detect.suggest``) for thresholds."""
    span = telemetry.span() or (0.0, 0.0)
    span_s, last = max(span[1] - span[0], 1.0), span[1]
    triggers = []
    for outcome in outcomes:
        plan = outcome.plan
        entry: dict[str, Any] = {
            "runbook": plan.runbook_id,
            "trigger": plan.index,
            "signal": plan.signal,
            "kind": plan.kind,
            "firings": [
                {
                    "start": _iso(f.start.timestamp()),
                    "end": _iso(f.end.timestamp()) if f.end else None,
                    "labels": f.labels,
                }
                for f in outcome.firings
            ],
        }
        entry.update(score(outcome, labels, span_s, last))
        if plan.kind == "threshold":
            suggestion = suggest(plan, telemetry, labels, max_per_week)
            entry["suggested_threshold"] = suggestion["threshold"] if suggestion else None
            entry["suggestion"] = suggestion
        triggers.append(entry)
        if progress is not None:
            progress(1)
    return {"triggers": triggers}


def _iso(seconds: float) -> str:
    return at_time(seconds).isoformat().replace("+00:00", "Z")


def promql_report(
    results: list[tuple[Any, list[Firing]]],
    labels: list[Incident] | None,
    since: float,
    until: float,
) -> list[dict[str, Any]]:
    """The same entries as :func:`report`, for promql triggers backtested over ``query_range``."""
    from types import SimpleNamespace
    from typing import cast

    span_s = max(until - since, 1.0)
    out = []
    for plan, firings in results:
        entry: dict[str, Any] = {
            "runbook": plan.runbook_id,
            "trigger": plan.index,
            "signal": "promql",
            "promql": plan.expr,
            "kind": plan.kind,
            "firings": [
                {
                    "start": _iso(f.start.timestamp()),
                    "end": _iso(f.end.timestamp()) if f.end else None,
                    "labels": f.labels,
                }
                for f in firings
            ],
        }
        outcome = cast(Outcome, SimpleNamespace(plan=plan, firings=firings))
        entry.update(score(outcome, labels, span_s, until))
        out.append(entry)
    return out
