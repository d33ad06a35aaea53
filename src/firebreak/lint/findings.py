"""A finding: one problem at one place, with a stable rule code."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import ValidationError

from firebreak.errors import Location
from firebreak.yamlsrc import locate

SeverityName = Literal["error", "warning", "info"]
SEVERITY_RANK: dict[str, int] = {"info": 0, "warning": 1, "error": 2}


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    severity: SeverityName
    summary: str


_RULE_LIST = [
    Rule("FB100", "unreadable-file", "error", "a file could not be read or parsed"),
    Rule("FB101", "missing-key", "error", "a required front matter or org key is missing"),
    Rule("FB102", "unknown-key", "error", "a key that firebreak does not know"),
    Rule("FB103", "bad-value", "error", "a value of the wrong type or out of range"),
    Rule("FB104", "unknown-reference", "error", "a reference to an id that does not exist"),
    Rule("FB105", "duplicate-id", "error", "two objects of one kind share an id"),
    Rule("FB201", "review-overdue", "warning", "the runbook's review is overdue"),
    Rule("FB202", "never-reviewed", "warning", "the runbook has no review date"),
    Rule("FB203", "placeholder", "warning", "placeholder text (TODO, TBD, <Insert …>)"),
    Rule(
        "FB204",
        "stale-handoff-note",
        "warning",
        "the handoff note has no date or is older than the runbook's review (small profile)",
    ),
    Rule("FB301", "no-trigger", "warning", "the runbook has no trigger"),
    Rule("FB302", "no-window", "warning", "a threshold trigger with no window or `for`"),
    Rule("FB303", "no-numeric-threshold", "error", "a word where a numeric threshold belongs"),
    Rule("FB304", "ratio-without-min-requests", "warning", "a ratio trigger with no min_requests"),
    Rule("FB305", "promql-does-not-parse", "error", "a promql trigger that does not parse"),
    Rule("FB401", "no-steps", "error", "no numbered steps under Diagnosis or Mitigation"),
    Rule(
        "FB402", "step-without-action", "warning", "a step with no command, inline command or link"
    ),
    Rule("FB403", "step-without-expect", "warning", "a step with no `Expect:` line"),
    Rule("FB404", "step-without-role", "warning", "a step that names no role"),
    Rule("FB405", "no-done-when", "warning", "no exit criteria (done_when)"),
    Rule("FB501", "missing-role", "error", "a role the profile requires is not filled"),
    Rule("FB502", "unreachable-role", "error", "a role filled by no one who can be reached"),
    Rule("FB503", "single-role-holder", "warning", "one person holds every role"),
    Rule("FB601", "no-escalation", "error", "no escalation policy for the runbook or service"),
    Rule("FB602", "unknown-target", "error", "an escalation target that does not exist"),
    Rule("FB603", "no-contact", "error", "a person who can be paged has no contact"),
    Rule("FB604", "schedule-gap", "warning", "a schedule has nobody on call in the horizon"),
    Rule("FB605", "slow-chain", "warning", "the chain reaches a second human too late"),
    Rule("FB606", "no-policy", "warning", "an alert can find no escalation policy"),
    Rule("FB607", "no-channel", "error", "a contact type people are paged on has no channel"),
    Rule("FB608", "inhibit-self", "warning", "an inhibit rule whose source and target overlap"),
    Rule("FB609", "inhibit-label-form", "warning", "an inhibit label or value in a foreign form"),
    Rule("FB701", "single-responder", "warning", "fewer than two people can respond"),
    Rule("FB702", "on-call-concentration", "warning", "one person carries most on-call hours"),
    Rule("FB703", "no-backup", "warning", "no trained backup or handoff note (small profile)"),
]
RULES: dict[str, Rule] = {r.code: r for r in _RULE_LIST}


@dataclass(frozen=True)
class Finding:
    code: str
    message: str
    path: str
    line: int = 0
    col: int = 0
    severity: SeverityName = "error"

    @property
    def rule(self) -> Rule:
        return RULES[self.code]

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.line, self.col, self.code)

    def to_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "line": self.line,
            "col": self.col,
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
        }


def finding(code: str, message: str, where: Location) -> Finding:
    """A finding with the rule's default severity."""
    rule = RULES[code]
    return Finding(code, message, where.path, where.line, where.col, rule.severity)


def validation_findings(
    exc: ValidationError, raw: Any, display: str, prefix: tuple[Any, ...] = ()
) -> list[Finding]:
    """Turn pydantic errors into FB101/FB102/FB103 findings at the right line and column."""
    out = []
    for err in exc.errors():
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
        path = prefix + loc
        line, col = locate(raw, path)
        where = Location(display, line, col)
        dotted = ".".join(str(p) for p in path)
        if err["type"] == "missing":
            out.append(finding("FB101", f"missing required key {dotted!r}", where))
        elif err["type"] == "extra_forbidden":
            out.append(finding("FB102", f"unknown key {dotted!r}", where))
        else:
            msg = err["msg"].removeprefix("Value error, ")
            out.append(finding("FB103", f"{dotted}: {msg}", where))
    return out
