"""Each runbook code FB100-FB405: a fixture built to break it fires it, the good fixture does not."""

from __future__ import annotations

from pathlib import Path

import pytest
from lint_workspace import GOOD, TODAY, LintText, good_text

from firebreak.lint.findings import RULES
from firebreak.lint.run import lint_paths

# code -> (text to replace in the good runbook, replacement): the smallest change that breaks it.
BREAKS: dict[str, tuple[str, str]] = {
    "FB100": ("---\nid: chat", "---\nid: [chat"),
    "FB101": ("service: chat-api\n", ""),
    "FB102": ("severity: sev1\n", "severity: sev1\ncolour: red\n"),
    "FB103": ("severity: sev1", "severity: sev9"),
    "FB104": ("service: chat-api\n", "service: chat-apx\n"),
    "FB201": ("reviewed: 2026-10-01", "reviewed: 2026-01-05"),
    "FB202": ("reviewed: 2026-10-01\n", ""),
    "FB203": ("## Impact\n", "## Impact\nTODO: ask the product team.\n"),
    "FB301": (
        "trigger:\n  signal: error_ratio\n  where: {service: chat-api}\n  above: 0.05\n"
        "  window: 5m\n  for: 2m\n  min_requests: 50\n",
        "",
    ),
    "FB302": ("  window: 5m\n  for: 2m\n", ""),
    "FB303": ("above: 0.05", "above: high"),
    "FB304": ("  min_requests: 50\n", ""),
    "FB305": (
        "trigger:\n  signal: error_ratio\n  where: {service: chat-api}\n  above: 0.05\n"
        "  window: 5m\n  for: 2m\n  min_requests: 50\n",
        "trigger:\n  promql: 'sum(rate(errors_total[5m])'\n  above: 0.05\n  for: 2m\n",
    ),
    "FB401": ("1. Break the errors", "Break the errors"),
    "FB402": (
        "1. Break the errors down by provider and model. *(operations)*\n   ```sh\n"
        "   firebreak signals top error_ratio --service chat-api --by provider,model"
        " --last 15m\n   ```\n",
        "1. Break the errors down by provider and model. *(operations)*\n",
    ),
    "FB403": ("   Expect: one provider or model carries most errors.\n", ""),
    "FB404": (
        "Fail over to the secondary provider. *(operations)*",
        "Fail over to the secondary provider.",
    ),
    "FB405": (
        "done_when:\n  - {signal: error_ratio, where: {service: chat-api}, below: 0.01, "
        "for: 15m}\n",
        "",
    ),
}


def test_every_runbook_code_has_a_case() -> None:
    # FB105 has its own tests below; FB204 is for the small profile (tests/review/test_lint_fb204.py)
    mine = {code for code in RULES if code < "FB5"} - {"FB105", "FB204"}
    assert mine == set(BREAKS)


def test_the_good_fixture_has_no_finding(lint_text: LintText) -> None:
    assert lint_text(good_text()) == []


@pytest.mark.parametrize("code", sorted(BREAKS))
def test_the_broken_fixture_fires_its_code(code: str, lint_text: LintText) -> None:
    old, new = BREAKS[code]
    text = good_text()
    assert old in text, f"the good fixture changed: {old!r} is not in it"
    found = lint_text(text.replace(old, new, 1))
    codes = {f.code for f in found}
    assert code in codes, found
    hit = next(f for f in found if f.code == code)
    assert hit.path == f"runbooks/{GOOD.name}"
    assert hit.line >= 1 and hit.severity == RULES[code].severity


@pytest.mark.parametrize("code", sorted(BREAKS))
def test_the_good_fixture_does_not_fire_it(code: str, lint_text: LintText) -> None:
    assert code not in {f.code for f in lint_text(good_text())}


def test_fb105_duplicate_runbook_id(small_ws: Path) -> None:
    copy = small_ws / "runbooks" / "copy.md"
    copy.write_text(good_text())
    found = lint_paths([], small_ws, TODAY, select=("FB105",)).findings
    assert [(f.code, f.path, f.line) for f in found] == [("FB105", "runbooks/copy.md", 2)]


def test_fb105_not_fired_for_distinct_ids(small_ws: Path) -> None:
    text = good_text().replace("id: chat-api-inference-outage", "id: another")
    (small_ws / "runbooks" / "another.md").write_text(text)
    assert lint_paths([], small_ws, TODAY, select=("FB105",)).findings == []
