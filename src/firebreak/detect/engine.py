"""Evaluate one trigger over a chunk of evaluation steps; batch and streaming both call this.

A chunk is the telemetry whose bucket (``floor(time / step)``) lies in ``[b0, b0 + n)``. The
evaluation at the end of bucket ``b`` (time ``(b + 1) * step``) sees the events of the window's
buckets ``b - w + 1 … b``, that is events with time in ``[T - window, T)``.
"""

from __future__ import annotations

import numpy as np

from firebreak.detect.chunk import Chunk as Chunk
from firebreak.detect.chunk import Evaluator as Evaluator
from firebreak.detect.chunk import Result as Result
from firebreak.detect.kinds import make_evaluator
from firebreak.detect.plan import Plan
from firebreak.signals.schema import I64, Events, StatusEvents


def present_none() -> I64:
    return np.zeros(0, dtype=np.int64)


def grouping(events: Events, labels: tuple[str, ...]) -> tuple[I64, list[tuple[str, ...]]]:
    """A dense id per distinct label tuple, and the tuples (cached on the events)."""
    cache_key = f"group:{labels}"
    if cache_key in events.cache:
        found: tuple[I64, list[tuple[str, ...]]] = events.cache[cache_key]
        return found
    cats = [events.labels[k] for k in labels]
    n = len(events)
    if len(cats) == 1 and n and int(cats[0].codes.min()) == int(cats[0].codes.max()):
        code = int(cats[0].codes[0])  # one value throughout (a `where` on the same label)
        found = (np.zeros(n, dtype=np.int64), [(cats[0].levels[code] if code >= 0 else "",)])
        events.cache[cache_key] = found
        return found
    key = np.zeros(n, dtype=np.int64)
    sizes = [len(c.levels) + 1 for c in cats]
    for cat, size in zip(cats, sizes, strict=True):
        key = key * size + (cat.codes.astype(np.int64) + 1)
    total = int(np.prod(sizes, dtype=np.int64))
    if total > 4_000_000:  # many label values: sort instead of a dense table
        present, local = np.unique(key, return_inverse=True)
        local = local.reshape(-1)
    else:
        present = np.flatnonzero(np.bincount(key, minlength=total)) if n else key[:0]
        table = np.zeros(total, dtype=np.int64)
        table[present] = np.arange(present.shape[0])
        local = table[key] if len(cats) else np.zeros(n, dtype=np.int64)
    keys = []
    for full in present.tolist():
        parts: list[str] = []
        code = full
        for cat, size in zip(reversed(cats), reversed(sizes), strict=True):
            code, rest = divmod(code, size)
            parts.append(cat.levels[rest - 1] if rest else "")
        keys.append(tuple(reversed(parts)))
    if not cats and n:
        keys = [()]
    events.cache[cache_key] = (local, keys)
    return local, keys


class SeriesIndex:
    """Label tuples to row numbers; grows as new series appear, never reorders."""

    def __init__(self, labels: tuple[str, ...]) -> None:
        self.labels = labels
        self.rows: dict[tuple[str, ...], int] = {}
        self.keys: list[tuple[str, ...]] = []
        self._last: tuple[list[tuple[str, ...]], I64] | None = None

    def __len__(self) -> int:
        return len(self.keys)

    def assign(self, events: Events) -> I64:
        """Row number per event (labels absent on an event read as '').

        Triggers that share this index (same ``where`` and labels) share the answer too.
        """
        local, keys = grouping(events, self.labels)
        if self._last is not None and self._last[0] is keys:
            return self._last[1]
        mapping = np.array([self._row(k) for k in keys], dtype=np.int64)
        if np.array_equal(mapping, np.arange(mapping.shape[0])):
            rows = local
        else:
            rows = mapping[local] if local.shape[0] else local
        self._last = (keys, rows)
        return rows

    def _row(self, labels: tuple[str, ...]) -> int:
        row = self.rows.get(labels)
        if row is None:
            row = self.rows[labels] = len(self.keys)
            self.keys.append(labels)
        return row

    def label_dict(self, row: int) -> dict[str, str]:
        return dict(zip(self.labels, self.keys[row], strict=True))


def select(plan: Plan, events: Events) -> Events:
    """The events a trigger's ``where`` matches (a view cached on the events)."""
    if not plan.trigger.where:
        return events
    key = "where:" + repr(sorted(plan.trigger.where.items()))
    if key not in events.cache:
        mask = np.ones(len(events), dtype=bool)
        for name, value in plan.trigger.where.items():
            cat = events.labels[name]
            mask &= cat.codes == cat.code_of(value)
        events.cache[key] = events if bool(mask.all()) else events.take(np.flatnonzero(mask))
    found: Events = events.cache[key]
    return found


def select_status(plan: Plan, status: StatusEvents) -> StatusEvents:
    value = plan.trigger.where.get("provider")
    if value is None:
        return status
    mask = status.provider.codes == status.provider.code_of(value)
    return StatusEvents(status.time[mask], status.provider.take(mask), status.level[mask])


class TriggerRun:
    """A plan with its series index and carried evaluator state."""

    def __init__(self, plan: Plan, shared: dict[tuple[object, ...], SeriesIndex] | None = None):
        self.plan = plan
        key = (
            plan.signal == "provider_status",
            repr(sorted(plan.trigger.where.items())),
            plan.group_labels,
        )
        if shared is None:
            self.series = SeriesIndex(plan.group_labels)
        else:
            self.series = shared.setdefault(key, SeriesIndex(plan.group_labels))
        self.evaluator = make_evaluator(plan)

    def advance(self, events: Events, status: StatusEvents, b0: int, n_buckets: int) -> Result:
        """Evaluate the steps of buckets ``b0 …``; inputs hold only events of those buckets."""
        plan = self.plan
        if plan.signal == "provider_status":
            status = select_status(plan, status)
            view = Events(
                status.time, {"provider": status.provider}, status.time > 0, {}, status.level
            )
            status_rows = self.series.assign(view)
            events, rows = Events.empty(), np.zeros(0, dtype=np.int64)
            shared = False
        else:
            events = select(plan, events)
            rows = self.series.assign(events)
            shared = rows is grouping(events, plan.group_labels)[0]
            status_rows = np.zeros(0, dtype=np.int64)
        step = plan.step_s
        chunk = Chunk(
            events,
            rows,
            events.buckets(step) - b0,
            status,
            status_rows,
            np.floor(status.time / step).astype(np.int64) - b0,
            len(self.series),
            b0,
            n_buckets,
            step,
            repr(plan.group_labels) if shared else None,
        )
        return self.evaluator.run(chunk)
