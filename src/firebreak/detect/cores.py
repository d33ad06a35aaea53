"""Detector cores over a value series: seasonal baseline, CUSUM change, budget forecast (the
anomaly core is in :mod:`firebreak.detect.anomaly`).

Each core takes a matrix of values (series x steps), carries its history, and returns a score
and a firing matrix. Triggers feed them signal values; ``firebreak detect`` feeds them a CSV.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from firebreak.detect.state import History, Latch, grow, nanmedian_last
from firebreak.signals.schema import F64, I64, B

MAD_TO_SIGMA = 1.4826
DAY_S, HOUR_S = 86400.0, 3600.0


def _steps(seconds: float, step_s: float) -> int:
    return max(1, round(seconds / step_s))


class SeasonalBaseline:
    """Robust deviation from a seasonal baseline (median/MAD of the same time on past days).

    Baseline: the values at the same time of day on each past day within ``baseline`` (the same
    time and weekday on past weeks when the baseline is 14 days or more), each with its
    neighbours 10 and 20 minutes either side. A level correction (median residual over the
    last 6 hours) follows level shifts and trends. With fewer than 3 seasonal samples the
    baseline is the median of the last hour. Fires after ``need_on`` steps above
    ``sensitivity``; resolves after ``need_off`` steps below half of it (no bursts).
    """

    def __init__(
        self,
        step_s: float,
        window_steps: int,
        baseline_s: float,
        sensitivity: float,
        direction: Literal["up", "down", "both"],
        need_on: int,
        need_off: int,
        floor: float = 0.0,
    ) -> None:
        self.floor = floor
        day, ten = _steps(DAY_S, step_s), _steps(600, step_s)
        days = max(1, int(baseline_s // DAY_S))
        lag_days = range(7, days + 1, 7) if days >= 14 else range(1, days + 1)
        # day by day, five samples each (the same time and 10, 20 minutes either side)
        self.seasonal = np.array(
            [max(d * day + j * ten, 1) for d in lag_days for j in (-2, -1, 0, 1, 2)], np.int64
        )
        hour = _steps(HOUR_S, step_s)
        self.local = np.arange(window_steps, window_steps + hour + 1, _steps(120, step_s))
        self.levels = np.arange(window_steps, window_steps + 6 * hour + 1, ten)
        self.x_hist = History(int(max(self.seasonal.max(), self.local.max())), np.nan, np.float64)
        self.r_hist = History(int(self.levels.max()), np.nan, np.float64)
        self.sensitivity, self.direction = sensitivity, direction
        self.latch = Latch(need_on, need_off)

    def extend(self, x: F64, noise: F64 | None = None) -> tuple[F64, B, F64]:
        """(score >= 0, firing, expected value) per series and step; ``noise`` (the sampling
        noise of each value, when known) is a floor under the spread."""
        seasonal = self.x_hist.gather(x, self.seasonal)
        expect_s, count = nanmedian_last(seasonal)
        spread_s, _ = nanmedian_last(np.abs(seasonal - expect_s[..., None]))
        local = self.x_hist.gather(x, self.local)
        expect_l, _ = nanmedian_last(local)
        spread_l, _ = nanmedian_last(np.abs(local - expect_l[..., None]))
        use_seasonal = count >= 3
        residual = np.where(use_seasonal, x - expect_s, np.nan)
        level, _ = nanmedian_last(self.r_hist.gather(residual, self.levels))
        # noise at this time of day, trend-free: the spread of day-to-day differences of the
        # seasonal samples (a steady trend moves them all alike), once there are enough
        n_days = self.seasonal.shape[0] // 5
        days = seasonal.reshape(*seasonal.shape[:2], n_days, 5)
        steps = (days[:, :, :-1, :] - days[:, :, 1:, :]).reshape(
            seasonal.shape[0], seasonal.shape[1], (n_days - 1) * 5
        )
        middle, n_steps = nanmedian_last(steps)
        spread_d, _ = nanmedian_last(np.abs(steps - middle[..., None]))
        spread_s = np.where(n_steps >= 10, spread_d / np.sqrt(2), spread_s)
        expected = np.where(use_seasonal, expect_s + np.nan_to_num(level), expect_l)
        spread = np.where(use_seasonal, spread_s, spread_l) * MAD_TO_SIGMA
        spread = np.maximum(np.nan_to_num(spread), 0.05 * np.abs(expected) + self.floor + 1e-9)
        if noise is not None:
            spread = np.maximum(spread, np.nan_to_num(noise))
        z = (x - expected) / spread
        signed = {"up": z, "down": -z, "both": np.abs(z)}[self.direction]
        score = np.nan_to_num(np.maximum(signed, 0.0))
        self.x_hist.push(x)
        self.r_hist.push(residual)
        on = signed > self.sensitivity
        off = ~(signed >= self.sensitivity / 2)
        return score, self.latch.extend(on, off), expected


class ChangeCore:
    """One-sided CUSUM against a reference level: the median of the last day (lagged 1 hour).

    Each step adds ``(reference - x) - shift/2`` (for ``down``) to a sum kept between zero and
    twice the decision interval ``4 * shift``; it fires when the sum passes the interval (a full
    shift is caught in about 8 steps) and resolves once the sum stays below half of it for
    ``need_off`` steps (the cap bounds how long recovery takes to show).
    """

    def __init__(
        self,
        step_s: float,
        shift: float,
        direction: Literal["up", "down"],
        need_on: int,
        need_off: int,
    ) -> None:
        hour = _steps(HOUR_S, step_s)
        self.ref_lags = np.arange(hour, 24 * hour + 1, _steps(900, step_s))
        self.hist = History(int(self.ref_lags.max()), np.nan, np.float64)
        self.k, self.h = shift / 2, 4 * shift
        self.sign = -1.0 if direction == "down" else 1.0
        self.cusum: F64 = np.zeros(0)
        self.latch = Latch(need_on, need_off)

    def extend(self, x: F64, noise: F64 | None = None) -> tuple[F64, B, F64]:
        """(score = sum / decision interval, firing, reference) per series and step.

        ``noise`` (the sampling noise of each value, when known) is allowed for twice over:
        a thin window must deviate further before it counts.
        """
        ref, count = nanmedian_last(self.hist.gather(x, self.ref_lags))
        ref = np.where(count >= 4, ref, np.nan)
        self.hist.push(x)
        drift = self.sign * (x - ref) - self.k
        if noise is not None:
            drift = drift - 2 * np.nan_to_num(noise)
        drift = np.where(np.isnan(drift), -self.k, drift)
        self.cusum = grow(self.cusum, x.shape[0], 0.0)
        sums = np.empty_like(drift)
        for j in range(drift.shape[1]):
            self.cusum = np.clip(self.cusum + drift[:, j], 0.0, 2 * self.h)
            sums[:, j] = self.cusum
        on, off = sums > self.h, sums < self.h / 2
        return sums / self.h, self.latch.extend(on, off), ref


class BudgetCore:
    """Spend forecast for the current budget period (aligned to multiples of ``per`` since the
    epoch, so 1d is the UTC day): spent so far plus the recent rate times the time left."""

    def __init__(self, step_s: float, usd: float, per_s: float, need_on: int, need_off: int):
        self.step_s, self.usd, self.per_s = step_s, usd, per_s
        self.spent: I64 = np.zeros(0, dtype=np.int64)
        self.period = -1
        self.latch = Latch(need_on, need_off)

    def extend(self, cost: I64, rate_usd_s: F64, b0: int, scale: float) -> tuple[F64, B]:
        """(forecast USD, firing); ``cost`` per bucket in 1/scale USD, ``rate`` in USD/s."""
        n_series, n_cols = cost.shape
        self.spent = grow(self.spent, n_series, 0)
        buckets = b0 + np.arange(n_cols)
        period = np.floor(buckets * self.step_s / self.per_s).astype(np.int64)
        prev = np.concatenate([[self.period], period[:-1]])
        starts = np.flatnonzero(period != prev)
        csum = np.cumsum(cost, axis=1)
        spent = csum + self.spent[:, None]
        for start in starts.tolist():
            base = csum[:, start - 1] if start > 0 else np.zeros(n_series, dtype=np.int64)
            spent[:, start:] = csum[:, start:] - base[:, None]
        if n_cols:
            self.spent, self.period = spent[:, -1].copy(), int(period[-1])
        end_of_period = (period + 1) * self.per_s
        remaining = end_of_period - (buckets + 1) * self.step_s
        forecast = spent / scale + np.nan_to_num(rate_usd_s) * remaining[None, :]
        on = forecast > self.usd
        return forecast, self.latch.extend(on, forecast < 0.9 * self.usd)
