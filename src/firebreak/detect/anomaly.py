"""The anomaly core: a value is anomalous when it goes where the series has not been lately.

Two channels are watched: the value itself and its moving mean over the last ``smooth`` steps
(which catches a moderate shift that no single value makes obvious). A channel raises a score
when its current value lies outside the range it kept over the last ``window`` steps (by more
than 2% of the range's width, so a cycle sampled at shifting phases stays inside) *and* is
more than ``sensitivity`` noise sigmas from that window's median. The noise sigma is the robust
step-to-step noise (the median absolute first difference, as a standard deviation), so a daily
cycle or a trend, which moves the value far from its median but slowly, does not widen it.

The score of a step is the largest such deviation (0 while every channel stays in range); the
alarm starts at the first step whose score passes ``sensitivity`` (``need_on`` in a row) and holds
until ``need_off`` steps in a row score below it, so one event raises one alarm. Nothing alarms
before a series has ``warmup`` steps with values.

Everything is causal and carried across chunks: the window is kept as ``BLOCKS`` blocks of
steps aligned to the step count (per block its maximum, minimum, last value and last absolute
difference), plus the block in progress. A row's result depends only on the rows up to it, and
scoring a chunk at a time gives the same rows as scoring all at once.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np

from firebreak.detect.state import Latch, grow, nanmedian_last
from firebreak.signals.schema import F64, I64, B

BLOCKS = 128
RANGE_MARGIN = 0.02  # a value leaves the range when it passes it by 2% of its width
MAD_TO_SIGMA = 1.4826
Direction = Literal["up", "down", "both"]


class _Range:
    """Per series: the extrema and a sample of each of the last ``BLOCKS`` blocks of a channel,
    and the extrema of the block in progress."""

    def __init__(self) -> None:
        self.hi: F64 = np.full((0, BLOCKS), np.nan)
        self.lo: F64 = np.full((0, BLOCKS), np.nan)
        self.sample: F64 = np.full((0, BLOCKS), np.nan)
        self.cur_hi: F64 = np.full(0, np.nan)
        self.cur_lo: F64 = np.full(0, np.nan)
        self.cur_last: F64 = np.full(0, np.nan)

    def grow(self, n: int) -> None:
        self.hi, self.lo = grow(self.hi, n, np.nan), grow(self.lo, n, np.nan)
        self.sample = grow(self.sample, n, np.nan)
        self.cur_hi, self.cur_lo = grow(self.cur_hi, n, np.nan), grow(self.cur_lo, n, np.nan)
        self.cur_last = grow(self.cur_last, n, np.nan)

    def bounds(self, newest: int) -> tuple[F64, F64]:
        """(max, min) over the complete blocks but the newest: a new level stays new for at
        least one block, so a rule that wants several steps in a row can see it."""
        keep = np.ones(BLOCKS, dtype=bool)
        keep[newest] = False
        return np.fmax.reduce(self.hi[:, keep], axis=1), np.fmin.reduce(self.lo[:, keep], axis=1)

    def take(self, seg: F64) -> None:
        """Fold a run of steps of the block in progress in."""
        if seg.shape[1]:
            self.cur_hi = np.fmax(self.cur_hi, np.fmax.reduce(seg, axis=1))
            self.cur_lo = np.fmin(self.cur_lo, np.fmin.reduce(seg, axis=1))
            self.cur_last = _last_valid(seg, self.cur_last)

    def close(self, head: int) -> None:
        """The block in progress is complete: it replaces the oldest one."""
        self.hi[:, head], self.lo[:, head] = self.cur_hi, self.cur_lo
        self.sample[:, head] = self.cur_last
        self.cur_hi = np.full_like(self.cur_hi, np.nan)
        self.cur_lo = np.full_like(self.cur_lo, np.nan)
        self.cur_last = np.full_like(self.cur_last, np.nan)


def _last_valid(seg: F64, carry: F64) -> F64:
    valid = ~np.isnan(seg)
    if seg.shape[1] == 0:
        return carry
    last = seg.shape[1] - 1 - np.argmax(valid[:, ::-1], axis=1)
    found = seg[np.arange(seg.shape[0]), last]
    return np.where(valid.any(axis=1), found, carry)


class AnomalyCore:
    """Novelty against the recent range, gated by robust noise sigmas (see the module doc).

    ``extend(x)`` takes a matrix (series x steps) and returns (score >= 0, firing, window
    median) per series and step; ``noise``, when given, is the sampling noise of each value,
    a floor under the spread.
    """

    def __init__(
        self,
        window_steps: int,
        sensitivity: float,
        direction: Direction = "both",
        need_on: int = 1,
        need_off: int = 12,
        warmup: int = 150,
        smooth: int = 12,
        floor: float = 0.0,
    ) -> None:
        self.block = max(1, math.ceil(window_steps / BLOCKS))
        self.sensitivity, self.direction = sensitivity, direction
        self.warmup, self.smooth, self.floor = warmup, max(1, smooth), floor
        self.ranges = (_Range(), _Range())  # the value, its moving mean
        self.diff = _Range()  # only its samples are used: absolute first differences
        self.tail: F64 = np.full((0, self.smooth), np.nan)  # the last values, for the mean
        self.seen: I64 = np.zeros(0, dtype=np.int64)
        self.pos, self.head = 0, 0  # step within the block in progress; oldest block
        self.stats: tuple[F64, F64, F64] | None = None
        self.latch = Latch(need_on, need_off)

    def _grow(self, n: int) -> None:
        if n > self.seen.shape[0]:
            for r in (*self.ranges, self.diff):
                r.grow(n)
            self.tail = grow(self.tail, n, np.nan)
            self.seen = grow(self.seen, n, 0)
            self.stats = None

    def _channels(self, x: F64) -> tuple[F64, F64, F64]:
        """(value, moving mean, absolute first difference) for each step of ``x``."""
        ext = np.concatenate([self.tail, x], axis=1)
        k = self.smooth
        window = np.lib.stride_tricks.sliding_window_view(ext[:, 1:], k, axis=1)
        count = np.sum(~np.isnan(window), axis=2)
        total = np.sum(np.nan_to_num(window), axis=2)  # the same additions however chunked
        mean = np.where(np.isnan(x), np.nan, total / np.maximum(count, 1))
        diff = np.abs(ext[:, k:] - ext[:, k - 1 : -1])
        self.tail = ext[:, -k:]
        return x, mean, diff

    def _window_stats(self) -> tuple[F64, F64, F64]:
        """(median of the value, median of the mean, noise sigma) over the complete blocks."""
        if self.stats is None:
            med_x, _ = nanmedian_last(self.ranges[0].sample)
            med_m, _ = nanmedian_last(self.ranges[1].sample)
            step, _ = nanmedian_last(self.diff.sample)
            self.stats = (med_x, med_m, MAD_TO_SIGMA * step / math.sqrt(2))
        return self.stats

    def extend(self, x: F64, noise: F64 | None = None) -> tuple[F64, B, F64]:
        n, n_cols = x.shape
        self._grow(n)
        channels = self._channels(x)
        score, expected = np.zeros((n, n_cols)), np.full((n, n_cols), np.nan)
        col = 0
        while col < n_cols:
            take = min(n_cols - col, self.block - self.pos)
            seg = slice(col, col + take)
            med_x, med_m, sigma = self._window_stats()
            expected[:, seg] = med_x[:, None]
            newest = (self.head - 1) % BLOCKS
            for values, rng, med in zip(channels[:2], self.ranges, (med_x, med_m), strict=True):
                hi, lo = (b[:, None] for b in rng.bounds(newest))
                rng.take(values[:, seg])
                spread = np.maximum(np.nan_to_num(sigma), self.floor + 1e-3 * np.abs(med) + 1e-9)
                dev = self._deviation(values[:, seg], hi, lo, med[:, None], spread[:, None])
                if noise is not None:
                    dev = dev * spread[:, None] / np.fmax(spread[:, None], noise[:, seg])
                score[:, seg] = np.fmax(score[:, seg], dev)
            self.diff.take(channels[2][:, seg])
            self.pos += take
            col += take
            if self.pos == self.block:
                for r in (*self.ranges, self.diff):
                    r.close(self.head)
                self.head, self.pos, self.stats = (self.head + 1) % BLOCKS, 0, None
        seen = self.seen[:, None] + np.cumsum(~np.isnan(x), axis=1)
        if n_cols:
            self.seen = seen[:, -1].copy()
        score = np.where(seen > self.warmup, np.nan_to_num(score), 0.0)
        on = score > self.sensitivity
        return score, self.latch.extend(on, ~on), expected

    def _deviation(self, v: F64, hi: F64, lo: F64, med: F64, spread: F64) -> F64:
        """Deviation from the median in spreads, where ``v`` leaves [lo, hi] on the watched side."""
        margin = RANGE_MARGIN * (hi - lo)
        up = np.where(v > hi + margin, (v - med) / spread, 0.0)
        down = np.where(v < lo - margin, (med - v) / spread, 0.0)
        dev = {"up": up, "down": down, "both": np.fmax(up, down)}[self.direction]
        return np.nan_to_num(np.maximum(dev, 0.0))
