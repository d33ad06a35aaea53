"""`firebreak import pagerduty` on exports written from PagerDuty's documented REST API shapes."""

from __future__ import annotations

import json
import shutil
from datetime import datetime
from pathlib import Path

import pytest
from import_helpers import FIXTURES, run_import

from firebreak.org.oncall import coverage
from firebreak.workspace import load_workspace

pytestmark = pytest.mark.slow  # starts firebreak or a server

PD = FIXTURES / "pagerduty"


def _exports() -> list[str]:
    return [str(p) for p in sorted(PD.glob("*.json"))]


def test_layers_resolve_to_the_person_pagerduty_rendered_at_every_entry(
    empty_workspace: Path,
) -> None:
    result = run_import("pagerduty", *_exports(), "--workspace", str(empty_workspace))
    assert result.returncode == 0, result.stderr
    loaded = load_workspace(empty_workspace)
    assert not loaded.errors, loaded.errors
    org = loaded.workspace.org
    by_name = {p.name: p.id for p in org.people.values()}
    checked = 0
    for path in PD.glob("schedule-*.json"):
        sched = json.loads(path.read_text())["schedule"]
        ours = next(s for s in org.schedules.values() if s.name == sched["name"])
        for entry in sched["final_schedule"]["rendered_schedule_entries"]:
            start = datetime.fromisoformat(entry["start"])
            end = datetime.fromisoformat(entry["end"])
            got = coverage(ours, start, end)
            want = by_name[entry["user"]["summary"]]
            assert [(iv.start, iv.end, iv.person) for iv in got] == [(start, end, want)], (
                f"{sched['name']} {entry['start']}..{entry['end']}: PagerDuty has {want}"
            )
            checked += 1
    assert checked == 13


def test_what_has_no_equivalent_is_listed_in_the_output_and_the_file(
    empty_workspace: Path,
) -> None:
    result = run_import("pagerduty", *_exports(), "--workspace", str(empty_workspace))
    assert result.returncode == 0, result.stderr
    assert "wrote org/imported-pagerduty.yaml: 5 people, 2 teams, 2 services" in result.stdout
    text = (empty_workspace / "org" / "imported-pagerduty.yaml").read_text()
    for expected in (
        "push_notification",
        "notification rules",
        "on_call_handoff_notifications always",
        "auto_resolve_timeout",
    ):
        assert expected in result.stdout and expected in text
    org = load_workspace(empty_workspace).workspace.org
    policy = org.escalation_policies["ml-platform-page"]
    assert policy.repeat == 2
    assert [lvl.targets for lvl in policy.levels] == [
        ["schedule:ml-platform-primary"],
        ["schedule:weekend-support-business-hours", "person:alice-moreau"],
    ]
    assert [c.address for c in org.people["alice-moreau"].contacts] == [
        "alice@example.com",
        "+12125550101",
    ]
    assert org.teams["ml-platform"].members == ["alice-moreau", "bob-okafor", "carol-lindqvist"]
    assert org.services["embeddings"].team == "ml-platform"  # from its policy's team


def test_a_missing_field_names_the_object_and_the_field_and_nothing_is_written(
    empty_workspace: Path, tmp_path: Path
) -> None:
    broken = tmp_path / "schedule.json"
    data = json.loads((PD / "schedule-primary.json").read_text())
    del data["schedule"]["schedule_layers"][1]["rotation_turn_length_seconds"]
    broken.write_text(json.dumps(data))
    result = run_import(
        "pagerduty", str(PD / "users.json"), str(broken), "-w", str(empty_workspace)
    )
    assert result.returncode == 2
    assert (
        "schedule (PS1PRIM 'ML Platform Primary').schedule_layers[1] (PL1WEEK 'Layer 1').rotation_turn_length_seconds: missing"
        in result.stderr
    ), result.stderr
    assert "Traceback" not in result.stderr
    assert list((empty_workspace / "org").iterdir()) == []


def test_a_truncated_export_is_refused_with_its_line(empty_workspace: Path, tmp_path: Path) -> None:
    text = (PD / "users.json").read_text()
    cut = tmp_path / "users.json"
    cut.write_text(text[: len(text) // 2])
    result = run_import("pagerduty", str(cut), "-w", str(empty_workspace))
    assert result.returncode == 2
    assert "not valid JSON" in result.stderr and "truncated" in result.stderr
    assert f"{cut}:" in result.stderr
    assert list((empty_workspace / "org").iterdir()) == []


def test_one_page_of_several_is_refused(empty_workspace: Path, tmp_path: Path) -> None:
    page = tmp_path / "users.json"
    data = json.loads((PD / "users.json").read_text())
    data["more"] = True
    page.write_text(json.dumps(data))
    result = run_import("pagerduty", str(page), "-w", str(empty_workspace))
    assert result.returncode == 2 and '"more": true' in result.stderr


def test_ids_already_in_the_workspace_refuse_the_import_until_prefixed(
    empty_workspace: Path,
) -> None:
    first = run_import("pagerduty", *_exports(), "-w", str(empty_workspace))
    assert first.returncode == 0, first.stderr
    shutil.move(
        empty_workspace / "org" / "imported-pagerduty.yaml", empty_workspace / "org" / "team.yaml"
    )
    before = sorted(p.name for p in (empty_workspace / "org").iterdir())
    again = run_import("pagerduty", *_exports(), "-w", str(empty_workspace))
    assert again.returncode == 2
    assert "FB105" in again.stderr and "--prefix" in again.stderr
    assert sorted(p.name for p in (empty_workspace / "org").iterdir()) == before
    prefixed = run_import("pagerduty", *_exports(), "-w", str(empty_workspace), "--prefix", "pd-")
    assert prefixed.returncode == 0, prefixed.stderr
    org = load_workspace(empty_workspace).workspace.org
    assert "pd-alice-moreau" in org.people and "alice-moreau" in org.people
