"""Drills through the real pipeline: the built-ins pass on the example workspace, and copies of
it broken on purpose fail the right objective with a reason that names the cause."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from firebreak.clock import SystemClock
from firebreak.drills.catalog import load_catalog
from firebreak.drills.results import DrillResult
from firebreak.drills.runner import run_drill
from firebreak.store.db import open_store
from firebreak.store.tables import DrillRun
from firebreak.workspace import require

pytestmark = pytest.mark.slow  # plays drills or long simulations: seconds each

OUTAGE_RUNBOOK = "runbooks/chat-api-inference-outage.md"


def drill(root: Path, name: str) -> DrillResult:
    workspace = require(root)
    clock = SystemClock()
    return run_drill(load_catalog(workspace)[name], workspace, clock.now(), clock)


def verdict(result: DrillResult, objective: str) -> tuple[bool, str]:
    found = next(o for o in result.objectives if o.name == objective)
    return found.passed, found.reason


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new))


def test_every_builtin_drill_passes_on_the_example_workspace(example_workspace: Path) -> None:
    db = example_workspace / "firebreak.db"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "firebreak",
            "drill",
            "--all",
            "--format",
            "json",
            "-w",
            str(example_workspace),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    report = json.loads(proc.stdout)
    failed = {
        d["name"]: [o for o in d["objectives"] if not o["passed"]]
        for d in report["drills"]
        if not d["passed"]
    }
    assert failed == {}, failed
    assert proc.returncode == 0
    assert report["pass_rate"] == 1.0
    assert len(report["drills"]) == 9
    first = report["drills"][0]
    assert set(first) == {"name", "scenario", "passed", "verdict", "objectives", "incidents"}
    assert set(first["objectives"][0]) == {"name", "passed", "reason"}
    for one in report["drills"]:  # one fault, one incident, one page
        noise = next(o for o in one["objectives"] if o["name"] == "noise")
        assert noise["passed"], (one["name"], noise["reason"])
        assert len(one["incidents"]) == 1, (one["name"], one["incidents"])
    merged = {d["name"]: d["incidents"][0]["merged"] for d in report["drills"]}
    assert merged["provider-429-storm"], "the outage incident opened first was merged"
    store = open_store(f"sqlite:///{db}")
    with store.unit_of_work(readonly=True) as uow:
        rows = uow.session.scalars(select(DrillRun)).all()
        assert sorted(r.name for r in rows) == sorted(d["name"] for d in report["drills"])
        assert {r.team for r in rows} == {"ml-platform", "applied-ai"}
        assert not any(r.live for r in rows)
    store.dispose()


def test_a_chain_that_reaches_nobody_fails_acknowledgement(example_workspace: Path) -> None:
    people = example_workspace / "org" / "people.yaml"
    people.write_text(
        re.sub(r"    contacts:\n(      - .*\n)+", "    contacts: []\n", people.read_text())
    )
    result = drill(example_workspace, "chat-api-total-outage")
    assert not result.passed
    passed, reason = verdict(result, "ack_within")
    assert not passed
    assert reason.startswith("never acknowledged: the escalation chain reached nobody")
    assert re.search(r"\b(dana|lee|sam)\b.* no contact", reason), reason
    roles_passed, roles_reason = verdict(result, "roles_filled")
    assert not roles_passed and "has no contact" in roles_reason
    assert verdict(result, "detect_within")[0]  # detection itself still works


def test_one_person_without_contact_is_named(example_workspace: Path) -> None:
    """Only the commander loses their contacts: the role check names them."""
    result = drill(example_workspace, "chat-api-total-outage")
    commander = next(o for o in result.objectives if o.name == "roles_filled").reason
    person = re.search(r"commander (\w+)", commander).group(1)  # type: ignore[union-attr]
    people = example_workspace / "org" / "people.yaml"
    text = people.read_text()
    block = re.search(rf"  - id: {person}\n(    .*\n)*?    contacts:\n(      - .*\n)+", text)
    assert block is not None
    fixed = re.sub(r"    contacts:\n(      - .*\n)+", "    contacts: []\n", block.group(0))
    people.write_text(text.replace(block.group(0), fixed))
    broken = drill(example_workspace, "chat-api-total-outage")
    passed, reason = verdict(broken, "roles_filled")
    assert not passed and f"commander: {person} has no contact" in reason


def test_a_runbook_with_no_trigger_fails_detection(example_workspace: Path) -> None:
    path = example_workspace / OUTAGE_RUNBOOK
    text = path.read_text()
    path.write_text(re.sub(r"trigger:\n(  - .*\n)+", "", text))
    result = drill(example_workspace, "chat-api-total-outage")
    passed, reason = verdict(result, "detect_within")
    assert not passed
    assert reason == (
        "never detected: runbook chat-api-inference-outage has no trigger on error_ratio "
        "(the signals this fault moves); it has no trigger at all"
    )
    assert not verdict(result, "runbook")[0]


def test_a_threshold_far_too_low_fails_the_quiet_period(example_workspace: Path) -> None:
    edit(example_workspace / OUTAGE_RUNBOOK, "above: 0.05,", "above: 0.0001,")
    result = drill(example_workspace, "chat-api-total-outage")
    passed, reason = verdict(result, "quiet_period")
    assert not passed
    assert reason.startswith("runbook chat-api-inference-outage trigger 'error_ratio")
    assert "above 0.0001" in reason and "fired on normal traffic" in reason
    assert "false page(s) to" in reason


def test_the_wrong_runbook_attached_fails_the_runbook_objective(example_workspace: Path) -> None:
    """A stale copy of the runbook kept the trigger; the maintained one lost it."""
    runbooks = example_workspace / "runbooks"
    shutil.copy(runbooks / "chat-api-inference-outage.md", runbooks / "chat-api-legacy.md")
    edit(runbooks / "chat-api-legacy.md", "id: chat-api-inference-outage", "id: chat-api-legacy")
    path = example_workspace / OUTAGE_RUNBOOK
    path.write_text(re.sub(r"trigger:\n(  - .*\n)+", "", path.read_text()))
    result = drill(example_workspace, "chat-api-total-outage")
    passed, reason = verdict(result, "runbook")
    assert not passed
    assert reason == "incident #1 had chat-api-legacy attached, expected chat-api-inference-outage"


def test_responders_who_skip_the_runbook_do_not_resolve_in_time(example_workspace: Path) -> None:
    drills = example_workspace / "drills"
    edit(drills / "chat-api-total-outage.yaml", "follows_runbook: true", "follows_runbook: false")
    edit(drills / "chat-api-total-outage.yaml", "duration: 45m", "duration: 3h")
    result = drill(example_workspace, "chat-api-total-outage")
    passed, reason = verdict(result, "resolved_within")
    assert not passed
    assert "runbook steps skipped: diagnosis.1" in reason


def test_bad_scenario_file_is_exit_2_with_its_location(example_workspace: Path) -> None:
    (example_workspace / "drills" / "broken.yaml").write_text("name: broken\nfaults: 3\n")
    proc = subprocess.run(
        [sys.executable, "-m", "firebreak", "drill", "--all", "-w", str(example_workspace)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 2
    assert "drills/broken.yaml:2:1: faults: " in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (example_workspace / "firebreak.db").exists()


@pytest.mark.parametrize("args", [["nope"], ["--all", "chat-api-total-outage"]])
def test_bad_arguments_are_exit_2(example_workspace: Path, args: list[str]) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "firebreak", "drill", *args, "-w", str(example_workspace)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
