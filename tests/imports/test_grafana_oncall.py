"""`firebreak import grafana-oncall` on exports written from Grafana OnCall's public API v1 shapes."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from import_helpers import FIXTURES, run_import

from firebreak.org.oncall import on_call
from firebreak.workspace import load_workspace

pytestmark = pytest.mark.slow  # starts firebreak or a server

GO = FIXTURES / "grafana-oncall"


def _exports() -> list[str]:
    return [str(p) for p in sorted(GO.glob("*.json"))]


def test_shifts_by_level_and_overrides_resolve_as_oncall_shows_them(empty_workspace: Path) -> None:
    result = run_import("grafana-oncall", *_exports(), "-w", str(empty_workspace))
    assert result.returncode == 0, result.stderr
    loaded = load_workspace(empty_workspace)
    assert not loaded.errors, loaded.errors
    org = loaded.workspace.org
    sched = org.schedules["serving-primary"]
    at = lambda *a: datetime(*a, tzinfo=UTC)  # noqa: E731 - Berlin is UTC+1 in December
    assert on_call(sched, at(2026, 12, 2, 12)) == "mira"  # week 1 of the level-0 rotation
    assert on_call(sched, at(2026, 12, 5, 12)) == "ola"  # weekend cover, level 1, 10-18 local
    assert on_call(sched, at(2026, 12, 5, 18)) == "mira"  # after the cover window
    assert on_call(sched, at(2026, 12, 8, 12)) == "jon"  # week 2
    assert on_call(sched, at(2026, 12, 9, 12)) == "ola"  # the override, 13:00-17:00 local
    assert on_call(sched, at(2026, 12, 9, 16)) == "jon"
    policy = org.escalation_policies["serving-page"]
    assert [(lvl.targets, int(lvl.ack_within.total_seconds())) for lvl in policy.levels] == [
        (["schedule:serving-primary"], 300),
        (["person:mira"], 600),
    ]
    assert org.services["vllm-alerts"].escalation == "serving-page"
    assert org.services["vllm-alerts"].team == "model-serving"
    assert "trigger_webhook" in result.stdout


def test_a_rolling_shift_without_users_names_it_and_nothing_is_written(
    empty_workspace: Path, tmp_path: Path
) -> None:
    data = json.loads((GO / "on_call_shifts.json").read_text())
    del data["results"][1]["rolling_users"]
    broken = tmp_path / "on_call_shifts.json"
    broken.write_text(json.dumps(data))
    files = [str(p) for p in sorted(GO.glob("*.json")) if p.name != "on_call_shifts.json"]
    result = run_import("grafana-oncall", *files, str(broken), "-w", str(empty_workspace))
    assert result.returncode == 2
    assert "results[1] (O9WHE7V46GBBE 'Weekend cover').rolling_users: missing" in result.stderr
    assert list((empty_workspace / "org").iterdir()) == []


def test_a_truncated_export_is_refused(empty_workspace: Path, tmp_path: Path) -> None:
    cut = tmp_path / "schedules.json"
    cut.write_text((GO / "schedules.json").read_text()[:150])
    result = run_import("grafana-oncall", str(cut), "-w", str(empty_workspace))
    assert result.returncode == 2 and "truncated" in result.stderr
