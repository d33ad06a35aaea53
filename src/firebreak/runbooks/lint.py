"""Runbook lint rules FB2xx (staleness), FB3xx (trigger clarity), FB4xx (actionability).

Pure functions of a parsed runbook, the workspace settings and today's date. Rules about the
front matter (review dates, triggers, done_when) only judge runbooks that have one: a runbook
with no front matter is judged on its body alone.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

from firebreak.detect.promql_parse import parse_error
from firebreak.durations import format_duration
from firebreak.errors import Location
from firebreak.lint.findings import Finding, finding
from firebreak.runbooks.body import STEP_SECTIONS
from firebreak.runbooks.kinds import KINDS, spelled
from firebreak.runbooks.model import RATIO_SIGNALS, Runbook, Trigger
from firebreak.settings import Settings
from firebreak.yamlsrc import YList, YMap

PLACEHOLDER = re.compile(
    r"\b(TODO|TBD|FIXME|XXX)\b|<\s*insert\b[^>\n]*>|\[\s*insert\b[^\]\n]*\]", re.IGNORECASE
)
# Signals that are a state read as it is (a status page), not an aggregate over a window.
STATE_SIGNALS = frozenset({"provider_status"})
_UPPER_ONLY = frozenset({"TODO", "TBD", "FIXME", "XXX"})
_HINTS = ("todo", "tbd", "fixme", "xxx", "insert")


def lint_runbook(runbook: Runbook, settings: Settings, today: date) -> list[Finding]:
    """Every FB2xx, FB3xx and FB4xx finding for one runbook."""
    out: list[Finding] = []
    if runbook.front_matter is not None:
        out.extend(_review(runbook, settings, today))
        if settings.workspace.profile == "small":
            out.extend(_handoff_note(runbook))
        out.extend(_triggers(runbook))
        out.extend(_done_when(runbook))
    out.extend(_placeholders(runbook))
    out.extend(_steps(runbook))
    return out


def _has_key(runbook: Runbook, key: str) -> bool:
    return isinstance(runbook.front_matter, dict) and key in runbook.front_matter


def _review(runbook: Runbook, settings: Settings, today: date) -> list[Finding]:
    """FB201 review overdue, FB202 never reviewed."""
    if runbook.reviewed is None:
        if _has_key(runbook, "reviewed"):
            return []  # a bad date is FB103 already
        return [
            finding(
                "FB202",
                "the runbook has no `reviewed:` date; review it and record the day",
                runbook.location(1, 1),
            )
        ]
    every = runbook.review_every or settings.review.every
    due = runbook.reviewed + timedelta(days=max(1, every.days))
    if due >= today:
        return []
    late = (today - due).days
    return [
        finding(
            "FB201",
            f"review overdue by {late} day(s): last reviewed {runbook.reviewed.isoformat()}, "
            f"due every {format_duration(every)} (by {due.isoformat()})",
            runbook.key_location("reviewed"),
        )
    ]


def _handoff_note(runbook: Runbook) -> list[Finding]:
    """FB204: a handoff note (small profile) with no ``handoff_updated:`` date, or one older than
    the runbook's last review. A missing note is FB703."""
    if not (runbook.handoff or "").strip():
        return []
    if runbook.handoff_updated is None:
        if _has_key(runbook, "handoff_updated"):
            return []  # a bad date is FB103 already
        return [
            finding(
                "FB204",
                "the handoff note has no `handoff_updated:` date; bring the note up to date "
                "and record the day",
                runbook.key_location("handoff"),
            )
        ]
    if runbook.reviewed is not None and runbook.handoff_updated < runbook.reviewed:
        return [
            finding(
                "FB204",
                f"the handoff note was last updated {runbook.handoff_updated.isoformat()}, "
                f"before the runbook's review on {runbook.reviewed.isoformat()}; read it "
                "against the runbook as it is now and update `handoff_updated:`",
                runbook.key_location("handoff_updated"),
            )
        ]
    return []


def _trigger_path(runbook: Runbook, index: int, *rest: str) -> Location:
    raw = runbook.front_matter.get("trigger") if isinstance(runbook.front_matter, dict) else None
    if isinstance(raw, YList):
        return runbook.key_location("trigger", index, *rest)
    return runbook.key_location("trigger", *rest)


def _triggers(runbook: Runbook) -> list[Finding]:
    """FB301 no trigger, FB302 threshold with no window or `for`, FB304 ratio without min_requests."""
    if not runbook.triggers:
        if _has_key(runbook, "trigger") and runbook.front_matter.get("trigger"):
            return []  # a trigger was written but is invalid: FB103 or FB303 says why
        return [
            finding(
                "FB301",
                "no `trigger:`: nothing a machine can evaluate opens this runbook's incident",
                runbook.location(1, 1),
            )
        ]
    out: list[Finding] = []
    for index, trig in enumerate(runbook.triggers):
        out.extend(_one_trigger(runbook, index, trig))
    return out


def _one_trigger(runbook: Runbook, index: int, trig: Trigger) -> Iterator[Finding]:
    if trig.kind is None:
        kinds = spelled(tuple(k for k in KINDS if k.promql) if trig.promql else KINDS)
        yield finding(
            "FB301",
            f"the trigger on {trig.source} has no kind: give {kinds}",
            _trigger_path(runbook, index),
        )
    if trig.promql is not None:
        yield from _promql_trigger(runbook, index, trig, trig.promql)
        return
    if trig.kind == "threshold":
        problem = _threshold_timing(trig)
        if problem:
            yield finding(
                "FB302", f"threshold on {trig.signal} {problem}", _trigger_path(runbook, index)
            )
        if trig.signal in RATIO_SIGNALS and trig.min_requests is None:
            yield finding(
                "FB304",
                f"threshold on {trig.signal}, a ratio, has no min_requests: a handful "
                "of requests at night could fire it",
                _trigger_path(runbook, index, "signal"),
            )


def _promql_trigger(runbook: Runbook, index: int, trig: Trigger, expr: str) -> Iterator[Finding]:
    """FB305 for an expression that does not parse; FB302 for a threshold with no `for`."""

    problem = parse_error(expr)
    if problem is not None:
        yield finding(
            "FB305",
            f"the promql does not parse: {problem}",
            _trigger_path(runbook, index, "promql"),
        )
    if trig.kind == "threshold" and trig.for_ is None:
        yield finding(
            "FB302",
            "threshold on promql has no `for`: say how long it must hold before it fires "
            "(one bad scrape would page)",
            _trigger_path(runbook, index),
        )


def _threshold_timing(trig: Trigger) -> str | None:
    """Why a threshold's timing is unclear, or None when a machine can evaluate it as written."""
    if trig.window is None and trig.for_ is None:
        return (
            "has no window and no `for`: say over what window it is measured and how long "
            "it must hold before it fires"
        )
    if trig.window is None and trig.signal not in STATE_SIGNALS:
        return "has no window: say over what window of requests it is measured"
    return None


def _done_when(runbook: Runbook) -> list[Finding]:
    if runbook.done_when or (_has_key(runbook, "done_when") and runbook.front_matter["done_when"]):
        return []
    return [
        finding(
            "FB405",
            "no `done_when:`: say which signals must hold for the incident to be resolved",
            runbook.location(1, 1),
        )
    ]


def _placeholders(runbook: Runbook) -> list[Finding]:
    """FB203 for placeholder text in the body and in front matter values."""
    out = []
    body = runbook.body
    if _may_hold_placeholder(body):
        offset = runbook.body_line - 1
        starts = [0, *(m.end() for m in re.finditer("\n", body))]
        for match in _matches(body):
            line = bisect_right(starts, match.start())
            col = match.start() - starts[line - 1] + 1
            out.append(_placeholder(match.group(0), runbook.location(line + offset, col)))
    if isinstance(runbook.front_matter, YMap):
        values: list[tuple[str, tuple[int, int]]] = []
        _strings(runbook.front_matter, values)
        if not _may_hold_placeholder("\n".join(text for text, _ in values)):
            return out
        for text, (line, col) in values:
            for match in _matches(text):
                out.append(_placeholder(match.group(0), runbook.location(line, col)))
                break
    return out


def _may_hold_placeholder(text: str) -> bool:
    """A cheap test that lets most texts skip the placeholder pattern."""
    low = text.lower()
    return any(word in low for word in _HINTS)


def _matches(text: str) -> Iterator[re.Match[str]]:
    for match in PLACEHOLDER.finditer(text):
        word = match.group(1)
        if word is None or word in _UPPER_ONLY:
            yield match


def _placeholder(text: str, where: Location) -> Finding:
    return finding(
        "FB203",
        f"placeholder text {text!r}: replace it with what a responder needs at 3 a.m.",
        where,
    )


def _strings(node: Any, out: list[tuple[str, tuple[int, int]]]) -> None:
    """Append every string value under ``node`` with its position."""
    if isinstance(node, YMap):
        positions = node.value_pos
        for key, value in node.items():
            if isinstance(value, str):
                out.append((value, positions.get(key, node.pos)))
            elif isinstance(value, YMap | YList):
                _strings(value, out)
    elif isinstance(node, YList):
        for index, value in enumerate(node):
            if isinstance(value, str):
                out.append((value, node.item_pos[index]))
            elif isinstance(value, YMap | YList):
                _strings(value, out)


def _no_steps(runbook: Runbook) -> list[Finding]:
    """FB401 for each Diagnosis or Mitigation section with no numbered item, or for neither."""
    with_steps = {step.section for step in runbook.steps}
    out = [
        finding(
            "FB401",
            f"no numbered steps under `## {section.name.title()}`: write what "
            "to do as a numbered list a responder can follow",
            runbook.location(section.line, 1),
        )
        for name, section in runbook.sections.items()
        if name in STEP_SECTIONS and name not in with_steps
    ]
    if not runbook.steps and not out:
        out.append(
            finding(
                "FB401",
                "no `## Diagnosis` or `## Mitigation` section with numbered steps: a "
                "responder has nothing to follow",
                runbook.location(runbook.title_line or 1, 1),
            )
        )
    return out


def _steps(runbook: Runbook) -> list[Finding]:
    """FB401 missing steps; FB402, FB403, FB404 for each step that falls short."""
    out = _no_steps(runbook)
    roles = set(runbook.roles)
    for step in runbook.steps:
        where = runbook.location(step.line, 1)
        name = f"{step.section} step {step.number}"
        if not step.actionable:
            out.append(
                finding(
                    "FB402",
                    f"{name} has no action: add a command block, an inline `command` or a link",
                    where,
                )
            )
        if not step.expect:
            out.append(
                finding(
                    "FB403",
                    f"{name} has no `Expect:` line saying what the responder should see",
                    where,
                )
            )
        if step.role is None:
            out.append(
                finding("FB404", f"{name} names no role: add one such as *(operations)*", where)
            )
        elif roles and step.role not in roles:
            out.append(
                finding(
                    "FB404",
                    f"{name} names role {step.role!r}, which the runbook's "
                    f"roles do not list ({', '.join(sorted(roles))})",
                    where,
                )
            )
    return out
