"""Tabletop drills, driven through the real command with answers on standard input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from firebreak.store.db import open_store
from firebreak.store.tables import DrillRun

from .helpers import recorded

pytestmark = pytest.mark.slow  # starts firebreak or a server

# Acknowledge, then six steps of chat-api-inference-outage: done, notes then done, skip, done x3.
ANSWERS = "\nd\nn\nthe deploy history was empty\nd\ns\nd\nd\nd\n"


def run(args: list[str], stdin: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "firebreak", "drill", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=60,
        check=False,
    )


def test_tabletop_walks_pages_and_steps_and_records_the_result(example_workspace: Path) -> None:
    db = example_workspace / "firebreak.db"
    proc = run(
        ["--tabletop", "chat-api-total-outage", "-w", str(example_workspace), "--format", "json"],
        ANSWERS,
        example_workspace,
    )
    assert proc.returncode == 1, proc.stderr
    talk = proc.stderr  # with --format json the conversation goes to standard error
    assert "[DRILL] Chat API inference outage -> " in talk
    assert "Step mitigation.1 (operations:" in talk
    assert "Expect: error_ratio below 1% within 5 minutes." in talk
    report = json.loads(proc.stdout)
    verdicts = {o["name"]: o for o in report["drills"][0]["objectives"]}
    assert verdicts["steps_done"] == {
        "name": "steps_done",
        "passed": False,
        "reason": "skipped: diagnosis.3",
    }
    assert verdicts["ack_within"]["passed"] and verdicts["roles_filled"]["passed"]
    store = open_store(f"sqlite:///{db}")
    with store.unit_of_work(readonly=True) as uow:
        rows = uow.session.scalars(select(DrillRun)).all()
        assert [(r.name, r.passed, r.live) for r in rows] == [
            ("chat-api-total-outage", False, False)
        ]
    store.dispose()


def test_tabletop_with_every_step_done_passes(example_workspace: Path) -> None:
    proc = run(
        ["--tabletop", "provider-429-storm", "-w", str(example_workspace)],
        "\n" + "done\n" * 6,
        example_workspace,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "PASS  provider-429-storm" in proc.stdout
    assert "drill pass rate: 1/1 (100%)" in proc.stdout


def test_a_wrong_answer_is_asked_again(example_workspace: Path) -> None:
    proc = run(
        ["--tabletop", "provider-429-storm", "-w", str(example_workspace), "--no-record"],
        "\nmaybe\n" + "d\n" * 6,
        example_workspace,
    )
    assert "please answer d (done), s (skip) or n (notes)" in proc.stdout
    assert proc.returncode == 0
    assert not (example_workspace / "firebreak.db").exists()


def test_input_that_ends_early_records_nothing(example_workspace: Path) -> None:
    proc = run(
        ["--tabletop", "provider-429-storm", "-w", str(example_workspace)],
        "\nd\n",
        example_workspace,
    )
    assert proc.returncode == 2
    assert "the tabletop ended before every question was answered" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert recorded(example_workspace) == []


def test_tabletop_needs_exactly_one_name(example_workspace: Path) -> None:
    proc = run(["--tabletop", "-w", str(example_workspace)], "", example_workspace)
    assert proc.returncode == 2
    assert "exactly one drill" in proc.stderr
