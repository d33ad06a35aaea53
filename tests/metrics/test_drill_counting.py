"""The drill pass rate counts each drill once per day (its latest run), simulated and live apart,
and never counts a live drill nobody followed to resolution."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from firebreak.drills.grading import ObjectiveResult
from firebreak.drills.results import DrillResult, pass_rate, save
from firebreak.metrics.figures import counted, drill_pass_rate
from firebreak.metrics.records import DrillRunRecord
from firebreak.store.db import open_store

DAY = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def run(
    name: str, passed: bool, hours: float, kind: str = "simulated", **kw: bool
) -> DrillRunRecord:
    return DrillRunRecord(
        name, "inference_outage", passed, DAY + timedelta(hours=hours), kind=kind, **kw
    )


@pytest.mark.slow
def test_three_runs_in_a_day_count_once_with_the_latest_verdict() -> None:
    runs = [run("a", False, 0), run("a", True, 1), run("a", True, 2), run("b", False, 0)]
    assert [(r.name, r.passed) for r in counted(runs)] == [("b", False), ("a", True)]
    assert drill_pass_rate(runs).value == 0.5


@pytest.mark.slow
def test_days_count_apart_and_simulated_apart_from_live() -> None:
    runs = [run("a", True, 0), run("a", False, 24), run("a", False, 1, kind="live")]
    assert drill_pass_rate(runs).total == 3
    assert drill_pass_rate(runs).hits == 1


@pytest.mark.slow
def test_an_unverified_live_drill_is_not_counted() -> None:
    runs = [run("a", True, 0), run("a", False, 1, kind="live", verified=False)]
    assert drill_pass_rate(runs).total == 1


def live_result(verified: bool, at: datetime) -> DrillResult:
    objectives = [
        ObjectiveResult("delivered", True, "accepted"),
        ObjectiveResult("verified", verified, "unverified: no --token" if not verified else "ok"),
    ]
    return DrillResult(
        "chat-api-total-outage", "inference_outage", "ml-platform", objectives, at, at, mode="live"
    )


def test_a_live_drill_without_a_token_is_unverified_not_passed() -> None:
    result = live_result(False, DAY)
    assert result.verdict == "unverified" and not result.passed
    assert result.as_json()["verdict"] == "unverified"
    assert pass_rate([result]) is None


def report(ws: Path) -> dict[str, object]:
    proc = subprocess.run(
        [sys.executable, "-m", "firebreak", "report", "--format", "json", "-w", str(ws)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    loaded: dict[str, object] = json.loads(proc.stdout)
    return loaded


def drills(ws: Path) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "firebreak",
            "drill",
            "chat-api-total-outage",
            "agent-runaway-loop",
            "-w",
            str(ws),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.slow
def test_report_after_three_drill_runs_in_a_day_equals_report_after_one(
    example_workspace: Path,
) -> None:
    store = open_store(f"sqlite:///{example_workspace / 'firebreak.db'}")
    store.upgrade()
    now = datetime.now(UTC)
    failed_live = DrillResult(
        "chat-api-total-outage",
        "inference_outage",
        "ml-platform",
        [ObjectiveResult("delivered", True, "accepted"), ObjectiveResult("opened", False, "none")],
        now,
        now,
        mode="live",
    )
    save(store, [failed_live, live_result(False, now)])
    store.dispose()
    drills(example_workspace)
    once = report(example_workspace)
    drills(example_workspace)
    drills(example_workspace)
    thrice = report(example_workspace)
    assert once["drill_pass_rate"] == thrice["drill_pass_rate"] == 2 / 3
    figures = thrice["drills"]
    assert isinstance(figures, dict)
    assert figures["recorded"] == 8 and figures["run"] == 3 and figures["unverified"] == 1
    assert figures["simulated"] == {"rate": 1.0, "passed": 2, "run": 2}
    assert figures["live"] == {"rate": 0.0, "passed": 0, "run": 1}


def test_the_default_period_ends_no_earlier_than_now() -> None:
    """``until`` is exclusive and shown in whole seconds: it is rounded up, so a drill recorded
    a moment before ``firebreak report`` is inside the period."""
    from firebreak.cli.report_cmd import _period

    for _ in range(50):
        before = datetime.now(UTC)
        period = _period(None, None)
        assert period.until is not None
        assert period.until > before and period.until.microsecond == 0
