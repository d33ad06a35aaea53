"""Carried state shared by batch and streaming evaluation.

Every evaluator consumes a chunk of evaluation steps (one column per step, one row per series)
and carries what the next chunk needs: a batch run is one big chunk, a streaming tick a small
one. Sums are kept in integers, so a window sum is exact whichever way the steps were chunked;
that is what makes batch and streaming give the same answers.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from firebreak.signals.schema import F64, I64, B

Arr = npt.NDArray[Any]


def grow(arr: Arr, n_series: int, fill: Any) -> Arr:
    """Pad axis 0 to ``n_series`` rows (series first seen in a later chunk start empty)."""
    if arr.shape[0] >= n_series:
        return arr
    pad = np.full((n_series - arr.shape[0], *arr.shape[1:]), fill, dtype=arr.dtype)
    return np.concatenate([arr, pad], axis=0)


class History:
    """The last ``length`` columns per series (a ring buffer, oldest at ``head``)."""

    def __init__(self, length: int, fill: Any, dtype: Any, tail: tuple[int, ...] = ()) -> None:
        self.length = max(int(length), 1)
        self.fill = fill
        self.store: Arr = np.full((0, self.length, *tail), fill, dtype=dtype)
        self.n = 0
        self.head = 0

    @property
    def ring(self) -> Arr:
        """The rows in use (the store keeps spare rows so new series rarely reallocate)."""
        return self.store[: self.n]

    def grow(self, n_series: int) -> None:
        if n_series > self.store.shape[0]:
            capacity = max(n_series, 2 * self.store.shape[0], 8)
            self.store = grow(self.store, capacity, self.fill)
        self.n = max(self.n, n_series)

    def ordered(self) -> Arr:
        return np.concatenate([self.ring[:, self.head :], self.ring[:, : self.head]], axis=1)

    def gather(self, x: Arr, lags: npt.NDArray[np.int64]) -> Arr:
        """Values ``lag`` columns before each column of ``x`` (lag 0 is the column itself).

        Returns shape [series, columns of x, len(lags), ...]; lags beyond the history give fill.
        """
        if lags.size and int(lags.max()) > self.length:
            raise ValueError("a lag reaches past the kept history")
        self.grow(x.shape[0])
        n_cols = x.shape[1]
        virtual = self.length + np.arange(n_cols)[:, None] - lags[None, :]
        from_ring = virtual < self.length
        ring_pos = (self.head + np.clip(virtual, 0, self.length - 1)) % self.length
        if bool(from_ring.all()) and int(virtual.min(initial=0)) >= 0:
            found: Arr = self.ring[:, ring_pos]  # a tick: every lag lies in the history
            return found
        new_pos = np.clip(virtual - self.length, 0, max(n_cols - 1, 0))
        old = self.ring[:, ring_pos]
        new = x[:, new_pos] if n_cols else old
        mask = from_ring.reshape(from_ring.shape + (1,) * (x.ndim - 2))
        out: Arr = np.where(mask[None], old, new)
        too_far = virtual < 0
        if too_far.any():
            out[:, too_far] = self.fill
        return out

    def push(self, x: Arr) -> None:
        self.grow(x.shape[0])
        n_cols = x.shape[1]
        if n_cols >= self.length:
            self.store[: self.n] = x[:, -self.length :]
            self.head = 0
            return
        pos = (self.head + np.arange(n_cols)) % self.length
        self.ring[:, pos] = x
        self.head = int((self.head + n_cols) % self.length)


class Rolling:
    """Exact integer sums over the last ``width`` columns, carried across chunks."""

    def __init__(self, width: int, tail: tuple[int, ...] = ()) -> None:
        self.width = max(int(width), 1)
        self.hist = History(self.width, 0, np.int64, tail)
        self.sums: I64 = np.zeros((0, *tail), dtype=np.int64)

    def extend(self, x: I64) -> I64:
        """Window sums ending at each column of ``x``."""
        self.hist.grow(x.shape[0])
        self.sums = grow(self.sums, x.shape[0], 0)
        if x.shape[1] <= 4:
            return self._incremental(x)
        ext = np.concatenate([self.hist.ordered(), x], axis=1)
        csum = np.cumsum(ext, axis=1)
        # x[:, j] sits at ext column width + j; its window is ext columns j+1 .. width+j.
        out: I64 = csum[:, self.width :] - csum[:, : x.shape[1]]
        self.hist.push(x)
        self.sums = out[:, -1].copy()
        return out

    def _incremental(self, x: I64) -> I64:
        out = np.empty_like(x)
        for j in range(x.shape[1]):
            head = self.hist.head
            self.sums = self.sums + x[:, j] - self.hist.ring[:, head]
            self.hist.ring[:, head] = x[:, j]
            self.hist.head = (head + 1) % self.width
            out[:, j] = self.sums
        return out


class Runs:
    """Consecutive true evaluations per series (Prometheus ``for``: any false resets)."""

    def __init__(self) -> None:
        self.carry: I64 = np.zeros(0, dtype=np.int64)

    def extend(self, cond: B) -> I64:
        self.carry = grow(self.carry, cond.shape[0], 0)
        n_cols = cond.shape[1]
        idx = np.arange(1, n_cols + 1, dtype=np.int64)
        last_false = np.maximum.accumulate(np.where(cond, 0, idx[None, :]), axis=1)
        runs = idx[None, :] - last_false
        runs = np.where(last_false == 0, self.carry[:, None] + idx[None, :], runs)
        if n_cols:
            self.carry = runs[:, -1].copy()
        return runs


class Latch:
    """Fire after ``need_on`` true steps; resolve after ``need_off`` steps of the off condition.

    Counting restarts at each transition. With ``need_off == 1`` and off = not on, this is a
    Prometheus alerting rule. Vectorised: runs are counted for all steps at once, then each
    series walks only its transitions.
    """

    def __init__(self, need_on: int, need_off: int) -> None:
        self.need_on, self.need_off = max(need_on, 1), max(need_off, 1)
        self.on_runs, self.off_runs = Runs(), Runs()
        self.firing: B = np.zeros(0, dtype=bool)
        self.last: I64 = np.zeros(0, dtype=np.int64)  # absolute column of the last transition
        self.column = 0  # absolute column of the next chunk's first step

    def extend(self, on: B, off: B) -> B:
        n, n_cols = on.shape
        self.firing = grow(self.firing, n, False)
        self.last = grow(self.last, n, -(1 << 40))
        on_run, off_run = self.on_runs.extend(on), self.off_runs.extend(off)
        out = np.repeat(self.firing[:, None], n_cols, axis=1)
        can_start = on_run >= self.need_on
        can_stop = off_run >= self.need_off
        busy = np.flatnonzero(np.where(self.firing, can_stop.any(axis=1), can_start.any(axis=1)))
        for row in busy.tolist():
            self._walk(row, out[row], np.flatnonzero(can_start[row]), np.flatnonzero(can_stop[row]))
        if n_cols:
            self.firing = out[:, -1].copy()
        self.column += n_cols
        return out

    def _walk(self, row: int, out: B, starts: I64, stops: I64) -> None:
        firing = bool(self.firing[row])
        last = int(self.last[row]) - self.column  # relative to this chunk
        while True:
            cands, need = (stops, self.need_off) if firing else (starts, self.need_on)
            i = int(np.searchsorted(cands, last + need))
            if i >= cands.shape[0]:
                break
            last = int(cands[i])
            firing = not firing
            out[last:] = firing
        self.last[row] = last + self.column


def nanmedian_last(values: F64) -> tuple[F64, I64]:
    """Median over the last axis ignoring NaN (no warnings), and the count of valid values."""
    if values.shape[-1] == 0:
        return np.full(values.shape[:-1], np.nan), np.zeros(values.shape[:-1], dtype=np.int64)
    ordered = np.sort(values, axis=-1)  # NaN sorts last
    count = np.sum(~np.isnan(values), axis=-1)
    lo = np.clip((count - 1) // 2, 0, None)
    hi = np.clip(count // 2, 0, None)
    low = np.take_along_axis(ordered, lo[..., None], axis=-1)[..., 0]
    high = np.take_along_axis(ordered, hi[..., None], axis=-1)[..., 0]
    median = np.where(count > 0, (low + high) / 2, np.nan)
    return median, count
