"""The loop, composed once: one tick is pipeline (inbox → incidents), detection (telemetry →
alerts, when a detector is fed) and escalation (due timers → pages), in that order.

``serve``, ``worker``, drills and tests all run :meth:`Loop.tick`; they differ only in what they
hand it: the clock, the store, the channels, whether telemetry feeds a detector, and (for the live
processes, :meth:`Loop.live`) small pipeline batches, a time budget, and stages that log a failure
and carry on instead of raising.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from firebreak.clock import Clock
from firebreak.detect.promql import PromqlDetector, client_for, promql_plans
from firebreak.detect.stream import StreamingDetector
from firebreak.incidents import escalation
from firebreak.incidents.detector import to_alert
from firebreak.incidents.intake import record_alert
from firebreak.incidents.pipeline import ProcessResult, process_pending
from firebreak.notify.channels import Channels
from firebreak.notify.live import live_channels
from firebreak.review.capture import complete_due
from firebreak.signals.schema import Events
from firebreak.store.db import Store
from firebreak.workspace import Workspace

log = logging.getLogger("firebreak.ticks")
# Small pipeline transactions keep intake's commits waiting briefly: SQLite has one writer.
LIVE_BATCH = 20
LIVE_BUDGET_S = 2.0  # then the other stages get their turn; the rest waits a tick

CAPTURE_CHECK = timedelta(minutes=1)

Observe = Callable[[str, float, bool], None]  # stage name, seconds, failed


@dataclass
class TickResult:
    """What one tick did: the pipeline's result, detector alerts recorded, pages sent."""

    pipeline: ProcessResult = field(default_factory=ProcessResult)
    alerts: int = 0
    pages: int = 0


def live_detector(workspace: Workspace) -> StreamingDetector | None:
    """The streaming detector over the workspace's triggers; None when there are none or they
    cannot be compiled (logged: detection is off, intake and escalation go on)."""
    if not workspace.runbooks:
        return None
    try:
        return StreamingDetector(workspace.runbooks)
    except Exception as exc:  # a detector that cannot be built must not stop intake
        log.warning("detection is off: %s", exc)
        return None


def live_promql(workspace: Workspace, health: Any) -> Any:
    """The promql detector when the workspace has promql triggers and ``[sources.prometheus]``."""

    source = workspace.settings.sources.prometheus
    if source is None or not promql_plans(workspace.runbooks):
        if promql_plans(workspace.runbooks):
            log.warning("promql triggers are off: firebreak.toml has no [sources.prometheus]")
        return None
    return PromqlDetector(workspace.runbooks, client_for(source), health)


class Loop:
    """One tick of the pipeline, detection and escalation over one store and workspace.

    ``workspace`` may be replaced between ticks. ``telemetry`` drains the events that arrived
    since the last tick (the ``serve`` process's OTLP intake); with a ``detector`` they are
    evaluated and its alert transitions recorded as inbox alerts. ``batch`` bounds one pipeline
    transaction; with ``budget_s`` the pipeline repeats batches until the inbox is empty or the
    budget is spent, else it runs one. ``isolate`` logs a failing stage and goes on with the
    next (the live processes); otherwise the failure propagates (drills, tests).
    """

    def __init__(
        self,
        store: Store,
        workspace: Workspace,
        clock: Clock,
        worker_id: str,
        channels: Channels,
        *,
        detector: StreamingDetector | None = None,
        telemetry: Callable[[], Sequence[Events]] | None = None,
        batch: int = 500,
        budget_s: float | None = None,
        isolate: bool = False,
        observe: Observe | None = None,
        write_lock: AbstractContextManager[Any] | None = None,
        captures: bool = False,
        promql: Any = None,
    ) -> None:
        self.promql = promql  # a detect.promql.PromqlDetector, queried every tick
        self.store = store
        self.workspace = workspace
        self.clock = clock
        self.worker_id = worker_id
        self.channels = channels
        self.detector = detector
        self.telemetry = telemetry
        self.batch = batch
        self.budget_s = budget_s
        self.isolate = isolate
        self.observe = observe
        self.write_lock: AbstractContextManager[Any] = write_lock or nullcontext()
        self.captures = captures  # save baseline captures whose period ended (live processes)
        self._captures_checked: datetime | None = None
        self.rounds = 0
        self.public_url: str | None = None  # links in pages start here unless [server] says
        self._lock = threading.Lock()  # one tick at a time, even if called from two threads

    @classmethod
    def live(
        cls,
        store: Store,
        workspace: Workspace,
        clock: Clock,
        worker_id: str,
        channels: Channels | None = None,
        *,
        telemetry: Callable[[], Sequence[Events]] | None = None,
        observe: Observe | None = None,
        write_lock: AbstractContextManager[Any] | None = None,
        health: Any = None,
    ) -> Loop:
        """The loop of ``serve`` and ``worker``: the workspace's channels unless given, a
        detector only where telemetry arrives, small batches, a budget, isolated stages."""
        return cls(
            store,
            workspace,
            clock,
            worker_id,
            live_channels(workspace.settings.channels) if channels is None else channels,
            detector=live_detector(workspace) if telemetry is not None else None,
            telemetry=telemetry,
            batch=LIVE_BATCH,
            budget_s=LIVE_BUDGET_S,
            isolate=True,
            observe=observe,
            write_lock=write_lock,
            captures=True,
            promql=live_promql(workspace, health) if health is not None else None,
        )

    def adopt(
        self,
        workspace: Workspace,
        *,
        runbooks_changed: bool = True,
        channels: Channels | None = None,
        promql_health: Any = None,
    ) -> None:
        """Run ``workspace`` from the next tick on (a reload): a fed detector is rebuilt when
        the runbooks changed, the channels replaced when given, and with ``promql_health`` the
        promql detector rebuilt (its source may have changed)."""
        with self._lock:
            self.workspace = workspace
            if runbooks_changed and self.telemetry is not None:
                self.detector = live_detector(workspace)
            if channels is not None:
                self.channels = channels
            if promql_health is not None:
                if self.promql is not None:
                    self.promql.client.close()
                self.promql = live_promql(workspace, promql_health)

    def tick(self, now: datetime | None = None) -> TickResult:
        """Run every stage once. Each stage reads the clock as it starts, unless ``now`` is
        given (then every stage runs at ``now``)."""
        result = TickResult()
        with self._lock:
            self._stage("pipeline", lambda: self._pipeline(now or self.clock.now(), result))
            if self.detector is not None:
                self._stage("detect", lambda: self._detect(now or self.clock.now(), result))
            if self.promql is not None:
                self._stage("promql", lambda: self._promql(now or self.clock.now(), result))
            self._stage("escalation", lambda: self._escalation(now or self.clock.now(), result))
            if self.captures:
                self._stage("baselines", lambda: self._baselines(now or self.clock.now()))
            self.rounds += 1
        return result

    def _stage(self, name: str, work: Callable[[], None]) -> None:
        start = time.perf_counter()
        failed = False
        try:
            work()
        except Exception as exc:
            if not self.isolate:
                raise
            failed = True
            first = str(exc).splitlines()[0][:200] if str(exc) else ""
            log.warning("tick stage %s failed: %s: %s", name, type(exc).__name__, first)
        if self.observe is not None:
            self.observe(name, time.perf_counter() - start, failed)

    def _pipeline(self, now: datetime, result: TickResult) -> None:
        deadline = time.monotonic() + (self.budget_s or 0.0)
        total = result.pipeline
        while True:
            start = time.monotonic()
            with self.write_lock, self.store.unit_of_work() as uow:
                part = process_pending(uow, self.workspace, now, self.batch)
            total.processed += part.processed
            total.outcomes.update(part.outcomes)
            total.opened += part.opened
            total.touched |= part.touched
            if self.budget_s is None or part.processed < self.batch:
                return
            if time.monotonic() > deadline:
                return
            # A backlog: leave intake (same process, same GIL, same writer) half of the time.
            time.sleep(min(0.05, time.monotonic() - start))
            now = self.clock.now()

    def _detect(self, now: datetime, result: TickResult) -> None:
        assert self.detector is not None
        for events in self.telemetry() if self.telemetry is not None else ():
            self.detector.add(events)
        fired = self.detector.tick(now)
        if fired:
            with self.write_lock, self.store.unit_of_work() as uow:
                for alert in fired:
                    record_alert(uow, to_alert(alert), now)
            result.alerts += len(fired)

    def _promql(self, now: datetime, result: TickResult) -> None:
        fired = self.promql.tick(now)
        if fired:
            with self.write_lock, self.store.unit_of_work() as uow:
                for alert in fired:
                    record_alert(uow, to_alert(alert), now)
            result.alerts += len(fired)

    def _escalation(self, now: datetime, result: TickResult) -> None:
        result.pages += escalation.run_due(
            self.store, self.workspace, now, self.worker_id, self.channels, self.public_url
        )

    def _baselines(self, now: datetime) -> None:
        """Save the baseline of every capture whose period ended (checked once a minute)."""
        last = self._captures_checked
        if last is not None and now - last < CAPTURE_CHECK:
            return
        self._captures_checked = now
        with self.write_lock, self.store.unit_of_work() as uow:
            for name in complete_due(uow.session, now):
                log.info("baseline capture %r completed and saved", name)

    def close(self) -> None:
        """Release what the loop holds open (the promql detector's HTTP client)."""
        if self.promql is not None:
            self.promql.client.close()

    async def run_async(self, interval: float) -> None:
        """Tick every ``interval`` seconds on a worker thread until cancelled (``serve``)."""
        while True:
            await asyncio.to_thread(self.tick)
            await asyncio.sleep(interval)

    def run_forever(self, interval: float, stop: threading.Event) -> None:
        """Tick, sleep, until ``stop`` is set (``worker``)."""
        while not stop.is_set():
            self.tick()
            stop.wait(interval)
