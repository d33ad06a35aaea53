"""Crash safety: a real worker process killed with SIGKILL while pages are due.

After restarts every due page is recorded exactly once by the recording channel, which (like a
webhook receiver honouring an idempotency key) acknowledges a repeated key without recording it
again. The test also checks that the send log agrees: every row sent, none lost.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from incident_helpers import load, outage, push
from sqlalchemy import select

from firebreak.incidents.pipeline import process_pending
from firebreak.notify.channels import RecordingChannel
from firebreak.org import oncall
from firebreak.store.db import Store
from firebreak.store.tables import Notification

pytestmark = pytest.mark.slow  # starts firebreak or a server

T0 = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)
INCIDENTS = 25
WORKER = Path(__file__).parent / "crash_worker.py"


def _start(
    db_url: str, root: Path, record: Path, now: datetime, pause: float
) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(WORKER), db_url, str(root), str(record), now.isoformat(), str(pause)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _lines(record: Path) -> int:
    return len(record.read_text().splitlines()) if record.exists() else 0


def _kill_after(proc: subprocess.Popen[str], record: Path, lines: int) -> None:
    deadline = time.monotonic() + 60
    while _lines(record) < lines and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert proc.poll() is None, f"worker ended before the kill: {proc.communicate()}"
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL


def test_sigkilled_worker_loses_and_repeats_no_page(
    store: Store, db_url: str, example_workspace: Path, tmp_path: Path
) -> None:
    ws = load(example_workspace)
    ws.settings.incidents.group_by = ["service", "scenario", "shard"]  # one incident per shard
    for shard in range(INCIDENTS):
        push(store, outage(key=f"fp-{shard}", shard=str(shard)), T0)
    with store.unit_of_work() as uow:
        assert process_pending(uow, ws, T0).outcomes["opened"] == INCIDENTS
    store.dispose()
    record = tmp_path / "pages.jsonl"

    first = _start(db_url, example_workspace, record, T0, pause=0.05)
    _kill_after(first, record, 5)
    # Restarted within the lease: it must not resend what the dead worker holds.
    second = _start(db_url, example_workspace, record, T0 + timedelta(seconds=30), pause=0.05)
    _kill_after(second, record, _lines(record) + 5)
    # Restarted after the lease lapsed (and past the contacts' 2-3 minute delays).
    later = T0 + timedelta(minutes=4)
    final = _start(db_url, example_workspace, record, later, pause=0)
    _out, err = final.communicate(timeout=120)
    assert final.returncode == 0, err

    primary = oncall.resolve(ws.org, "schedule:ml-platform-primary", T0)[0]
    contacts = ws.org.people[primary].contacts
    due = [i for i, c in enumerate(contacts) if (c.delay or timedelta(0)) <= later - T0]
    expected = INCIDENTS * len(due)

    # Role notices (to the communications and operations holders) are checked elsewhere.
    recorded = [r for r in RecordingChannel(record).records() if r["kind"] == "page"]
    counts = Counter(r["key"] for r in recorded)
    assert len(counts) == expected
    assert set(counts.values()) == {1}
    assert {r["person_id"] for r in recorded} == {primary}
    with store.unit_of_work(readonly=True) as uow:
        rows = uow.session.scalars(select(Notification).where(Notification.kind == "page")).all()
    assert {r.idempotency_key for r in rows} == set(counts)
    assert all(r.status == "sent" for r in rows)
    # Redelivery happened at most once per kill (the page in flight when it died).
    every = RecordingChannel(record).records(duplicates=True)
    repeats = len([r for r in every if r["kind"] == "page"]) - expected
    print(f"redeliveries after the kills: {repeats}")
    assert repeats <= 2


def test_two_workers_at_once_send_each_page_once(
    store: Store, db_url: str, example_workspace: Path, tmp_path: Path
) -> None:
    """Two live worker processes share the store: claims keep them apart, no key twice."""
    ws = load(example_workspace)
    ws.settings.incidents.group_by = ["service", "scenario", "shard"]
    for shard in range(INCIDENTS):
        push(store, outage(key=f"fp-{shard}", shard=str(shard)), T0)
    with store.unit_of_work() as uow:
        process_pending(uow, ws, T0)
    store.dispose()
    record = tmp_path / "pages.jsonl"
    workers = [_start(db_url, example_workspace, record, T0, pause=0.01) for _ in range(2)]
    results = [w.communicate(timeout=120) for w in workers]
    assert all(w.returncode == 0 for w in workers), results
    sent = [int(out.strip()) for out, _ in results]
    every = RecordingChannel(record).records(duplicates=True)
    assert len(every) == sum(sent)  # no delivery at all was repeated
    assert len({r["key"] for r in every}) == len(every)
    with store.unit_of_work(readonly=True) as uow:
        rows = uow.session.scalars(select(Notification)).all()
    sent_rows = [r for r in rows if r.status == "sent"]
    assert {r.idempotency_key for r in sent_rows} == {r["key"] for r in every}
    assert all(r.next_attempt_at > T0 for r in rows if r.status != "sent")  # delayed contacts


def test_kills_at_any_moment_lose_and_repeat_nothing(
    store: Store, db_url: str, example_workspace: Path, tmp_path: Path
) -> None:
    """Kill workers at blind moments (start-up, planning, sending), then let one finish."""
    ws = load(example_workspace)
    ws.settings.incidents.group_by = ["service", "scenario", "shard"]
    for shard in range(INCIDENTS):
        push(store, outage(key=f"fp-{shard}", shard=str(shard)), T0)
    with store.unit_of_work() as uow:
        process_pending(uow, ws, T0)
    store.dispose()
    record = tmp_path / "pages.jsonl"
    for attempt, delay in enumerate((0.3, 0.8, 1.2, 1.6)):
        now = T0 + timedelta(minutes=3 * attempt)  # each restart sees the last one's lease lapsed
        proc = _start(db_url, example_workspace, record, now, pause=0.02)
        time.sleep(delay)
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=30)
    end = T0 + timedelta(minutes=15)
    final = _start(db_url, example_workspace, record, end, pause=0)
    _out, err = final.communicate(timeout=120)
    assert final.returncode == 0, err
    with store.unit_of_work(readonly=True) as uow:
        rows = uow.session.scalars(select(Notification)).all()
    recorded = RecordingChannel(record).records()  # pages and role notices alike
    counts = Counter(r["key"] for r in recorded)
    assert rows and set(counts.values()) == {1}
    assert {r.idempotency_key for r in rows if r.status == "sent"} == set(counts)
    assert all(r.status == "sent" or r.next_attempt_at > end for r in rows)  # only later pages
