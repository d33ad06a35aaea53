"""`firebreak init` writes a working example workspace, and never overwrites one by accident."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "firebreak", *args], capture_output=True, text=True, cwd=cwd
    )


@pytest.mark.slow
def test_init_then_lint_is_clean(tmp_path: Path) -> None:
    demo = tmp_path / "demo"
    made = run("init", str(demo))
    assert made.returncode == 0, made.stderr
    for rel in ("firebreak.toml", "org/people.yaml", "runbooks/provider-api-failure.md"):
        assert (demo / rel).is_file()
    linted = run("lint", str(demo), "--format", "json")
    assert linted.returncode == 0, linted.stdout + linted.stderr
    findings = json.loads(linted.stdout)
    assert [f for f in findings if f["severity"] in ("error", "warning")] == []


def test_example_covers_the_four_scenarios(example_workspace: Path) -> None:
    from firebreak.workspace import load_workspace

    result = load_workspace(example_workspace)
    ws = result.workspace
    assert {r.scenario for r in ws.runbooks} >= {
        "inference_outage",
        "quality_anomaly",
        "cost_spike",
        "third_party_failure",
    }
    assert len(ws.org.people) >= 6 and len(ws.org.teams) >= 2
    assert len(ws.org.services) >= 3 and len(ws.org.escalation_policies) >= 2
    zones = {s.timezone for s in ws.org.schedules.values()}
    assert len(ws.org.schedules) >= 3 and len(zones) >= 3
    assert any(s.overrides for s in ws.org.schedules.values())


@pytest.mark.slow
def test_init_leaves_an_existing_workspace_alone(tmp_path: Path) -> None:
    demo = tmp_path / "demo"
    assert run("init", str(demo)).returncode == 0
    (demo / "firebreak.toml").write_text("# mine\n")
    again = run("init", str(demo))  # the Quickstart run a second time
    assert again.returncode == 0, again.stderr
    assert "left as it is" in again.stderr
    assert (demo / "firebreak.toml").read_text() == "# mine\n"


@pytest.mark.slow
def test_init_refuses_to_overwrite_files_of_another_kind(tmp_path: Path) -> None:
    demo = tmp_path / "demo"
    (demo / "org").mkdir(parents=True)
    (demo / "org" / "people.yaml").write_text("people: []\n")
    again = run("init", str(demo))
    assert again.returncode == 2
    assert "--force" in again.stderr and "Traceback" not in again.stderr
    assert (demo / "org" / "people.yaml").read_text() == "people: []\n"
