"""Who has not drilled a runbook they may be paged for in 90 days."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from firebreak.drills.coverage import Participation, pageable, undrilled
from firebreak.workspace import require

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def test_pageable_people_come_from_the_chain_and_the_roles(example_workspace: Path) -> None:
    people = pageable(require(example_workspace))
    # ml-platform-page: primary (dana, lee, sam) then secondary (priya, marco) and dana.
    assert people["chat-api-inference-outage"] == {"dana", "lee", "sam", "priya", "marco"}
    # applied-ai-page reaches mei, arjun, noor and the ML primary; operations is ML primary.
    assert people["agent-cost-spike"] == {"mei", "arjun", "noor", "dana", "lee", "sam"}


def test_a_recent_drill_covers_its_participants_only(example_workspace: Path) -> None:
    workspace = require(example_workspace)
    runs = [
        Participation("chat-api-inference-outage", ("dana",), NOW - timedelta(days=10)),
        Participation("chat-api-inference-outage", ("lee",), NOW - timedelta(days=100)),
        Participation("provider-api-failure", (), NOW - timedelta(days=1)),  # simulated
    ]
    gaps = {(g.person, g.runbook): g for g in undrilled(workspace, runs, NOW)}
    assert ("dana", "chat-api-inference-outage") not in gaps
    stale = gaps[("lee", "chat-api-inference-outage")]
    assert stale.last_drilled == NOW - timedelta(days=100)
    assert gaps[("sam", "chat-api-inference-outage")].last_drilled is None
    assert ("dana", "provider-api-failure") in gaps
    assert ("mei", "chat-api-inference-outage") not in gaps  # never paged for it


@pytest.mark.slow
def test_a_tabletop_as_a_person_removes_them_from_the_list(example_workspace: Path) -> None:
    def firebreak(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "firebreak", "drill", *args, "-w", str(example_workspace)],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    before = json.loads(firebreak("--coverage", "--format", "json").stdout)["undrilled"]
    pair = {"person": "lee", "runbook": "provider-api-failure", "last_drilled": None}
    assert pair in before
    done = firebreak("--tabletop", "provider-429-storm", "--as", "lee", stdin="\n" + "d\n" * 6)
    assert done.returncode == 0, done.stderr
    after = json.loads(firebreak("--coverage", "--format", "json").stdout)["undrilled"]
    assert not [g for g in after if (g["person"], g["runbook"]) == ("lee", "provider-api-failure")]
    assert len(after) == len(before) - 1
    unknown = firebreak("--tabletop", "provider-429-storm", "--as", "nobody")
    assert unknown.returncode == 2 and "unknown person 'nobody'" in unknown.stderr
