"""The background ticks: pipeline (inbox → incidents), detection (OTLP events → alerts) and
escalation (due timers → pages). ``serve`` runs them beside the HTTP server; ``worker`` alone.

Each stage runs in its own unit of work and is timed for ``/metrics``. A failing stage is logged
(by error type, never with secrets) and retried on the next tick; it never stops the others.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from firebreak.incidents.intake import record_alert
from firebreak.incidents.model import AlertIn
from firebreak.web.service import Service

log = logging.getLogger("firebreak.ticks")
# Small pipeline transactions keep intake's commits waiting briefly: SQLite has one writer.
PIPELINE_BATCH = 20
PIPELINE_BUDGET_S = 2.0  # then the other stages get their turn; the rest waits a tick


def optional(module: str, attr: str) -> Any:
    """An attribute of another part of firebreak, or None while that part does not exist."""
    try:
        return getattr(importlib.import_module(module), attr)
    except ModuleNotFoundError as exc:
        if exc.name == module:
            return None
        raise
    except AttributeError:
        return None


def detector_alert_in(alert: Any) -> AlertIn:
    """A detector's alert transition as an inbox alert naming its runbook and trigger."""
    labels = {**alert.labels, "runbook": alert.runbook_id, "trigger": str(alert.trigger_index)}
    return AlertIn(
        source="detector",
        dedup_key=alert.fingerprint,
        status=alert.status,
        labels=labels,
        summary=alert.summary,
        payload={"signal": alert.signal, "kind": alert.kind, "value": alert.value},
        starts_at=alert.at,
    )


class Ticker:
    """Runs one round of every stage per tick."""

    def __init__(self, service: Service, worker_id: str, detect: bool = True) -> None:
        self.service = service
        self.worker_id = worker_id
        self.rounds = 0
        self._lock = threading.Lock()  # one round at a time, even if called from two threads
        self._detector: Any = self._make_detector() if detect else None
        if service.channels is None:
            live = optional("firebreak.notify.channels", "live_channels")
            service.channels = live(service.workspace.settings.channels) if live else {}

    def _make_detector(self) -> Any:
        factory = optional("firebreak.detect.stream", "StreamingDetector")
        if factory is None or not self.service.workspace.runbooks:
            return None
        try:
            return factory(self.service.workspace.runbooks)
        except Exception as exc:  # a detector that cannot be built must not stop intake
            log.warning("detection is off: %s", exc)
            return None

    def _stage(self, name: str, work: Callable[[], object]) -> None:
        start = time.perf_counter()
        failed = False
        try:
            work()
        except Exception as exc:
            failed = True
            log.warning(
                "tick stage %s failed: %s: %s",
                name,
                type(exc).__name__,
                str(exc).splitlines()[0][:200] if str(exc) else "",
            )
        self.service.stats.observe_tick(name, time.perf_counter() - start, failed)

    def tick_once(self) -> None:
        with self._lock:
            self._stage("pipeline", self._pipeline)
            if self._detector is not None:
                self._stage("detect", self._detect)
            self._stage("escalation", self._escalation)
            self.rounds += 1

    def _pipeline(self) -> None:
        process = optional("firebreak.incidents.pipeline", "process_pending")
        if process is None:
            return
        service = self.service
        deadline = time.monotonic() + PIPELINE_BUDGET_S
        while True:
            start = time.monotonic()
            with service.write_lock, service.store.unit_of_work() as uow:
                result = process(uow, service.workspace, service.clock.now(), PIPELINE_BATCH)
            if getattr(result, "processed", 0) < PIPELINE_BATCH or time.monotonic() > deadline:
                return
            # A backlog: leave intake (same process, same GIL, same writer) half of the time.
            time.sleep(min(0.05, time.monotonic() - start))

    def _detect(self) -> None:
        service = self.service
        with service.otlp_lock:
            batches, service.otlp_events[:] = list(service.otlp_events), []
        for events in batches:
            self._detector.add(events)
        now = service.clock.now()
        fired = self._detector.tick(now)
        if fired:
            with service.store.unit_of_work() as uow:
                for alert in fired:
                    record_alert(uow, detector_alert_in(alert), now)

    def _escalation(self) -> None:
        run_due = optional("firebreak.incidents.escalation", "run_due")
        if run_due is None:
            return
        service = self.service
        run_due(
            service.store,
            service.workspace,
            service.clock.now(),
            self.worker_id,
            service.channels or {},
            public_url=service.public_url,
        )

    async def run_async(self, interval: float) -> None:
        """Tick every ``interval`` seconds on a worker thread until cancelled."""
        while True:
            await asyncio.to_thread(self.tick_once)
            await asyncio.sleep(interval)

    def run_forever(self, interval: float, stop: threading.Event) -> None:
        """The worker's loop: tick, sleep, until ``stop`` is set."""
        while not stop.is_set():
            self.tick_once()
            stop.wait(interval)
