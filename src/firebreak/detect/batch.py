"""Batch evaluation over history: every trigger's firing intervals per label set.

The history is one chunk through the same evaluators the streaming detector ticks, so both
give the same intervals (a property test holds them to it).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta

import numpy as np

from firebreak.detect.engine import SeriesIndex, TriggerRun
from firebreak.detect.events import DetectorAlert, Firing
from firebreak.detect.plan import DEFAULT_STEP, Plan, compile_plans
from firebreak.detect.transitions import transitions
from firebreak.runbooks.model import Runbook
from firebreak.signals.schema import Telemetry


@dataclass
class Outcome:
    """One trigger over the history: its firings (all series) and the alerts behind them."""

    plan: Plan
    firings: list[Firing] = field(default_factory=list)
    alerts: list[DetectorAlert] = field(default_factory=list)


def bucket_span(telemetry: Telemetry, step_s: float, end: float | None = None) -> tuple[int, int]:
    """First bucket and number of buckets covering the telemetry (and ``end`` when later)."""
    span = telemetry.span()
    if span is None:
        return 0, 0
    first = math.floor(span[0] / step_s)
    last = math.floor(span[1] / step_s)
    if end is not None:
        last = max(last, math.ceil(end / step_s) - 1)
    return first, last - first + 1


def run_batch(
    runbooks: Iterable[Runbook],
    telemetry: Telemetry,
    step: timedelta = DEFAULT_STEP,
    end: float | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[Outcome]:
    """Evaluate every trigger over the whole telemetry; ``progress(n)`` after each trigger."""
    plans = compile_plans(runbooks, step)
    shared: dict[tuple[object, ...], SeriesIndex] = {}
    return [evaluate(plan, telemetry, end, progress, shared) for plan in plans]


def evaluate(
    plan: Plan,
    telemetry: Telemetry,
    end: float | None = None,
    progress: Callable[[int], None] | None = None,
    shared: dict[tuple[object, ...], SeriesIndex] | None = None,
) -> Outcome:
    """One trigger over the whole telemetry (``shared`` series indexes let triggers that select
    the same events share their grouping and sums)."""
    b0, n = bucket_span(telemetry, plan.step_s, end)
    run = TriggerRun(plan, shared)
    result = run.advance(telemetry.events, telemetry.status, b0, n)
    alerts, _ = transitions(plan, run.series, result, np.zeros(0, dtype=bool), b0)
    outcome = Outcome(plan, intervals(plan, alerts), alerts)
    if progress is not None:
        progress(1)
    return outcome


def intervals(plan: Plan, alerts: list[DetectorAlert]) -> list[Firing]:
    """Pair each firing alert with the resolve that follows it (same series)."""
    open_: dict[str, tuple[DetectorAlert, float | None]] = {}
    done: list[Firing] = []
    for alert in alerts:
        key = alert.fingerprint
        if alert.status == "firing":
            open_[key] = (alert, alert.value)
        elif key in open_:
            start, peak = open_.pop(key)
            done.append(
                Firing(
                    plan.runbook_id,
                    plan.index,
                    plan.signal,
                    plan.kind,
                    start.labels,
                    start.at,
                    alert.at,
                    peak,
                )
            )
    for start, peak in open_.values():
        done.append(
            Firing(
                plan.runbook_id,
                plan.index,
                plan.signal,
                plan.kind,
                start.labels,
                start.at,
                None,
                peak,
            )
        )
    return sorted(done, key=lambda f: (f.start, sorted(f.labels.items())))
