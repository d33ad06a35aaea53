"""The trigger kinds as evaluators: threshold, burn_rate, anomaly, change, budget (runaway and
session thresholds are in :mod:`firebreak.detect.sessions`)."""

from __future__ import annotations

from datetime import timedelta

import numpy as np

from firebreak.detect.anomaly import AnomalyCore
from firebreak.detect.chunk import Chunk, Evaluator, Result
from firebreak.detect.cores import BudgetCore, ChangeCore
from firebreak.detect.plan import DEFAULT_PAIRS, Plan
from firebreak.detect.sessions import Runaway, SessionThreshold
from firebreak.detect.state import History, Rolling, Runs, grow
from firebreak.durations import format_duration
from firebreak.signals.schema import F64, I64, B
from firebreak.signals.windows import (
    HIST_STATS,
    LATENCY_MIDDLES,
    SCALE,
    SECOND_MOMENT,
    signal_value,
    standard_error,
    stats_for,
)

KEEP_FIRING = timedelta(minutes=10)  # anomaly, change, budget: quiet time before resolving
ANOMALY_WARMUP = timedelta(hours=1)  # anomaly: data seen before a series may alarm
__all__ = ["DEFAULT_PAIRS"]
BAD_STAT = {"error_ratio": "err", "timeout_ratio": "timeout", "throttle_ratio": "throttle"}


class SignalWindow:
    """A request signal over the trigger's window, carried across chunks."""

    def __init__(
        self, plan: Plan, window_steps: int | None = None, extra: tuple[str, ...] = ()
    ) -> None:
        self.plan = plan
        self.steps = window_steps or plan.window_steps
        self.names = stats_for(plan.signal)
        tail = (LATENCY_MIDDLES.shape[0],)
        self.names = self.names + extra
        self.rolls = {n: Rolling(self.steps, tail if n in HIST_STATS else ()) for n in self.names}
        self.sums: dict[str, I64] = {}

    def values(self, chunk: Chunk) -> F64:
        stats = chunk.stats(self.names)
        self.sums = {n: self.rolls[n].extend(stats[n]) for n in self.names}
        window_s = self.steps * self.plan.step_s
        return signal_value(self.plan.signal, self.sums, window_s, self.plan.trigger.min_requests)

    def noise(self) -> F64 | None:
        """The sampling noise of the last values computed (see ``standard_error``)."""
        return standard_error(self.plan.signal, self.sums, self.steps * self.plan.step_s)


class StatusWindow:
    """provider_status: the worst level reported within the window (no report: no data)."""

    def __init__(self, plan: Plan) -> None:
        self.lags = np.arange(plan.window_steps, dtype=np.int64)
        self.hist = History(max(plan.window_steps, 1), -1.0, np.float64)

    def values(self, chunk: Chunk) -> F64:
        worst = np.full((chunk.n_series, chunk.n_buckets), -1.0)
        np.maximum.at(worst, (chunk.status_rows, chunk.status_buckets), chunk.status.level)
        window = self.hist.gather(worst, self.lags).max(axis=-1)
        self.hist.push(worst)
        return np.where(window < 0, np.nan, window)


def values_for(plan: Plan) -> SignalWindow | StatusWindow:
    return StatusWindow(plan) if plan.signal == "provider_status" else SignalWindow(plan)


class Threshold:
    """Prometheus alerting rule: true evaluations in a row for ``for``; any false one resets."""

    def __init__(self, plan: Plan) -> None:
        self.plan, self.window = plan, values_for(plan)
        self.runs, self.need = Runs(), plan.for_steps()

    def run(self, chunk: Chunk) -> Result:
        value = self.window.values(chunk)
        trig = self.plan.trigger
        cond = value > trig.above if trig.above is not None else value < float(trig.below or 0)
        return Result(value, self.runs.extend(cond) >= self.need)


class Age:
    """Steps since each series first had data (0 before), carried across chunks."""

    def __init__(self) -> None:
        self.carry: I64 = np.zeros(0, dtype=np.int64)

    def extend(self, has: B) -> I64:
        self.carry = grow(self.carry, has.shape[0], 0)
        cols = np.arange(1, has.shape[1] + 1)
        first = np.where(has.any(axis=1), np.argmax(has, axis=1), has.shape[1])
        fresh = np.clip(cols[None, :] - first[:, None], 0, None)
        age = np.where(self.carry[:, None] > 0, self.carry[:, None] + cols[None, :], fresh)
        if has.shape[1]:
            self.carry = age[:, -1].copy()
        return age


class BurnRate:
    """Multi-window multi-burn-rate: a pair fires when both its windows burn faster than its
    factor; the trigger fires while any pair of its tier (page or ticket) fires.

    A ticket pair (3d/6h at 1x by default) would keep firing for hours after the burn stopped,
    while the errors are still inside its 6h window, so it also needs the burn to go on now:
    its short window's last twelfth (30m for 6h) must burn over the factor too.
    """

    RECENT = 12  # a ticket pair's recent window: its short window / RECENT

    def __init__(self, plan: Plan) -> None:
        spec = plan.trigger.burn_rate
        assert spec is not None
        self.plan, self.budget = plan, 1 - spec.objective / 100
        self.pairs = plan.burn_pairs()
        widths = {plan.steps(d.total_seconds()) for p in self.pairs for d in p[:2]}
        widths |= {self._recent(p) for p in self.pairs if p[3] == "ticket"}
        self.rolls = {w: (Rolling(w), Rolling(w)) for w in sorted(widths)}
        self.bad = BAD_STAT[plan.signal]
        self.runs, self.need = Runs(), plan.for_steps()
        self.age = Age()

    def run(self, chunk: Chunk) -> Result:
        stats = chunk.stats(("n", self.bad))
        age = self.age.extend(stats["n"] > 0)
        floor = self.plan.trigger.min_requests or 1
        burn = {}
        for width, (n_roll, bad_roll) in self.rolls.items():
            n, bad = n_roll.extend(stats["n"]), bad_roll.extend(stats[self.bad])
            ratio = bad / np.where(n >= floor, n, 1)
            burn[width] = np.where(n >= floor, ratio / self.budget, np.nan)
        firing = np.zeros((chunk.n_series, chunk.n_buckets), dtype=bool)
        notes: dict[int, str] = {}
        for long, short, factor, action in self.pairs:
            lw, sw = self.plan.steps(long.total_seconds()), self.plan.steps(short.total_seconds())
            # a pair speaks once the series has been seen for its short window: on a young
            # series both windows hold the same few minutes and would page on noise
            pair = (burn[lw] > factor) & (burn[sw] > factor) & (age >= sw)
            if action == "ticket":
                pair &= burn[self._recent((long, short, factor, action))] > factor
            for row in np.flatnonzero(pair[:, -1] & ~firing[:, -1]).tolist():
                notes[row] = (
                    f"{format_duration(long)}/{format_duration(short)} windows burn "
                    f"over {factor:g}x ({action})"
                )
            firing |= pair
        value = burn[min(self.rolls)]
        return Result(value, self.runs.extend(firing) >= self.need, notes)

    def _recent(self, pair: tuple[timedelta, timedelta, float, str]) -> int:
        return self.plan.steps(pair[1].total_seconds() / self.RECENT)


class Anomaly:
    def __init__(self, plan: Plan) -> None:
        spec = plan.trigger.anomaly
        assert spec is not None
        self.window = values_for(plan)
        if isinstance(self.window, SignalWindow) and plan.signal in SECOND_MOMENT:
            self.window = SignalWindow(plan, extra=(SECOND_MOMENT[plan.signal],))
        self.core = AnomalyCore(
            plan.steps(spec.baseline.total_seconds()),
            spec.sensitivity,
            spec.direction,
            plan.for_steps(timedelta(minutes=2)),
            plan.steps(KEEP_FIRING.total_seconds()),
            warmup=plan.steps(ANOMALY_WARMUP.total_seconds()),
        )

    def run(self, chunk: Chunk) -> Result:
        value = self.window.values(chunk)
        noise = self.window.noise() if isinstance(self.window, SignalWindow) else None
        _score, firing, _expected = self.core.extend(value, noise)
        return Result(value, firing)


class Change:
    def __init__(self, plan: Plan) -> None:
        spec = plan.trigger.change
        assert spec is not None
        self.window = values_for(plan)
        if isinstance(self.window, SignalWindow) and plan.signal in SECOND_MOMENT:
            self.window = SignalWindow(plan, extra=(SECOND_MOMENT[plan.signal],))
        self.core = ChangeCore(
            plan.step_s,
            spec.shift,
            spec.direction,
            plan.for_steps(),
            plan.steps(KEEP_FIRING.total_seconds()),
        )

    def run(self, chunk: Chunk) -> Result:
        value = self.window.values(chunk)
        noise = self.window.noise() if isinstance(self.window, SignalWindow) else None
        _score, firing, _ref = self.core.extend(value, noise)
        return Result(value, firing)


class Budget:
    def __init__(self, plan: Plan) -> None:
        spec = plan.trigger.budget
        assert spec is not None
        self.plan, self.rate = plan, Rolling(plan.window_steps)
        self.core = BudgetCore(
            plan.step_s,
            spec.usd,
            spec.per.total_seconds(),
            plan.for_steps(timedelta(minutes=5)),
            plan.steps(KEEP_FIRING.total_seconds()),
        )

    def run(self, chunk: Chunk) -> Result:
        cost = chunk.stats(("cost",))["cost"]
        window_s = self.plan.window_steps * self.plan.step_s
        rate = self.rate.extend(cost) / SCALE / window_s
        forecast, firing = self.core.extend(cost, rate, chunk.b0, SCALE)
        return Result(forecast, firing)


# The evaluator of each trigger kind (runbooks.kinds.KINDS), by name; runaway is in sessions.
EVALUATORS: dict[str, type[Threshold | BurnRate | Anomaly | Change | Budget]] = {
    "threshold": Threshold,
    "burn_rate": BurnRate,
    "anomaly": Anomaly,
    "change": Change,
    "budget": Budget,
}


def make_evaluator(plan: Plan) -> Evaluator:
    if plan.signal in ("session_steps_max", "session_cost_max"):
        return Runaway(plan) if plan.kind == "runaway" else SessionThreshold(plan)
    return EVALUATORS[plan.kind](plan)
