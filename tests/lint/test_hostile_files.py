"""Hostile workspace files: lint (and the loader serve uses) stay bounded and report findings,
never a crash or a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from firebreak.errors import InputError
from firebreak.settings import SettingsError, load_settings
from firebreak.yamlsrc import loads

BOMB = "\n".join(
    [
        'a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x"]',
        *(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 9)),
    ]
)


def lint_json(ws: Path) -> tuple[int, list[dict[str, Any]], float]:
    env = {k: v for k, v in os.environ.items() if k != "FIREBREAK_WORKSPACE"}
    start = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "firebreak", "lint", "--workspace", str(ws), "--format", "json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    took = time.monotonic() - start
    assert proc.returncode in (0, 1), (proc.returncode, proc.stderr[-2000:])
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc.returncode, json.loads(proc.stdout), took


def runbook(ws: Path, name: str, front: str, body: str) -> None:
    (ws / "runbooks" / name).write_text(f"---\nid: {name[:-3]}\n{front}\n---\n# T\n\n{body}\n")


@pytest.mark.slow
def test_alias_bomb_deep_markdown_and_bad_drills_are_findings(example_workspace: Path) -> None:
    runbook(example_workspace, "bomb.md", BOMB, "")
    runbook(example_workspace, "quotes.md", "title: Deep", ">" * 100_000)  # segfaulted the parser
    runbook(example_workspace, "lists.md", "title: Lists", "1. " * 40_000)
    (example_workspace / "drills" / "broken.yaml").write_text("name: x\nservice: [\n")
    (example_workspace / "drills" / "odd.yaml").write_text("name: odd\nbogus: 1\n")
    code, findings, took = lint_json(example_workspace)
    assert code == 1
    by_path: dict[str, list[dict[str, Any]]] = {}
    for f in findings:
        by_path.setdefault(f["path"], []).append(f)
    [bomb] = by_path["runbooks/bomb.md"]
    assert bomb["code"] == "FB100" and "aliases expand" in bomb["message"] and bomb["line"] > 1
    assert "runbooks/quotes.md" in by_path and "runbooks/lists.md" in by_path  # parsed, linted
    assert by_path["drills/broken.yaml"][0]["code"] == "FB100"
    assert any("unknown key 'bogus'" in f["message"] for f in by_path["drills/odd.yaml"])
    assert took < 30, took  # minutes before the aliases were bounded


@pytest.mark.slow
def test_deep_toml_is_a_finding_not_a_traceback(example_workspace: Path) -> None:
    (example_workspace / "firebreak.toml").write_text("a = " + "[" * 50_000 + "]" * 50_000 + "\n")
    _code, findings, _took = lint_json(example_workspace)
    [toml] = [f for f in findings if f["path"] == "firebreak.toml" and f["code"] == "FB100"]
    assert toml["code"] == "FB100" and "nested too deeply" in toml["message"]


def test_every_settings_error_is_reported_at_its_line_with_the_accepted_keys(
    tmp_path: Path,
) -> None:
    path = tmp_path / "firebreak.toml"
    path.write_text(
        '[store]\nurl = "sqlite:///x.db"\n\n[workspace]\nprofile = "huge"\nnmae = "x"\n'
        '\n[channels.slack]\nurl = 5\nurll = "y"\n'
    )
    try:
        load_settings(path)
    except SettingsError as exc:
        problems = [(where.line, message) for message, where in exc.problems]
    else:
        raise AssertionError("the settings loaded")
    assert problems == [
        (5, "workspace.profile: Input should be 'small', 'mid' or 'large'"),
        (6, "workspace.nmae: unknown setting; expected one of name, profile, timezone"),
        (9, "channels.slack.url: Input should be a valid string"),
        (10, "channels.slack.urll: unknown setting; expected one of retries, url"),
    ]


@pytest.mark.slow
def test_a_large_document_without_aliases_is_not_mistaken_for_a_bomb() -> None:
    text = "people:\n" + "".join(f"  - {{id: p{i}, name: P}}\n" for i in range(60_000))
    assert len(loads(text, "org/people.yaml")["people"]) == 60_000  # 180,000 nodes
    with pytest.raises(InputError, match="aliases expand"):
        loads(BOMB, "runbook.md")
