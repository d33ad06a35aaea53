"""A small workspace with no findings (fixtures/base), copied and broken one edit at a time."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

from firebreak.lint.findings import Finding
from firebreak.org.checks import check_workspace
from firebreak.workspace import load_workspace

BASE = Path(__file__).parent / "fixtures" / "base"
TODAY = date(2026, 11, 27)
ORG = "org/org.yaml"
RUNBOOK = "runbooks/api-outage.md"
ORG_CODES = ("FB5", "FB6", "FB7")


def workspace(tmp_path: Path, edits: dict[str, list[tuple[str, str]]] | None = None) -> Path:
    root = tmp_path / "ws"
    shutil.copytree(BASE, root)
    for name, changes in (edits or {}).items():
        path = root / name
        text = path.read_text(encoding="utf-8")
        for old, new in changes:
            assert old in text, f"{old!r} not in {name}"
            text = text.replace(old, new, 1)
        path.write_text(text, encoding="utf-8")
    return root


def org_findings(root: Path) -> list[Finding]:
    loaded = load_workspace(root)
    assert not loaded.errors, loaded.errors
    return check_workspace(loaded.workspace, TODAY)


def codes(found: list[Finding]) -> list[str]:
    return sorted(f.code for f in found)


def only(found: list[Finding], code: str) -> Finding:
    matching = [f for f in found if f.code == code]
    assert len(matching) == 1, found
    return matching[0]


def line_of(root: Path, name: str, needle: str) -> int:
    lines = (root / name).read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, start=1) if needle in line)


# Every role and every escalation level names Ana alone: one person can respond.
ONLY_ANA = {
    RUNBOOK: [
        ("commander: schedule:primary", "commander: person:ana"),
        ("operations: schedule:secondary", "operations: person:ana"),
        ("communications: person:cem", "communications: person:ana"),
    ],
    ORG: [
        ("targets: [schedule:primary]", "targets: [person:ana]"),
        ("targets: [schedule:secondary, person:ana]", "targets: [person:ana]"),
    ],
}
