"""Streaming evaluation for the service and drills: events in, alert transitions out.

``add`` buffers telemetry; ``tick(now)`` evaluates every step that ended at or before ``now``
and returns the transitions (``firing`` when a trigger series starts firing, ``resolved`` when
it stops). Memory per series is bounded by the longest window or baseline. Events that arrive
for a step already evaluated are dropped and counted in ``late``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

import numpy as np

from firebreak.detect.engine import SeriesIndex, TriggerRun
from firebreak.detect.events import DetectorAlert
from firebreak.detect.plan import DEFAULT_STEP, compile_plans
from firebreak.detect.transitions import transitions
from firebreak.errors import InputError
from firebreak.runbooks.model import Runbook
from firebreak.signals.schema import B, Events, StatusEvents, Telemetry, concat


class StreamingDetector:
    """Ticks the runbooks' triggers over telemetry as it arrives."""

    def __init__(self, source: Any, step: timedelta = DEFAULT_STEP) -> None:
        runbooks: Iterable[Runbook] = getattr(source, "runbooks", source)
        self.step_s = step.total_seconds()
        shared: dict[tuple[object, ...], SeriesIndex] = {}
        self.runs = [TriggerRun(plan, shared) for plan in compile_plans(runbooks, step)]
        self.state: list[B] = [np.zeros(0, dtype=bool) for _ in self.runs]
        self.events: list[Events] = []
        self.status: list[tuple[float, str, float]] = []
        self.next_bucket: int | None = None
        self.late = 0

    @property
    def plans(self) -> list[Any]:
        return [run.plan for run in self.runs]

    def add(self, telemetry: Telemetry | Events) -> None:
        """Buffer request events (and status samples) until the tick that covers them."""
        if isinstance(telemetry, Events):
            telemetry = Telemetry(events=telemetry)
        if len(telemetry.events):
            self.events.append(telemetry.events)
        self.status.extend(telemetry.status.rows())

    def tick(self, now: datetime) -> list[DetectorAlert]:
        """Evaluate the steps that ended by ``now``; return the transitions, oldest first."""
        if now.tzinfo is None:
            raise InputError("tick needs a timezone-aware time")
        end = math.floor(now.timestamp() / self.step_s)
        events = concat(self.events)
        status = StatusEvents.from_rows(self.status)
        if self.next_bucket is None:
            firsts = [
                math.floor(float(a[0]) / self.step_s)
                for a in (events.time, status.time)
                if a.shape[0]
            ]
            if not firsts:
                return []
            self.next_bucket = min(firsts)
        start = self.next_bucket
        if end <= start:
            self._keep(events, status)
            return []
        ev_b = np.floor(events.time / self.step_s)
        st_b = np.floor(status.time / self.step_s)
        self.late += int(np.sum(ev_b < start) + np.sum(st_b < start))
        now_ev = events.take((ev_b >= start) & (ev_b < end))
        now_st = _take_status(status, (st_b >= start) & (st_b < end))
        self._keep(events.take(ev_b >= end), _take_status(status, st_b >= end))
        alerts: list[DetectorAlert] = []
        for i, run in enumerate(self.runs):
            result = run.advance(now_ev, now_st, start, end - start)
            found, self.state[i] = transitions(run.plan, run.series, result, self.state[i], start)
            alerts.extend(found)
        self.next_bucket = end
        alerts.sort(key=lambda a: a.at)
        return alerts

    def firing(self) -> list[tuple[str, int, dict[str, str]]]:
        """The trigger series firing now: (runbook id, trigger index, series labels)."""
        out = []
        for run, state in zip(self.runs, self.state, strict=True):
            for row in np.flatnonzero(state).tolist():
                out.append((run.plan.runbook_id, run.plan.index, run.series.label_dict(row)))
        return out

    def _keep(self, events: Events, status: StatusEvents) -> None:
        self.events = [events] if len(events) else []
        self.status = status.rows()


def _take_status(status: StatusEvents, mask: B) -> StatusEvents:
    return StatusEvents(status.time[mask], status.provider.take(mask), status.level[mask])
