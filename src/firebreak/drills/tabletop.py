"""Tabletop drills: walk a person through a scenario in the terminal and time their answers.

The pages are worked out from the real escalation policy and on-call schedules at the moment the
fault would begin; each runbook step is asked in turn (done / skip / notes). Grading reuses the
objectives the scenario sets, on real elapsed time: acknowledgement and resolution are timed from
the first page shown.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from firebreak.drills.results import ObjectiveResult
from firebreak.drills.scenario import Scenario
from firebreak.durations import format_duration as fmt
from firebreak.errors import InputError
from firebreak.org import oncall
from firebreak.org.model import Org
from firebreak.runbooks.model import Runbook, Step
from firebreak.workspace import Workspace

Ask = Callable[[str], str]
Say = Callable[[str], None]
_SECRET_TYPES = ("webhook", "apprise")  # their addresses may carry credentials: never shown


@dataclass(frozen=True)
class PlannedPage:
    after: timedelta  # from the first page
    level: int
    person: str
    channel: str | None  # None: the person has no contact, the chain skips them
    address: str = ""


@dataclass
class Answers:
    ack_s: float | None = None
    steps: dict[str, str] = field(default_factory=dict)  # step key -> done | skipped
    notes: dict[str, str] = field(default_factory=dict)
    step_s: dict[str, float] = field(default_factory=dict)
    total_s: float = 0.0


def expected_runbook(scenario: Scenario, workspace: Workspace) -> Runbook | None:
    """The runbook the drill exercises: the objective's, else the service's for the scenario."""
    if scenario.objectives.runbook:
        return workspace.runbook(scenario.objectives.runbook)
    return next(
        (
            r
            for r in workspace.runbooks
            if r.service == scenario.service and r.scenario == scenario.scenario
        ),
        None,
    )


def policy_id(workspace: Workspace, scenario: Scenario, runbook: Runbook | None) -> str | None:
    org = workspace.org
    if runbook is not None and runbook.escalation in org.escalation_policies:
        return runbook.escalation
    service = org.services.get(scenario.service)
    return service.escalation if service is not None else None


def plan_pages(org: Org, policy: str | None, at: datetime) -> list[PlannedPage]:
    """Every page the chain would send if nobody acknowledged, level by level."""
    if policy is None or policy not in org.escalation_policies:
        return []
    pages: list[PlannedPage] = []
    offset = timedelta(0)
    for index, level in enumerate(org.escalation_policies[policy].levels):
        for ref in level.targets:
            for person_id in oncall.resolve(org, ref, at):
                pages.extend(_person_pages(org, person_id, index + 1, offset))
        offset += level.ack_within
    return pages


def _person_pages(org: Org, person_id: str, level: int, offset: timedelta) -> list[PlannedPage]:
    person = org.people[person_id]
    if not person.contacts:
        return [PlannedPage(offset, level, person_id, None)]
    out = []
    for contact in person.contacts:
        shown = "" if contact.type in _SECRET_TYPES else contact.address
        delay = contact.delay or timedelta(0)
        out.append(PlannedPage(offset + delay, level, person_id, contact.type, shown))
    return out


def page_line(page: PlannedPage, title: str) -> str:
    if page.channel is None:
        return f"  +{fmt(page.after)}  level {page.level}: {page.person} SKIPPED (no contact)"
    where = f"{page.channel} {page.address}".strip()
    return f"  +{fmt(page.after)}  level {page.level}: [DRILL] {title} -> {page.person} via {where}"


def ask_step(step: Step, holder: str, ask: Ask, say: Say, answers: Answers) -> None:
    """One step: show it, then take done / skip / notes until it is done or skipped."""
    say(f"\nStep {step.key} ({step.role or 'any role'}: {holder}): {step.text}")
    for command in step.commands:
        say("    $ " + command.strip().replace("\n", "\n      "))
    if step.expect:
        say(f"    Expect: {step.expect}")
    while True:
        reply = ask("done / skip / notes? [d/s/n]").strip().lower()
        if reply in ("d", "done"):
            answers.steps[step.key] = "done"
            return
        if reply in ("s", "skip"):
            answers.steps[step.key] = "skipped"
            return
        if reply in ("n", "notes"):
            answers.notes[step.key] = ask("notes").strip()
            continue
        say("please answer d (done), s (skip) or n (notes)")


def _timed(name: str, took_s: float, limit: timedelta, verb: str) -> ObjectiveResult:
    ok = took_s <= limit.total_seconds()
    side = "within" if ok else "later than"
    return ObjectiveResult(name, ok, f"{verb} {fmt(took_s)} ({side} {fmt(limit)})")


def _roles_result(roles: dict[str, str | None]) -> ObjectiveResult:
    empty = sorted(role for role, person in roles.items() if person is None)
    if empty:
        return ObjectiveResult(
            "roles_filled", False, f"roles with no reachable person: {', '.join(empty)}"
        )
    return ObjectiveResult("roles_filled", True, "every role has a reachable person")


def grade_tabletop(
    scenario: Scenario, runbook: Runbook | None, roles: dict[str, str | None], answers: Answers
) -> list[ObjectiveResult]:
    """The objectives a tabletop can judge: runbook, roles, acknowledgement, steps, resolution."""
    obj = scenario.objectives
    out: list[ObjectiveResult] = []
    if obj.runbook is not None:
        ok = runbook is not None and runbook.id == obj.runbook
        why = f"walked through {obj.runbook}" if ok else f"runbook {obj.runbook} not found"
        out.append(ObjectiveResult("runbook", ok, why))
    if obj.roles_filled:
        out.append(_roles_result(roles))
    if obj.ack_within is not None and answers.ack_s is not None:
        out.append(_timed("ack_within", answers.ack_s, obj.ack_within, "acknowledged after"))
    skipped = sorted(k for k, v in answers.steps.items() if v == "skipped")
    done = f"all {len(answers.steps)} steps done"
    out.append(
        ObjectiveResult(
            "steps_done", not skipped, f"skipped: {', '.join(skipped)}" if skipped else done
        )
    )
    if obj.resolved_within is not None:
        out.append(
            _timed("resolved_within", answers.total_s, obj.resolved_within, "walked through in")
        )
    return out


def role_holders(org: Org, runbook: Runbook | None, at: datetime) -> dict[str, str | None]:
    """Role -> the first reachable person its reference gives at ``at`` (None: nobody)."""
    holders: dict[str, str | None] = {}
    for role, ref in (runbook.roles if runbook is not None else {}).items():
        people = [p for p in oncall.resolve(org, ref, at) if oncall.reachable(org, p)]
        holders[role] = people[0] if people else None
    return holders


def paged_people(
    scenario: Scenario, workspace: Workspace, runbook: Runbook | None, at: datetime
) -> list[str]:
    """Who a live drill pages first: the first escalation level and the role holders at ``at``."""
    first = [
        p.person
        for p in plan_pages(workspace.org, policy_id(workspace, scenario, runbook), at)
        if p.level == 1 and p.channel is not None
    ]
    holders = [p for p in role_holders(workspace.org, runbook, at).values() if p]
    return list(dict.fromkeys(first + holders))


def require_runbook(scenario: Scenario, workspace: Workspace) -> Runbook:
    runbook = expected_runbook(scenario, workspace)
    if runbook is None:
        raise InputError(
            f"drill {scenario.name}: no runbook for {scenario.service} / {scenario.scenario}; "
            "a tabletop walks through a runbook's steps"
        )
    return runbook


def walk(
    scenario: Scenario,
    workspace: Workspace,
    at: datetime,
    io: tuple[Ask, Say, Callable[[], float]],
) -> tuple[list[ObjectiveResult], Answers, Runbook]:
    """Run the tabletop: show the pages, take the acknowledgement, ask every step in turn.

    ``at`` is the instant the fault would begin (on-call is resolved then); ``io`` is how to ask,
    how to print, and a monotonic clock in seconds for timing the answers.
    """
    ask, say, monotonic = io
    runbook = require_runbook(scenario, workspace)
    org = workspace.org
    title = runbook.title or runbook.id
    say(f"TABLETOP DRILL {scenario.name} ({scenario.scenario}, {scenario.service})")
    if scenario.description:
        say(scenario.description.strip())
    pages = plan_pages(org, policy_id(workspace, scenario, runbook), at)
    say("\nPages as they would arrive if nobody acknowledged:")
    for page in pages:
        say(page_line(page, title))
    if not any(p.channel for p in pages):
        say("  (the escalation chain reaches nobody)")
    answers = Answers()
    begin = monotonic()
    ask("Acknowledge when you would (press Enter)")
    answers.ack_s = monotonic() - begin
    roles = role_holders(org, runbook, at)
    say("\nRoles: " + ", ".join(f"{r} {p or 'UNFILLED'}" for r, p in roles.items()))
    for step in runbook.steps:
        started = monotonic()
        holder = roles.get(step.role or "") or "you"
        ask_step(step, holder, ask, say, answers)
        answers.step_s[step.key] = monotonic() - started
        say(f"  {step.key} {answers.steps[step.key]} after {fmt(answers.step_s[step.key])}")
    answers.total_s = monotonic() - begin
    return grade_tabletop(scenario, runbook, roles, answers), answers, runbook
