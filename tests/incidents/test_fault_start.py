"""Fault start from the alerts' startsAt, on both stores; detectors and people as docs say."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from incident_helpers import load, outage, process, push

from firebreak.incidents import actions
from firebreak.store.db import Store

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def fault_start(store: Store) -> datetime | None:
    with store.unit_of_work(readonly=True) as uow:
        (incident,) = uow.incidents.list()
        return incident.fault_started_at


def test_the_earliest_starts_at_of_the_incidents_alerts_is_the_fault_start(
    store: Store, example_workspace: Path
) -> None:
    ws = load(example_workspace)
    first = outage("a")
    first.starts_at = T0 - timedelta(minutes=4)
    push(store, first, T0)
    process(store, ws, T0)
    assert fault_start(store) == T0 - timedelta(minutes=4)
    earlier = outage("b")
    earlier.starts_at = T0 - timedelta(minutes=9)
    future = outage("c")
    future.starts_at = T0 + timedelta(hours=1)  # a sender's clock ahead of ours
    push(store, earlier, T0 + timedelta(minutes=1))
    push(store, future, T0 + timedelta(minutes=1))
    process(store, ws, T0 + timedelta(minutes=1))
    assert fault_start(store) == T0 - timedelta(minutes=9)


def test_a_fault_start_a_person_set_is_not_moved_by_later_alerts(
    store: Store, example_workspace: Path
) -> None:
    ws = load(example_workspace)
    push(store, outage("a"), T0)
    process(store, ws, T0)
    assert fault_start(store) is None  # no startsAt: unknown, not the opening time
    with store.unit_of_work() as uow:
        iid = uow.incidents.list()[0].id
        actions.set_fault_start(uow, iid, T0 - timedelta(minutes=2), "dana", T0)
    late = outage("b")
    late.starts_at = T0 - timedelta(minutes=30)
    push(store, late, T0 + timedelta(minutes=1))
    process(store, ws, T0 + timedelta(minutes=1))
    assert fault_start(store) == T0 - timedelta(minutes=2)


def test_a_detector_alert_sets_no_fault_start(store: Store, example_workspace: Path) -> None:
    ws = load(example_workspace)
    alert = outage("det")
    alert.source = "detector"
    alert.starts_at = T0
    push(store, alert, T0)
    process(store, ws, T0)
    assert fault_start(store) is None


@pytest.mark.slow
def test_the_cli_sets_the_fault_start_and_refuses_bad_times(example_workspace: Path) -> None:
    import subprocess
    import sys

    from firebreak.store.db import open_store

    ws = load(example_workspace)
    store = open_store(f"sqlite:///{example_workspace / 'firebreak.db'}")
    store.upgrade()
    now = datetime.now(UTC)
    push(store, outage("a"), now)
    process(store, ws, now)
    store.dispose()

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        cmd = [sys.executable, "-m", "firebreak", "incident", "fault-start", *args]
        cmd += ["-w", str(example_workspace)]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False)

    bad = cli("1", "--at", "yesterday-ish")
    assert bad.returncode == 2 and "--at: expected" in bad.stderr and "Traceback" not in bad.stderr
    missing = cli("99", "--at", "10m")
    assert missing.returncode != 0 and "incident 99 does not exist" in missing.stderr
    ok = cli("1", "--at", "10m", "--as", "dana")
    assert ok.returncode == 0, ok.stderr
    store = open_store(f"sqlite:///{example_workspace / 'firebreak.db'}")
    with store.unit_of_work(readonly=True) as uow:
        incident = uow.incidents.get(1)
        entry = [e for e in uow.incidents.timeline(1) if e.kind == "fault_start"]
    store.dispose()
    assert incident.fault_started_at is not None
    assert abs((now - incident.fault_started_at) - timedelta(minutes=10)) < timedelta(minutes=1)
    assert entry[0].actor == "dana"
