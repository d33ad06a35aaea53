"""Whatever text a runbook holds, the parser and the rules answer with findings, never an exception."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from firebreak.runbooks.lint import lint_runbook
from firebreak.runbooks.parser import parse_text
from firebreak.settings import Settings

GOOD = (
    Path(__file__).parents[1]
    / "lint"
    / "fixtures"
    / "ws"
    / "runbooks"
    / "chat-api-inference-outage.md"
).read_text()
PIECES = [
    "---\n",
    "# T\n",
    "## Mitigation\n",
    "## Diagnosis\n",
    "1. ",
    "   ",
    "*(ops)*",
    "```sh\n",
    "```\n",
    "Expect: ok\n",
    "trigger: ",
    "above: ",
    "high",
    "0.5",
    "{",
    "}",
    "[",
    "]",
    ":",
    "-",
    "`x`",
    "[a](b)",
    "TODO",
    "<Insert x>",
    "\n",
    "reviewed: ",
    "2026-02-30",
    "&a ",
    "*a",
    "!!",
    "roles:\n  a: ",
    "person:x",
    "done_when: ",
    "\t",
    "\x00",
    "é",
]


def _check(text: str) -> None:
    runbook, found = parse_text(text, "rb.md", "rb")
    assert all(f.path == "rb.md" and f.line >= 0 for f in found)
    if runbook is not None:
        lint_runbook(runbook, Settings(), date(2026, 11, 27))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(PIECES), max_size=40))
def test_pieces_never_raise(pieces: list[str]) -> None:
    _check("".join(pieces))


@settings(max_examples=200, deadline=None)
@given(st.integers(0, len(GOOD)), st.integers(0, 40), st.text(max_size=20))
def test_damaged_good_runbook_never_raises(at: int, cut: int, insert: str) -> None:
    _check(GOOD[:at] + insert + GOOD[at + cut :])
