"""Turn a firing matrix into alert transitions; batch intervals and streaming alerts share it."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from firebreak.detect.chunk import Result
from firebreak.detect.engine import SeriesIndex
from firebreak.detect.events import DetectorAlert
from firebreak.detect.plan import Plan
from firebreak.detect.state import grow
from firebreak.durations import format_duration
from firebreak.signals.schema import B


def at_time(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


def alert_labels(plan: Plan, series: SeriesIndex, row: int) -> dict[str, str]:
    labels = {"service": plan.service, "scenario": plan.scenario}
    labels.update(series.label_dict(row))
    return labels


def describe(plan: Plan, value: float | None) -> str:
    """What the trigger watches, in words, with the value at the transition."""
    trig = plan.trigger
    shown = "no data" if value is None else f"{value:.4g}"
    if plan.kind == "threshold":
        side = f"above {trig.above:g}" if trig.above is not None else f"below {trig.below:g}"
        held = f" for {format_duration(trig.for_)}" if trig.for_ else ""
        return f"{plan.signal} {shown} {side}{held}"
    if plan.kind == "burn_rate" and trig.burn_rate:
        slow = ", ticket: a slow burn" if plan.tier == "ticket" else ""
        return f"{plan.signal} burns the {trig.burn_rate.objective:g}% SLO at {shown}x{slow}"
    if plan.kind == "budget" and trig.budget:
        per = format_duration(trig.budget.per)
        return f"spend forecast {shown} USD over the {per} budget of {trig.budget.usd:g} USD"
    if plan.kind == "runaway":
        return f"a session runs away: {shown} steps in {format_duration(plan.window_s)}"
    return f"{plan.signal} {shown}: {plan.kind} detected"


def transitions(
    plan: Plan, series: SeriesIndex, result: Result, prev: B, b0: int
) -> tuple[list[DetectorAlert], B]:
    """Alerts where a series starts or stops firing, and the last state per series."""
    firing = result.firing
    prev = grow(prev, firing.shape[0], False)
    if firing.shape[1] == 0:
        return [], prev
    ext = np.concatenate([prev[:, None], firing], axis=1)
    rows, cols = np.nonzero(ext[:, 1:] != ext[:, :-1])
    order = np.lexsort((rows, cols))
    alerts = []
    for row, col in zip(rows[order].tolist(), cols[order].tolist(), strict=True):
        raw = float(result.value[row, col])
        value = None if np.isnan(raw) else raw
        status = "firing" if firing[row, col] else "resolved"
        labels = alert_labels(plan, series, row)
        where = ", ".join(f"{k}={v}" for k, v in series.label_dict(row).items())
        note = result.notes.get(row, "") if status == "firing" else ""
        text = (
            describe(plan, value)
            + (f" ({note})" if note else "")
            + (f" [{where}]" if where else "")
        )
        alerts.append(
            DetectorAlert(
                runbook_id=plan.runbook_id,
                trigger_index=plan.index,
                signal=plan.signal,
                kind=plan.kind,
                labels=labels,
                status=status,
                at=at_time((b0 + col + 1) * plan.step_s),
                value=value,
                summary=f"{plan.runbook_id}: {text}"
                if status == "firing"
                else f"{plan.runbook_id}: resolved: {text}",
                group_labels=plan.group_labels,
                tier=plan.tier,
            )
        )
    return alerts, firing[:, -1].copy()
