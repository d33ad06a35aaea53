"""Helpers for lint tests: a small workspace (tests/lint/fixtures/ws) with one runbook swapped in."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from firebreak.lint.findings import Finding
from firebreak.lint.run import lint_paths

FIXTURES = Path(__file__).parent / "fixtures"
GOOD = FIXTURES / "ws" / "runbooks" / "chat-api-inference-outage.md"
TODAY = date(2026, 11, 27)
MY_CODES = ("FB1", "FB2", "FB3", "FB4")


def good_text() -> str:
    return GOOD.read_text()


@pytest.fixture
def small_ws(tmp_path: Path) -> Path:
    """A copy of the fixture workspace: three people, one service, two schedules, one runbook."""
    root = tmp_path / "ws"
    shutil.copytree(FIXTURES / "ws", root)
    return root


LintText = Callable[[str], list[Finding]]


@pytest.fixture
def lint_text(small_ws: Path) -> LintText:
    """Lint the fixture workspace with its runbook replaced by ``text``; FB1xx-FB4xx only."""

    def run(text: str) -> list[Finding]:
        (small_ws / "runbooks" / GOOD.name).write_text(text)
        report = lint_paths([], small_ws, TODAY, select=MY_CODES)
        return report.findings

    return run
