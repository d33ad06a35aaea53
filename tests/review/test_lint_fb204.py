"""FB204: on the small profile, a handoff note must carry a date no older than the review."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from firebreak.lint.run import lint_paths

RUNBOOK = "runbooks/chat-api-inference-outage.md"


def _small(root: Path, handoff: str) -> list[tuple[str, int, str]]:
    toml = root / "firebreak.toml"
    toml.write_text(toml.read_text().replace('profile = "mid"', 'profile = "small"'))
    path = root / RUNBOOK
    text = re.sub(r"reviewed: \S+", "reviewed: 2026-11-20", path.read_text(), count=1)
    path.write_text(text.replace("reviewed:", f"backup: person:lee\n{handoff}reviewed:", 1))
    found = lint_paths([], root, date(2026, 12, 1), select=("FB204",)).findings
    return [(f.path, f.line, f.message) for f in found if f.path == RUNBOOK]


def test_a_note_without_a_date(example_workspace: Path) -> None:
    found = _small(example_workspace, "handoff: Share the incident channel.\n")
    assert len(found) == 1 and "no `handoff_updated:` date" in found[0][2]


def test_a_note_older_than_the_review(example_workspace: Path) -> None:
    found = _small(example_workspace, "handoff: Share the channel.\nhandoff_updated: 2026-10-01\n")
    assert len(found) == 1 and "before the runbook's review on 2026-11-20" in found[0][2]
    text = (example_workspace / RUNBOOK).read_text().splitlines()
    assert text[found[0][1] - 1].startswith("handoff_updated:")


def test_a_current_note_passes(example_workspace: Path) -> None:
    assert (
        _small(example_workspace, "handoff: Share the channel.\nhandoff_updated: 2026-11-25\n")
        == []
    )
