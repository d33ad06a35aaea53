"""FB608 and FB609: `firebreak lint` on bad [[inhibit]] rules, as a real process."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_lint_cli import run

pytestmark = pytest.mark.slow  # starts firebreak or a server

SELF = """
[[inhibit]]
source = {severity = "critical"}
target = {service = "chat-api"}
"""
FOREIGN = """
[[inhibit]]
source = {scenario = "third_party_failure"}
target = {severity = "!=critical"}
"""
BAD_REGEX = """
[[inhibit]]
source = {scenario = "~(third"}
target = {scenario = "inference_outage"}
"""


def lint_with(ws: Path, extra: str) -> tuple[int, list[dict[str, object]], str]:
    toml = ws / "firebreak.toml"
    toml.write_text(toml.read_text() + extra)
    code, out, err = run(str(ws), "--format", "json", "--select", "FB1,FB6")
    return code, json.loads(out) if out.strip() else [], err


def test_a_rule_that_would_inhibit_itself_is_a_finding_at_its_line(
    example_workspace: Path,
) -> None:
    code, found, _ = lint_with(example_workspace, SELF)
    hits = [f for f in found if f["code"] == "FB608"]
    assert len(hits) == 1 and code == 0  # a warning, below the default --fail-on error
    text = (example_workspace / "firebreak.toml").read_text().splitlines()
    assert text[int(str(hits[0]["line"])) - 1] == "[[inhibit]]"
    assert hits[0]["line"] > 10  # the second rule, after the example's own
    assert "{service=chat-api, severity=critical}" in str(hits[0]["message"])


def test_the_example_rules_are_clean(example_workspace: Path) -> None:
    _, found, _ = lint_with(example_workspace, "")
    assert not [f for f in found if f["code"] in ("FB608", "FB609")]


def test_an_alertmanager_operator_in_a_value_is_named(example_workspace: Path) -> None:
    _, found, _ = lint_with(example_workspace, FOREIGN)
    hits = [f for f in found if f["code"] == "FB609"]
    assert len(hits) == 1 and "'!='" in str(hits[0]["message"])


def test_a_regex_that_cannot_compile_is_an_error_with_its_line(example_workspace: Path) -> None:
    code, found, _ = lint_with(example_workspace, BAD_REGEX)
    errors = [
        f for f in found if str(f["path"]).endswith("firebreak.toml") and f["code"] == "FB100"
    ]
    assert code == 1 and errors
    assert "not a regular expression" in str(errors[0]["message"])
