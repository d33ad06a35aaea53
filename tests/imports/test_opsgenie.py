"""`firebreak import opsgenie` on exports written from Opsgenie's documented REST API v2 shapes."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from import_helpers import FIXTURES, run_import

from firebreak.org.oncall import on_call
from firebreak.workspace import load_workspace

pytestmark = pytest.mark.slow  # starts firebreak or a server

OG = FIXTURES / "opsgenie"


def _exports() -> list[str]:
    return [str(p) for p in sorted(OG.glob("*.json"))]


def test_rotations_become_schedules_paged_together_as_opsgenie_does(empty_workspace: Path) -> None:
    result = run_import("opsgenie", *_exports(), "-w", str(empty_workspace))
    assert result.returncode == 0, result.stderr
    loaded = load_workspace(empty_workspace)
    assert not loaded.errors, loaded.errors
    org = loaded.workspace.org
    weekdays = org.schedules["sre-schedule-weekdays"]
    nights = org.schedules["sre-schedule-nights"]
    # Lisbon is UTC+0 in winter: weekly weekday rotation from Mon 09:00 to Fri 18:00.
    assert on_call(weekdays, datetime(2026, 12, 2, 12, tzinfo=UTC)) == "ana-lima"
    assert on_call(weekdays, datetime(2026, 12, 4, 17, 59, tzinfo=UTC)) == "ana-lima"
    assert on_call(weekdays, datetime(2026, 12, 5, 12, tzinfo=UTC)) is None  # Saturday
    assert on_call(weekdays, datetime(2026, 12, 8, 10, tzinfo=UTC)) == "ben-cole"
    assert on_call(nights, datetime(2026, 12, 2, 20, tzinfo=UTC)) == "caro-diaz"
    assert on_call(nights, datetime(2026, 12, 3, 8, 59, tzinfo=UTC)) == "caro-diaz"
    assert on_call(nights, datetime(2026, 12, 3, 12, tzinfo=UTC)) is None
    policy = org.escalation_policies["sre-escalation"]
    assert [lvl.targets for lvl in policy.levels] == [
        ["schedule:sre-schedule-weekdays", "schedule:sre-schedule-nights"],
        ["person:ana-lima"],
        ["team:sre"],
    ]
    assert [int(lvl.ack_within.total_seconds()) for lvl in policy.levels] == [600, 600, 900]
    assert policy.repeat == 2
    assert org.services["chat-gateway"].team == "sre"
    assert [c.type for c in org.people["ana-lima"].contacts] == ["email", "sms"]
    for expected in ("a none participant", "overrides", "notifyType next", "routing rules"):
        assert expected in result.stdout


def test_a_rotation_without_a_type_names_it_and_nothing_is_written(
    empty_workspace: Path, tmp_path: Path
) -> None:
    data = json.loads((OG / "schedules.json").read_text())
    del data["data"][0]["rotations"][1]["type"]
    broken = tmp_path / "schedules.json"
    broken.write_text(json.dumps(data))
    files = [str(OG / "users.json"), str(broken)]
    result = run_import("opsgenie", *files, "-w", str(empty_workspace))
    assert result.returncode == 2
    assert (
        "data[0] (d875e654-9b4e-4219-a803-0c26ca6e2dc3 'sre_schedule').rotations[1]"
        " (b8e2d7c3-1f2a-4d6b-a2c8-2f1e1f6c8b02 'nights').type: missing" in result.stderr
    ), result.stderr
    assert list((empty_workspace / "org").iterdir()) == []


def test_one_page_of_several_is_refused(empty_workspace: Path, tmp_path: Path) -> None:
    data = json.loads((OG / "users.json").read_text())
    data["paging"]["next"] = "https://api.opsgenie.com/v2/users?limit=100&offset=100"
    page = tmp_path / "users.json"
    page.write_text(json.dumps(data))
    result = run_import("opsgenie", str(page), "-w", str(empty_workspace))
    assert result.returncode == 2 and "paging.next" in result.stderr
