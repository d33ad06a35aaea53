"""Backtest: replay history through the triggers, score them against labelled incidents, and
suggest thresholds that keep false alarms under a weekly budget."""

from __future__ import annotations

import csv
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from firebreak.detect.batch import Outcome, bucket_span
from firebreak.detect.engine import TriggerRun
from firebreak.detect.events import Firing
from firebreak.detect.kinds import Threshold
from firebreak.detect.plan import Plan
from firebreak.detect.state import Runs
from firebreak.detect.transitions import at_time
from firebreak.errors import InputError, Location
from firebreak.signals.columns import parse_time
from firebreak.signals.schema import F64, Telemetry

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


def suggest_threshold(
    plan: Plan,
    telemetry: Telemetry,
    labels: list[Incident] | None,
    max_per_week: float,
) -> float | None:
    """The most sensitive value whose firings outside labelled incidents stay within
    ``max_per_week`` (all firings count as false without labels)."""
    trig = plan.trigger
    b0, n = bucket_span(telemetry, plan.step_s)
    run = TriggerRun(plan)
    if not isinstance(run.evaluator, Threshold):
        return None
    values = run.advance(telemetry.events, telemetry.status, b0, n).value
    finite = values[~np.isnan(values)]
    if finite.size == 0:
        return None
    times = (b0 + 1 + np.arange(n)) * plan.step_s
    covered = np.zeros(n, dtype=bool)
    for inc in labels or []:
        if inc.service == plan.service and inc.scenario == plan.scenario:
            covered |= (times >= inc.start) & (times <= inc.end + 15 * 60)
    allowed = max_per_week * max(n * plan.step_s / WEEK_S, 1e-9)
    above = trig.above is not None
    candidates = np.unique(np.quantile(finite, np.linspace(0, 1, 201)))
    ordered = candidates if above else candidates[::-1]
    for value in ordered.tolist():
        if _false_firings(values, value, above, plan.for_steps(), covered) <= allowed:
            return _round(value, above)
    return None


def _false_firings(values: F64, value: float, above: bool, need: int, covered: Any) -> int:
    cond = values > value if above else values < value
    firing = Runs().extend(cond) >= need
    starts = firing & ~np.concatenate([np.zeros((firing.shape[0], 1), bool), firing[:, :-1]], 1)
    return int((starts & ~covered[None, :]).sum())


def _round(value: float, above: bool) -> float:
    """A value a person would write: two significant figures, on the safe side."""
    if value == 0:
        return 0.0
    scale = 10.0 ** (math.floor(math.log10(abs(value))) - 1)
    steps = math.ceil(value / scale) if above else math.floor(value / scale)
    return float(round(steps * scale, 12))


def report(
    outcomes: list[Outcome],
    telemetry: Telemetry,
    labels: list[Incident] | None,
    max_per_week: float,
    progress: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """The backtest JSON of DESIGN.md, plus ``suggested_threshold`` for threshold triggers."""
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
            entry["suggested_threshold"] = suggest_threshold(plan, telemetry, labels, max_per_week)
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
