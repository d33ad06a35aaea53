"""The figures of incidents that went through the real pipeline and actions, on both stores."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from firebreak.incidents import actions
from firebreak.incidents.escalation import run_due
from firebreak.incidents.intake import record_alert
from firebreak.incidents.model import AlertIn
from firebreak.incidents.pipeline import process_pending
from firebreak.notify.channels import RecordingChannel
from firebreak.store.db import Store
from firebreak.workspace import Workspace, load_workspace

pytestmark = pytest.mark.slow  # starts firebreak or a server

T0 = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)
RUNBOOK = "chat-api-inference-outage"


def alert(
    key: str, *, drill: bool = False, starts: datetime | None = None, **labels: str
) -> AlertIn:
    return AlertIn(
        source="generic",
        dedup_key=key,
        drill=drill,
        starts_at=starts,
        labels={"service": "chat-api", "scenario": "inference_outage", **labels},
        summary=f"chat-api errors ({key})",
        severity="critical",
    )


def open_one(store: Store, ws: Workspace, event: AlertIn, now: datetime) -> int:
    with store.unit_of_work() as uow:
        record_alert(uow, event, now)
    with store.unit_of_work() as uow:
        result = process_pending(uow, ws, now)
    assert result.opened, result.outcomes
    return result.opened[0]


def work(
    store: Store,
    incident: int,
    start: datetime,
    ack: int,
    resolve: int,
    resolution: str,
    steps: tuple[str, ...] = (),
) -> None:
    """Acknowledge and resolve ``ack`` and ``resolve`` minutes after ``start``."""
    with store.unit_of_work() as uow:
        actions.acknowledge(uow, incident, "dana", start + timedelta(minutes=ack))
    for n, key in enumerate(steps, start=1):
        with store.unit_of_work() as uow:
            actions.mark_step(
                uow, incident, key, "done", "dana", start + timedelta(minutes=ack + n)
            )
    with store.unit_of_work() as uow:
        actions.resolve(
            uow, incident, "dana", start + timedelta(minutes=resolve), resolution, confirm_done=True
        )


def firebreak(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "firebreak", "report", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    return done.stdout


def test_report_and_postmortem_from_the_pipeline(
    store: Store, db_url: str, example_workspace: Path, tmp_path: Path
) -> None:
    loaded = load_workspace(example_workspace)
    assert not loaded.errors
    ws = loaded.workspace
    first = open_one(store, ws, alert("a"), T0)
    sent = run_due(store, ws, T0, "test", {"*": RecordingChannel(tmp_path / "pages.jsonl")})
    assert sent >= 1
    with store.unit_of_work() as uow:  # a responder learns when the fault began (for MTTD)
        actions.set_fault_start(
            uow, first, T0 - timedelta(minutes=3), "dana", T0 + timedelta(minutes=1)
        )
    work(store, first, T0, 2, 20, "fixed", ("diagnosis.1", "mitigation.1"))
    later = T0 + timedelta(hours=2)
    second = open_one(store, ws, alert("b", alertname="HighErrors"), later)
    work(store, second, later, 10, 15, "false_alarm")
    drill_at = T0 + timedelta(hours=3)
    rehearsal = open_one(store, ws, alert("c", drill=True), drill_at)
    work(store, rehearsal, drill_at, 1, 5, "drill")

    period = ["--since", "2026-11-30", "--until", "2026-12-10"]
    got: dict[str, Any] = json.loads(
        firebreak(
            tmp_path,
            "--workspace",
            str(example_workspace),
            "--db",
            db_url,
            *period,
            "--format",
            "json",
        )
    )
    assert (got["incidents"], got["resolved"], got["drill_incidents"]) == (2, 2, 1)
    # MTTA 2 and 10 minutes: p90 at rank 0.9 = 120 + 0.9 * 480
    assert got["mtta_s"] == {
        "mean": 360.0,
        "median": 360.0,
        "p90": pytest.approx(552.0),
        "count": 2,
    }
    assert got["mttr_s"]["mean"] == 1050.0 and got["mttr_s"]["p90"] == pytest.approx(1170.0)
    assert got["mttd_s"] == {"mean": 180.0, "median": 180.0, "p90": 180.0, "count": 1}
    assert got["false_alarm_rate"] == 0.5
    assert got["false_alarm_rate_per_runbook"] == {
        RUNBOOK: {"rate": 0.5, "false_alarms": 1, "resolved": 2}
    }
    assert got["false_alarm_rate_per_trigger"]["HighErrors"]["false_alarms"] == 1
    runbook = ws.runbook(RUNBOOK)
    assert runbook is not None
    # one worked incident (the false alarm is left out): every step not marked done, once each
    skipped = [(s["step"], s["skipped"], s["incidents"]) for s in got["skipped_steps"]]
    expected = sorted({s.key for s in runbook.steps} - {"diagnosis.1", "mitigation.1"})
    assert sorted(skipped) == [(key, 1, 1) for key in expected]
    assert len(expected) == len(runbook.steps) - 2

    draft = firebreak(tmp_path, "postmortem", str(first), "--db", db_url)
    assert "| Runbook | Chat API inference outage (chat-api-inference-outage) |" in draft
    assert "- Time to detect: 3m" in draft
    assert "| diagnosis.1 |" in draft and "| done | dana |" in draft
    assert "| commander |" in draft and "schedule:ml-platform-primary" in draft
    assert "runbook_attached" in draft
    pages = draft[draft.index("## Pages") : draft.index("## Runbook steps")]
    assert "| 1 |" in pages and "| sent |" in pages  # level 1 paged at once, through the log
    assert "; paged by " in draft
