"""`firebreak handoff`, `review` and `baseline` as a user runs them: real subprocesses."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from history import write_history

from firebreak.clock import SystemClock
from firebreak.store.db import open_store
from firebreak.workspace import require

pytestmark = pytest.mark.slow


def run(*args: str, ws: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "firebreak", *args, "--workspace", str(ws)],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def history_ws(example_workspace: Path) -> Path:
    toml = example_workspace / "firebreak.toml"
    toml.write_text(
        toml.read_text().replace('to = ["team:ml-platform"]', 'to = ["person:dana"]', 1)
    )
    store = open_store(f"sqlite:///{example_workspace / 'firebreak.db'}")
    store.upgrade()
    write_history(store, require(example_workspace), SystemClock().now(), worse=True)
    store.dispose()
    return example_workspace


def test_review_markdown_json_and_send(history_ws: Path) -> None:
    md = run("review", "--period", "14d", ws=history_ws)
    assert md.returncode == 0, md.stderr
    assert md.stdout.startswith("# Weekly review: acme-ai")
    assert md.stdout.index("## DECAY ALARMS") < md.stdout.index("## The three figures")
    js = run("review", "--period", "14d", "--format", "json", ws=history_ws)
    data = json.loads(js.stdout)
    assert {a["figure"] for a in data["decay"]} == {
        "mttr_s.median",
        "false_alarm_rate",
        "drill_pass_rate",
    }
    sent = run("review", "--period", "14d", "--send", ws=history_ws)
    assert sent.returncode == 0, sent.stderr
    # the example's channels print pages on the console: the review went to dana's contacts
    assert "PAGE dana via email" in sent.stderr and "[DECAY: 3 alarm(s)]" in sent.stderr
    assert "review to dana via email: sent" in sent.stderr


def test_handoff_markdown_and_json(history_ws: Path) -> None:
    md = run("handoff", "--since", "7d", ws=history_ws)
    assert md.returncode == 0, md.stderr
    assert "## Open follow-ups" in md.stdout and "acknowledged" in md.stdout
    data = json.loads(run("handoff", "--since", "7d", "--format", "json", ws=history_ws).stdout)
    assert data["kind"] == "handoff" and data["follow_ups"] and data["oncall"]


def test_bad_input_gets_a_clear_message(example_workspace: Path, tmp_path: Path) -> None:
    zero = run("review", "--period", "0d", ws=example_workspace)
    assert zero.returncode == 2 and "--period" in zero.stderr and "Traceback" not in zero.stderr
    old = tmp_path / "old.json"
    old.write_text(json.dumps({"mttr_s": {"median": 60}, "false_alarm_rate": 0.1}))
    stale = run("review", "--baseline-file", str(old), ws=example_workspace)
    assert stale.returncode == 2 and "another firebreak version" in stale.stderr
    assert "Traceback" not in stale.stderr
    junk = tmp_path / "junk.json"
    junk.write_text("{not json")
    bad = run("review", "--baseline-file", str(junk), ws=example_workspace)
    assert bad.returncode == 2 and "not readable JSON" in bad.stderr
    empty = run("review", ws=example_workspace)
    assert empty.returncode == 0 and "no history recorded yet" in empty.stderr
    assert "No baseline saved yet" in empty.stdout
    toml = example_workspace / "firebreak.toml"
    toml.write_text(toml.read_text().replace('to = ["team:ml-platform"]', "to = []", 1))
    nobody = run("review", "--send", ws=example_workspace)
    assert nobody.returncode == 2 and "[review] to names nobody" in nobody.stderr


def test_baseline_start_then_status(example_workspace: Path) -> None:
    started = run("baseline", "start", "two-weeks", ws=example_workspace)
    assert started.returncode == 0 and "capturing baseline 'two-weeks'" in started.stderr
    again = run("baseline", "start", "two-weeks", ws=example_workspace)
    assert again.returncode == 2 and "already exists" in again.stderr
    status = json.loads(run("baseline", "status", "--format", "json", ws=example_workspace).stdout)
    assert [(s["name"], s["state"]) for s in status] == [("two-weeks", "capturing")]
    review = run("review", "--format", "json", ws=example_workspace)
    assert json.loads(review.stdout)["baseline_captures"][0]["state"] == "capturing"
