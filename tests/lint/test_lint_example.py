"""The example workspace (what `firebreak init` writes) is clean for every runbook rule."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from firebreak.clock import SystemClock
from firebreak.lint.run import lint_paths

MY_CODES = ("FB1", "FB2", "FB3", "FB4")


def test_example_has_no_runbook_finding(example_workspace: Path) -> None:
    today = SystemClock().now().date()
    report = lint_paths([str(example_workspace)], example_workspace, today, select=MY_CODES)
    assert report.findings == []
    assert report.files >= 4


def test_example_runbooks_are_parsed_in_full(example_workspace: Path) -> None:
    today = SystemClock().now().date()
    report = lint_paths([str(example_workspace)], example_workspace, today)
    assert [r.scenario for r in report.readiness] == [
        "inference_outage",
        "quality_anomaly",
        "cost_spike",
        "third_party_failure",
    ]


@pytest.mark.slow
def test_lint_example_exits_0_on_warnings_too(example_workspace: Path) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "firebreak",
            "lint",
            str(example_workspace),
            "--fail-on",
            "warning",
            "--select",
            ",".join(MY_CODES),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "No findings" in proc.stdout
