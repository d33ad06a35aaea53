"""The running service's state: workspace, store, clock, the intake writer and caches.

One :class:`Service` per app. Request handlers reach it as ``request.app.state.service``.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.exc import StatementError

from firebreak.clock import Clock
from firebreak.detect.promql import SourceHealth
from firebreak.errors import Forbidden, InputError, StoreError, Unauthorized
from firebreak.incidents.intake import record_alerts
from firebreak.incidents.model import AlertIn
from firebreak.lint.findings import Finding
from firebreak.lint.run import lint_paths
from firebreak.notify.channels import Channels
from firebreak.running import RunningWorkspace
from firebreak.signals.otlp import Cumulative
from firebreak.signals.schema import Events
from firebreak.store.db import Store
from firebreak.web.credentials import IntegrationInfo, find_integration
from firebreak.web.groupcommit import GroupCommitter
from firebreak.web.keys import hash_secret
from firebreak.web.stats import Stats
from firebreak.workspace import Workspace

KEY_CACHE_SECONDS = 10.0  # a revoked integration key stops working within this time
KEY_CACHE_MAX = 10_000
LINT_CACHE_SECONDS = 60.0


@dataclass
class Service:
    workspace: Workspace
    store: Store
    clock: Clock
    session_key: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    stats: Stats = field(default_factory=Stats)
    sources: SourceHealth = field(default_factory=SourceHealth)  # promql queries, for /metrics
    channels: Channels | None = None  # the loop's, once it runs
    running: RunningWorkspace | None = None  # revision, reloads, snapshots
    public_url: str | None = None  # where links in pages start when [server] public_url is unset
    otlp_events: list[Events] = field(default_factory=list)
    otlp_lock: threading.Lock = field(default_factory=threading.Lock)
    # cumulative OTLP metric streams across exports; streams older than this process set the base
    otlp_cumulative: Cumulative = field(init=False)
    # Held around every write transaction of this process: with SQLite's single writer, waiting
    # here is fairer and quicker than SQLite's sleeping busy handler.
    write_lock: threading.Lock = field(default_factory=threading.Lock)
    _keys: dict[str, tuple[IntegrationInfo | None, float]] = field(default_factory=dict)
    _lint: tuple[float, date, list[Finding]] | None = None
    writer: GroupCommitter[AlertIn] = field(init=False)

    def __post_init__(self) -> None:
        self.otlp_cumulative = Cumulative(since_ns=int(self.clock.now().timestamp() * 1e9))
        self.writer = GroupCommitter(
            self._commit, isolate=lambda exc: not isinstance(exc, StoreError)
        )

    def _commit(self, batch: Sequence[AlertIn]) -> None:
        """Append ``batch`` in one transaction. A value the store refuses (intake's checks
        should have caught it) is the sender's error: InputError, 400, never a 500."""
        try:
            with self.write_lock, self.store.unit_of_work() as uow:
                record_alerts(uow, batch, self.clock.now(), checked=True)  # by _accept
        except (StatementError, ValueError) as exc:
            orig = getattr(exc, "orig", None) or exc
            first = (str(orig).splitlines() or [""])[0][:200]
            raise InputError(f"the store cannot hold a value of this alert: {first}") from None

    def take_telemetry(self) -> list[Events]:
        """The OTLP events intake buffered since the last call (the loop's detector reads them)."""
        with self.otlp_lock:
            taken, self.otlp_events[:] = list(self.otlp_events), []
        return taken

    def integration(self, key: str, kind: str) -> IntegrationInfo:
        """The live integration whose key this is, of ``kind``; 401 or 403 otherwise."""
        digest = hash_secret(key)
        cached = self._keys.get(digest)
        mono = time.monotonic()
        if cached is None or mono - cached[1] > KEY_CACHE_SECONDS:
            with self.store.unit_of_work(readonly=True) as uow:
                info = find_integration(uow, key)
            if len(self._keys) >= KEY_CACHE_MAX:
                self._keys.clear()
            self._keys[digest] = (info, mono)
        else:
            info = cached[0]
        if info is None:
            raise Unauthorized("unknown or revoked integration key")
        if info.kind != kind:
            raise Forbidden(f"this key belongs to a {info.kind} integration, not {kind}")
        return info

    def forget_lint(self) -> None:
        """Drop the cached lint findings (the workspace was reloaded)."""
        self._lint = None

    def lint_findings(self) -> list[Finding]:
        """Lint findings for the workspace, recomputed at most once a minute."""

        today = self.clock.now().date()
        mono = time.monotonic()
        if (
            self._lint is None
            or self._lint[1] != today
            or mono - self._lint[0] > LINT_CACHE_SECONDS
        ):
            report = lint_paths([], self.workspace.root, today)
            self._lint = (mono, today, list(report.findings))
        return self._lint[2]
