"""Suggested thresholds for threshold triggers, that never silence what the trigger caught.

A threshold tuned on false alarms alone drifts past the faults it is there for: raise an outage
trigger until it stops firing and it stops firing on outages too. So a suggestion must, for every
past firing of the current threshold that may have been real, fire within the trigger's ``for``
of that firing's start (a firing is "may have been real" unless labels place it outside every
labelled incident). Among the values that do, the suggestion is the most sensitive one whose
false alarms stay within the weekly budget; when none meets the budget, the least sensitive one
that still misses nothing, with the reason. Each suggestion states the false alarms per week it
would give and every past firing it would not have caught in time (``missed``): only false
alarms can be in that list.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from firebreak.detect.batch import bucket_span
from firebreak.detect.engine import TriggerRun
from firebreak.detect.kinds import Threshold
from firebreak.detect.plan import Plan
from firebreak.detect.state import Runs
from firebreak.detect.transitions import at_time
from firebreak.signals.schema import F64, B, Telemetry

if TYPE_CHECKING:
    from firebreak.detect.backtest import Incident

WEEK_S = 7 * 86400.0
LABEL_GRACE_S = 15 * 60.0  # a firing this soon after a labelled incident ends still belongs to it


@dataclass(frozen=True)
class Past:
    """One firing of the current threshold: series row, first and last firing step."""

    row: int
    start: int
    end: int  # exclusive
    real: bool  # may have been a real fault (overlaps a labelled incident, or no labels)


def firing_mask(values: F64, value: float, above: bool, need: int) -> B:
    cond = values > value if above else values < value
    mask: B = Runs().extend(cond) >= need
    return mask


def past_firings(mask: B, covered: B, labelled: bool) -> list[Past]:
    out = []
    for row in range(mask.shape[0]):
        padded = np.concatenate([[False], mask[row], [False]])
        edges = np.flatnonzero(padded[1:] != padded[:-1])
        for start, end in zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True):
            real = (not labelled) or bool(covered[start:end].any())
            out.append(Past(row, start, end, real))
    return out


def caught(candidate: B, past: Past, grace: int) -> bool:
    """The candidate fires within ``grace`` steps of the past firing's start."""
    stop = min(past.start + grace + 1, candidate.shape[1])
    return bool(candidate[past.row, past.start : stop].any())


def false_firings(candidate: B, covered: B) -> int:
    starts = candidate & ~np.concatenate(
        [np.zeros((candidate.shape[0], 1), bool), candidate[:, :-1]], 1
    )
    return int((starts & ~covered[None, :]).sum())


def round_safe(value: float, above: bool) -> float:
    """A value a person would write: two significant figures, on the sensitive side."""
    if value == 0:
        return 0.0
    scale = 10.0 ** (math.floor(math.log10(abs(value))) - 1)
    steps = math.floor(value / scale) if above else math.ceil(value / scale)
    return float(round(steps * scale, 12))


def suggest(
    plan: Plan,
    telemetry: Telemetry,
    labels: Sequence[Incident] | None,
    max_per_week: float,
) -> dict[str, Any] | None:
    """``{"threshold", "false_alarms_per_week", "missed", "reason"}`` for a threshold trigger
    (None for other kinds or no data); ``threshold`` is null when no value can be suggested."""
    b0, n = bucket_span(telemetry, plan.step_s)
    run = TriggerRun(plan)
    if not isinstance(run.evaluator, Threshold) or n == 0:
        return None
    values = run.advance(telemetry.events, telemetry.status, b0, n).value
    finite = values[~np.isnan(values)]
    if finite.size == 0:
        return None
    trig = plan.trigger
    above = trig.above is not None
    current = float((trig.above if above else trig.below) or 0.0)
    times: F64 = ((b0 + 1 + np.arange(n)) * plan.step_s).astype(np.float64)
    covered = np.zeros(n, dtype=bool)
    for inc in labels or []:
        if inc.service == plan.service and inc.scenario == plan.scenario:
            covered |= (times >= inc.start) & (times <= inc.end + LABEL_GRACE_S)
    need = plan.for_steps()
    grace = max(need - 1, 1)
    past = past_firings(firing_mask(values, current, above, need), covered, labels is not None)
    weeks = max(n * plan.step_s / WEEK_S, 1e-9)
    allowed = max_per_week * weeks
    candidates = np.unique(np.concatenate([np.quantile(finite, np.linspace(0, 1, 201)), [current]]))
    ordered = candidates.tolist() if above else candidates[::-1].tolist()  # most sensitive first
    keeps: list[tuple[float, B]] = []
    for value in ordered:
        value = round_safe(value, above)
        mask = firing_mask(values, value, above, need)
        if all(caught(mask, p, grace) for p in past if p.real):
            keeps.append((value, mask))
    if not keeps:  # cannot happen: the current value catches its own firings
        return None
    within = [(v, m) for v, m in keeps if false_firings(m, covered) <= allowed]
    value, mask = within[0] if within else keeps[-1]
    rate = false_firings(mask, covered) / weeks
    missed = [p for p in past if not caught(mask, p, grace)]
    reason = _reason(bool(within), value, current, max_per_week, rate, labels is not None)
    return {
        "threshold": value,
        "false_alarms_per_week": rate,
        "missed": [_firing_json(p, run, times, plan.step_s) for p in missed],
        "reason": reason,
    }


def _reason(
    within: bool, value: float, current: float, budget: float, rate: float, labelled: bool
) -> str:
    caught_what = (
        "every past firing that overlaps a labelled incident"
        if labelled
        else "every past firing of the current threshold (without labels any of them may have "
        "been a real fault)"
    )
    if within:
        return f"{value:g} gives {rate:.2f} false alarms per week and still catches {caught_what}"
    return (
        f"no threshold gives at most {budget:g} false alarms per week and still catches "
        f"{caught_what}; {value:g} comes closest at {rate:.2f} per week (current: {current:g})"
    )


def _firing_json(past: Past, run: TriggerRun, times: F64, step_s: float) -> dict[str, Any]:
    start = float(times[past.start])
    end = float(times[past.end - 1]) + step_s
    return {
        "start": _iso(start),
        "end": _iso(end),
        "labels": run.series.label_dict(past.row),
        "may_be_real": past.real,
    }


def _iso(seconds: float) -> str:
    return at_time(seconds).isoformat().replace("+00:00", "Z")
