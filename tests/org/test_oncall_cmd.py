"""`firebreak oncall` through a real subprocess, as a user runs it."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from org_workspaces import workspace

from firebreak.org.oncall import next_handoffs, on_call
from firebreak.workspace import load_workspace

pytestmark = pytest.mark.slow  # starts firebreak or a server


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "firebreak", "oncall", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_text_shows_who_is_on_call_in_local_time(tmp_path: Path) -> None:
    root = workspace(tmp_path)
    result = run("--workspace", str(root), "--at", "2026-11-27T12:00")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "On call at Fri 2026-11-27 12:00 UTC" in out
    # primary: ana from 2026-11-02, ben from 11-09, ana 11-16, ben 11-23 (09:00 Berlin).
    assert "now      Ben Cole (ben) since Mon 2026-11-23 09:00 CET" in out
    assert "Mon 2026-11-30 09:00 CET  Ben Cole -> Ana Lima" in out
    assert "secondary" in out and "America/New_York" in out and "EST" in out
    assert "gaps     none in the next 28d" in out


def test_json_agrees_with_the_core(tmp_path: Path) -> None:
    root = workspace(tmp_path)
    result = run(
        "--workspace",
        str(root),
        "--at",
        "2026-11-27T13:00+01:00",
        "--format",
        "json",
        "--schedule",
        "secondary",
        "--handoffs",
        "2",
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    at = datetime(2026, 11, 27, 12, tzinfo=UTC)
    assert data["at"] == at.isoformat()
    (entry,) = data["schedules"]
    sched = load_workspace(root).workspace.org.schedules["secondary"]
    assert entry["on_call"]["id"] == on_call(sched, at)
    expected = next_handoffs(sched, at, 2)
    assert [h["at"] for h in entry["handoffs"]] == [h.at.isoformat() for h in expected]
    assert [h["to"]["id"] for h in entry["handoffs"]] == [h.after for h in expected]
    assert entry["gaps"] == []


def test_gaps_ahead_are_listed(tmp_path: Path) -> None:
    root = workspace(
        tmp_path,
        {
            "org/org.yaml": [
                (
                    'rotation: {members: [ana, ben], start: "2026-11-02T09:00", shift: 7d}',
                    'rotation: {members: [ana, ben], start: "2026-11-02T09:00", shift: 7d,\n'
                    '               end: "2026-12-01T09:00"}',
                )
            ]
        },
    )
    result = run("--workspace", str(root), "--at", "2026-11-30T00:00", "--schedule", "primary")
    assert result.returncode == 0, result.stderr
    assert "Tue 2026-12-01 09:00 CET  Ana Lima -> nobody" in result.stdout
    assert "gaps     Tue 2026-12-01 09:00 CET to" in result.stdout


def test_example_workspace(example_workspace: Path) -> None:
    result = run("--workspace", str(example_workspace), "--at", "2026-12-24T18:00")
    assert result.returncode == 0, result.stderr
    org = load_workspace(example_workspace).workspace.org
    for ident in org.schedules:
        assert ident in result.stdout


def test_bad_input_is_a_clear_error_without_traceback(tmp_path: Path) -> None:
    root = workspace(tmp_path)
    bad_at = run("--workspace", str(root), "--at", "next tuesday")
    assert bad_at.returncode == 2 and "expected an ISO 8601 time" in bad_at.stderr
    unknown = run("--workspace", str(root), "--schedule", "tertiary")
    assert unknown.returncode == 2 and "unknown schedule 'tertiary'" in unknown.stderr
    assert "known: primary, secondary" in unknown.stderr
    (root / "org" / "org.yaml").write_text("people: [{id: x, pager: 1}]\n", encoding="utf-8")
    broken = run("--workspace", str(root))
    assert broken.returncode == 2 and "FB102" in broken.stderr
    for result in (bad_at, unknown, broken):
        assert "Traceback" not in result.stderr


def test_help_has_an_example() -> None:
    result = run("--help")
    assert result.returncode == 0 and "firebreak oncall --at" in result.stdout


def test_without_at_it_uses_the_system_clock(tmp_path: Path) -> None:
    result = run("--workspace", str(workspace(tmp_path)), "--format", "json")
    assert result.returncode == 0, result.stderr
    at = datetime.fromisoformat(json.loads(result.stdout)["at"])
    assert at.tzinfo is not None and at.year >= 2026
