"""A drill run by `firebreak drill` shows in `firebreak report`, and only in the drill figures."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # starts firebreak or a server


def firebreak(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "firebreak", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    return done.stdout


def test_drill_results_feed_the_drill_pass_rate(example_workspace: Path, tmp_path: Path) -> None:
    ws = str(example_workspace)
    drill = json.loads(
        firebreak(tmp_path, "drill", "--workspace", ws, "chat-api-total-outage", "--format", "json")
    )
    passed = drill["drills"][0]["passed"]
    got = json.loads(
        firebreak(tmp_path, "report", "--workspace", ws, "--since", "1d", "--format", "json")
    )
    assert {k: got["drills"][k] for k in ("passed", "run")} == {"passed": int(passed), "run": 1}
    assert got["drill_pass_rate"] == (1.0 if passed else 0.0)
    assert list(got["drill_pass_rate_per_scenario"]) == [drill["drills"][0]["scenario"]]
    # production figures stay empty: a drill is not an incident of the team's record
    assert got["incidents"] == 0 and got["mttr_s"]["count"] == 0
    assert got["false_alarm_rate"] is None
