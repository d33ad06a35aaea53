"""Runbook rules as pure functions: lint_runbook(runbook, settings, today)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from firebreak.runbooks.lint import lint_runbook
from firebreak.runbooks.model import Runbook
from firebreak.runbooks.parser import parse_text
from firebreak.settings import ReviewSection, Settings

GOOD = Path(__file__).parents[1] / "lint" / "fixtures" / "ws" / "runbooks"
TODAY = date(2026, 11, 27)


def good() -> str:
    return (GOOD / "chat-api-inference-outage.md").read_text()


def runbook_of(text: str) -> Runbook:
    runbook, _ = parse_text(text, "rb.md", "rb")
    assert runbook is not None
    return runbook


def lint(text: str, today: date = TODAY, settings: Settings | None = None) -> list[tuple[str, int]]:
    found = lint_runbook(runbook_of(text), settings or Settings(), today)
    return [(f.code, f.line) for f in found]


def test_good_runbook_is_clean() -> None:
    assert lint(good()) == []


def test_review_overdue_depends_on_today() -> None:
    assert lint(good(), today=date(2026, 12, 30)) == []
    assert lint(good(), today=date(2026, 12, 31)) == [("FB201", 22)]


def test_review_every_defaults_to_the_settings() -> None:
    text = good().replace("review_every: 90d\n", "")
    short = Settings(review=ReviewSection(every=timedelta(days=30)))
    assert lint(text, today=date(2026, 11, 1)) == []
    assert lint(text, today=date(2026, 11, 1), settings=short) == [("FB201", 22)]


def test_a_bad_review_date_is_not_also_never_reviewed() -> None:
    assert lint(good().replace("reviewed: 2026-10-01", "reviewed: soon")) == []


@pytest.mark.parametrize(
    ("old", "new", "line"),
    [
        ("## Impact\n", "## Impact\n<Insert dashboard link>\n", 34),
        ("## Impact\n", "## Impact\nOwner: XXX\n", 34),
        ("## Impact\n", "## Impact\nFIXME later\n", 34),
        ("handoff: Hand over", "handoff: TBD. Hand over", 25),
        ("## Impact\n", "## Impact\n[Insert the team's channel here]\n", 34),
    ],
)
def test_placeholders(old: str, new: str, line: int) -> None:
    assert lint(good().replace(old, new, 1)) == [("FB203", line)]


@pytest.mark.parametrize(
    "prose", ["The todo list is empty.", "HTTP 5XX errors", "We insert rows.", "TODOS"]
)
def test_placeholder_lookalikes_are_fine(prose: str) -> None:
    assert lint(good().replace("## Impact\n", f"## Impact\n{prose}\n", 1)) == []


def test_placeholder_column() -> None:
    runbook = runbook_of(good().replace("## Impact\n", "## Impact\nAsk TBD.\n", 1))
    (found,) = lint_runbook(runbook, Settings(), TODAY)
    assert (found.code, found.line, found.col) == ("FB203", 34, 5)


def test_state_signal_needs_only_for() -> None:
    status = "trigger:\n  signal: provider_status\n  above: 1.5\n  for: 5m\n"
    text = good().replace(
        "trigger:\n  signal: error_ratio\n  where: {service: chat-api}\n  above: 0.05\n"
        "  window: 5m\n  for: 2m\n  min_requests: 50\n",
        status,
    )
    assert lint(text) == []
    assert lint(text.replace("  for: 5m\n", "")) == [("FB302", 13)]


def test_threshold_without_window_on_a_request_signal() -> None:
    assert lint(good().replace("  window: 5m\n", "")) == [("FB302", 13)]


def test_burn_rate_on_a_ratio_needs_no_min_requests() -> None:
    text = good().replace(
        "  above: 0.05\n  window: 5m\n  for: 2m\n  min_requests: 50\n",
        "  burn_rate: {objective: 99.5}\n",
    )
    assert lint(text) == []


def test_step_role_must_be_one_of_the_runbook_roles() -> None:
    text = good().replace("*(communications)*", "*(scribe)*")
    assert lint(text) == [("FB404", 49)]


def test_no_front_matter_only_body_rules() -> None:
    body = good().split("---\n", 2)[2]
    assert lint(body) == []
    assert lint(body.replace("   Expect: one provider or model carries most errors.\n", "")) == [
        ("FB403", 10)
    ]


def test_no_step_section_at_all() -> None:
    assert lint("# Title\n\nSome prose.\n") == [("FB401", 1)]


def test_prose_diagnosis_with_numbered_mitigation() -> None:
    text = good().replace("1. Break the errors", "Break the errors")
    assert lint(text) == [("FB401", 36)]


_SIGNAL_TRIGGER = """trigger:
  signal: error_ratio
  where: {service: chat-api}
  above: 0.05
  window: 5m
  for: 2m
  min_requests: 50
"""


def _with_trigger(trigger: str) -> str:
    return good().replace(_SIGNAL_TRIGGER, trigger)


def test_a_promql_trigger_that_parses_is_clean() -> None:
    text = _with_trigger(
        "trigger:\n  promql: 'sum(rate(gateway_errors_total[5m])) / sum(rate(gateway_requests_total[5m]))'\n"
        "  above: 0.05\n  for: 2m\n"
    )
    assert lint(text) == []
    trig = runbook_of(text).triggers[0]
    assert trig.promql is not None and trig.kind == "threshold" and trig.source == "promql"


def test_promql_that_does_not_parse_is_fb305_at_the_expression() -> None:
    text = _with_trigger("trigger:\n  promql: 'sum(rate(x[5m])'\n  above: 0.05\n  for: 2m\n")
    assert lint(text) == [("FB305", 14)]


def test_a_promql_threshold_without_for_is_fb302() -> None:
    assert lint(_with_trigger("trigger:\n  promql: up\n  below: 1\n")) == [("FB302", 13)]


def test_promql_with_event_keys_is_refused_with_the_reason() -> None:
    text = _with_trigger("trigger:\n  promql: up\n  below: 1\n  for: 1m\n  window: 5m\n")
    _, problems = parse_text(text, "rb.md", "rb")
    assert [p.code for p in problems] == ["FB103"]
    assert "window do not apply to a promql trigger" in problems[0].message
