"""Session signals (agent runs): runaway loops and thresholds on steps or spend per session.

A session's steps (calls) and spend are counted over the trigger's window (default 1 hour).
Only sessions that could fire (at least ``min_steps`` calls, or over the threshold, in the
window) are followed step by step; the rest are kept as (series, session, bucket) counts for
the window, so memory stays bounded by the window's traffic.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from firebreak.detect.chunk import Chunk, Result
from firebreak.detect.plan import Plan
from firebreak.detect.state import Runs
from firebreak.signals.schema import F64, I64, B
from firebreak.signals.windows import SCALE


@dataclass
class Triples:
    """Calls and spend per (series row, session key, absolute bucket), sorted by bucket."""

    rows: I64
    keys: I64
    buckets: I64
    counts: I64
    cost: I64

    @classmethod
    def empty(cls) -> Triples:
        z = np.zeros(0, dtype=np.int64)
        return cls(z, z, z, z, z)

    def take(self, index: I64 | B) -> Triples:
        return Triples(
            self.rows[index],
            self.keys[index],
            self.buckets[index],
            self.counts[index],
            self.cost[index],
        )

    def join(self, other: Triples) -> Triples:
        parts = [
            np.concatenate([getattr(self, f), getattr(other, f)])
            for f in ("rows", "keys", "buckets", "counts", "cost")
        ]
        return Triples(*parts)  # both sides are sorted by bucket, self's buckets first


class SessionWindow:
    """Per-session window counts for the sessions that pass ``gate``, carried across chunks."""

    def __init__(self, plan: Plan) -> None:
        self.width = plan.window_steps
        self.carry = Triples.empty()
        self.names: dict[int, str] = {}
        self._chunk_names: tuple[I64, list[str]] = (np.zeros(0, dtype=np.int64), [])

    def triples(self, chunk: Chunk) -> Triples:
        """This chunk's (series, session, bucket) counts joined to the carried ones."""
        cat = chunk.events.labels["session"]
        valid = cat.codes >= 0
        n_levels, n_rows = len(cat.levels) + 1, max(chunk.n_series, 1)
        # bucket-major keys: the triples come out sorted by bucket, after the carried ones
        key = (chunk.buckets[valid] * n_rows + chunk.rows[valid]) * n_levels + cat.codes[valid]
        cost = np.rint(np.nan_to_num(chunk.events.numbers["cost_usd"][valid]) * SCALE)
        uniq, inverse = np.unique(key, return_inverse=True)
        counts = np.bincount(inverse, minlength=uniq.shape[0]).astype(np.int64)
        sums = np.rint(np.bincount(inverse, weights=cost, minlength=uniq.shape[0]))
        rest, codes = np.divmod(uniq, n_levels)
        buckets, rows = np.divmod(rest, n_rows)
        hashes = np.array([hash(v) for v in cat.levels] + [0], dtype=np.int64)
        self._chunk_names = (hashes[:-1], cat.levels)
        fresh = Triples(rows, hashes[codes], buckets + chunk.b0, counts, sums.astype(np.int64))
        return self.carry.join(fresh)

    def dense(
        self, trip: Triples, chunk: Chunk, gate_steps: int, gate_cost: float
    ) -> tuple[list[tuple[int, int]], I64, I64]:
        """Candidate sessions (row, key) and their window steps and spend per chunk column."""
        mixed = trip.keys ^ (trip.rows * np.int64(-7046029254386353131))
        _, first, inverse = np.unique(mixed, return_index=True, return_inverse=True)
        inverse = inverse.reshape(-1)
        uniq = np.stack([trip.rows[first], trip.keys[first]])
        totals = np.bincount(inverse, weights=trip.counts, minlength=uniq.shape[1])
        spend = np.bincount(inverse, weights=trip.cost, minlength=uniq.shape[1]) / SCALE
        chosen = np.flatnonzero((totals >= gate_steps) | (spend > gate_cost))
        n_cols = chunk.n_buckets
        steps = np.zeros((chosen.shape[0], n_cols + 1), dtype=np.int64)
        cost = np.zeros((chosen.shape[0], n_cols + 1), dtype=np.int64)
        slot = np.full(uniq.shape[1], -1, dtype=np.int64)
        slot[chosen] = np.arange(chosen.shape[0])
        mine = slot[inverse] >= 0
        which, at = slot[inverse][mine], trip.buckets[mine] - chunk.b0
        first, stop = np.clip(at, 0, n_cols), np.clip(at + self.width, 0, n_cols)
        for target, weights in ((steps, trip.counts[mine]), (cost, trip.cost[mine])):
            np.add.at(target, (which, first), weights)
            np.add.at(target, (which, stop), -weights)
        cands = [(int(uniq[0, c]), int(uniq[1, c])) for c in chosen.tolist()]
        hashes, levels = self._chunk_names
        for _row, key in cands:  # remember the names of the sessions we follow
            if key not in self.names:
                found = np.flatnonzero(hashes == key)
                if found.size:
                    self.names[key] = levels[int(found[0])]
        return cands, np.cumsum(steps, axis=1)[:, :n_cols], np.cumsum(cost, axis=1)[:, :n_cols]

    def keep(self, trip: Triples, chunk: Chunk) -> None:
        """Carry the counts the next evaluations' windows still cover."""
        last = chunk.b0 + chunk.n_buckets - 1
        self.carry = trip.take(trip.buckets >= last + 2 - self.width)
        live = set(self.carry.keys.tolist())
        self.names = {k: v for k, v in self.names.items() if k in live}


class SessionThreshold:
    """``session_steps_max`` / ``session_cost_max`` above a value, with Prometheus ``for``."""

    def __init__(self, plan: Plan) -> None:
        self.plan, self.window = plan, SessionWindow(plan)
        self.runs, self.need = Runs(), plan.for_steps()
        self.above = float(plan.trigger.above or 0.0)
        self.by_cost = plan.signal == "session_cost_max"

    def run(self, chunk: Chunk) -> Result:
        trip = self.window.triples(chunk)
        inf = float("inf")
        gate_steps = inf if self.by_cost else int(np.floor(self.above)) + 1
        gate_cost = self.above if self.by_cost else inf
        cands, steps, cost = self.window.dense(trip, chunk, int(min(gate_steps, 2**62)), gate_cost)
        watched = cost / SCALE if self.by_cost else steps.astype(np.float64)
        value = _series_max(cands, watched, chunk)
        self.window.keep(trip, chunk)
        firing = self.runs.extend(np.nan_to_num(value, nan=-inf) > self.above) >= self.need
        return Result(value, firing, _notes(cands, watched, value, self.window.names))


class Runaway:
    """A session whose steps or spend in the window exceed ``factor`` times the median of the
    sessions of the same series in that window, and has at least ``min_steps`` steps."""

    def __init__(self, plan: Plan) -> None:
        spec = plan.trigger.runaway
        assert spec is not None
        self.plan, self.window, self.spec = plan, SessionWindow(plan), spec
        self.runs, self.need = Runs(), plan.for_steps()

    def run(self, chunk: Chunk) -> Result:
        trip = self.window.triples(chunk)
        cands, steps, cost = self.window.dense(trip, chunk, self.spec.min_steps, float("inf"))
        runaway = np.zeros_like(steps, dtype=bool)
        medians: dict[tuple[int, int], tuple[float, float]] = {}
        for c, j in zip(*np.nonzero(steps >= self.spec.min_steps), strict=True):
            row = cands[c][0]
            if (row, j) not in medians:
                medians[(row, j)] = self._peers(trip, row, chunk.b0 + int(j))
            med_steps, med_cost = medians[(row, j)]
            factor = self.spec.factor
            runaway[c, j] = steps[c, j] > factor * med_steps or (
                med_cost > 0 and cost[c, j] / SCALE > factor * med_cost
            )
        watched = np.where(runaway, steps, 0).astype(np.float64)
        value = _series_max(cands, steps.astype(np.float64), chunk)
        hit = _series_max(cands, watched, chunk)
        self.window.keep(trip, chunk)
        firing = self.runs.extend(np.nan_to_num(hit) > 0) >= self.need
        return Result(value, firing, _notes(cands, watched, hit, self.window.names))

    def _peers(self, trip: Triples, row: int, bucket: int) -> tuple[float, float]:
        lo = np.searchsorted(trip.buckets, bucket - self.window.width, side="right")
        hi = np.searchsorted(trip.buckets, bucket, side="right")
        part = trip.take(np.arange(lo, hi))
        part = part.take(part.rows == row)
        _, inverse = np.unique(part.keys, return_inverse=True)
        steps = np.bincount(inverse, weights=part.counts)
        spend = np.bincount(inverse, weights=part.cost) / SCALE
        return float(np.median(steps)), float(np.median(spend))


def _series_max(cands: list[tuple[int, int]], watched: F64, chunk: Chunk) -> F64:
    value = np.full((chunk.n_series, chunk.n_buckets), -np.inf)
    for c, (row, _key) in enumerate(cands):
        value[row] = np.maximum(value[row], watched[c])
    return np.where(np.isinf(value) | (value <= 0), np.nan, value)


def _notes(
    cands: list[tuple[int, int]], watched: F64, value: F64, names: dict[int, str]
) -> dict[int, str]:
    notes: dict[int, str] = {}
    for c, (row, key) in enumerate(cands):
        if watched.shape[1] and watched[c, -1] > 0 and watched[c, -1] == value[row, -1]:
            notes[row] = f"session {names.get(key, '?')}"
    return notes
