"""Org-level lint rules: roles (FB5xx), escalation chains (FB6xx) and key-person risk (FB7xx).

``check_workspace`` is what the lint runner calls. Schedule coverage is computed once per run
over the horizon ``[today 00:00 UTC, + lint.gap_horizon)`` and shared by every rule. Runbooks
with no front matter are judged on their body only (by the runbook rules), so they get none of
these findings. References to ids that do not exist are the loader's FB104, not repeated here.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from firebreak.durations import format_duration
from firebreak.lint.findings import Finding
from firebreak.org.chain import Horizon, Reach, policy_for
from firebreak.org.chain_rules import check_contacts, check_gaps, check_targets
from firebreak.org.context import Context, stamp
from firebreak.org.keyperson import check_concentration, check_responders, check_services
from firebreak.org.paging_rules import check_channels, check_policy_coverage
from firebreak.runbooks.model import Runbook
from firebreak.workspace import Workspace


def check_workspace(workspace: Workspace, today: date) -> list[Finding]:
    """Every FB5xx, FB6xx and FB7xx finding for a loaded workspace, as of ``today``."""
    settings = workspace.settings
    start = datetime.combine(today, time(0, 0), tzinfo=UTC)
    horizon = Horizon(workspace.org, start, start + settings.lint.gap_horizon)
    ctx = Context(workspace.org, settings, horizon, Reach(workspace.org))
    runbooks = [r for r in workspace.runbooks if r.front_matter is not None]
    for runbook in runbooks:
        check_roles(ctx, runbook)
        check_chain(ctx, runbook)
        check_responders(ctx, runbook)
        if settings.workspace.profile == "small":
            check_backup(ctx, runbook)
    check_targets(ctx)
    check_contacts(ctx, runbooks)
    check_gaps(ctx)
    check_policy_coverage(ctx, workspace)
    check_channels(ctx, runbooks)
    check_services(ctx)
    check_concentration(ctx)
    return ctx.findings


# --- FB5xx roles -------------------------------------------------------------------------------


def check_roles(ctx: Context, runbook: Runbook) -> None:
    """FB501 missing required roles, FB502 roles nobody reachable fills, FB503 one holder."""
    profile = ctx.settings.workspace.profile
    missing = [r for r in ctx.settings.required_roles if r not in runbook.roles]
    if missing:
        example = f"{missing[0]}: schedule:<id>"
        ctx.add(
            "FB501",
            f"the {profile} profile requires role(s) {', '.join(missing)}, which runbook "
            f"{runbook.id!r} does not fill; add them under roles (e.g. `{example}`)",
            runbook.key_location("roles"),
        )
    for role, ref in runbook.roles.items():
        _check_role_reachable(ctx, runbook, role, ref)
    if profile != "small":
        _check_single_holder(ctx, runbook)


def _check_role_reachable(ctx: Context, runbook: Runbook, role: str, ref: str) -> None:
    people = ctx.reach.members(ref)
    if not people or ctx.reach.reachable(ref):
        return  # an unknown id is FB104; someone reachable is fine
    kind = ref.partition(":")[0]
    who = people[0] if kind == "person" else f"{kind} members {', '.join(people)}"
    ctx.add(
        "FB502",
        f"role {role!r} is filled by {ref}, but nobody there can be reached ({who}: no contact); "
        "add a contact in org/ or fill the role with someone who has one",
        runbook.key_location("roles", role),
    )


def _check_single_holder(ctx: Context, runbook: Runbook) -> None:
    if len(runbook.roles) < 2:
        return
    refs = set(runbook.roles.values())
    holders = {p for ref in refs for p in ctx.reach.members(ref)}
    roles = ", ".join(runbook.roles)
    if len(holders) == 1:
        (person,) = holders
        why = f"{person} holds every role ({roles})"
    elif len(refs) == 1 and next(iter(refs)).startswith(("schedule:", "person:")):
        why = f"{next(iter(refs))} fills every role ({roles}), so one person holds them all"
    else:
        found = ctx.sole_holder(tuple(sorted(refs)))
        if found is None:
            return
        person, at = found
        why = f"{person} holds every role ({roles}) while on call, e.g. at {stamp(at)}"
    ctx.add(
        "FB503",
        f"{why}; give communications or operations to someone else so the commander can lead",
        runbook.key_location("roles"),
    )


# --- FB601 and FB605 per runbook ---------------------------------------------------------------


def check_chain(ctx: Context, runbook: Runbook) -> None:
    """FB601 no escalation policy, FB605 second human reached later than the severity allows."""
    if runbook.escalation is not None and runbook.escalation not in ctx.org.escalation_policies:
        return  # FB104 names the unknown policy
    if runbook.escalation is None and runbook.service and runbook.service not in ctx.org.services:
        return  # FB104 names the unknown service, whose policy would have applied
    policy = policy_for(ctx.org, runbook)
    if policy is None:
        service = f"its service {runbook.service!r}" if runbook.service else "it has no service"
        ctx.add(
            "FB601",
            f"runbook {runbook.id!r} has no escalation policy and {service} names none; add "
            "`escalation: <policy id>` to the front matter or to the service in org/",
            runbook.key_location("escalation"),
        )
        return
    target = ctx.settings.lint.second_human_within.get(runbook.severity or "")
    if target is None:
        return
    worst = ctx.second_human(policy)
    if worst.after is not None and worst.after <= target:
        return
    allowed = f"{runbook.severity} needs a second person paged within {format_duration(target)}"
    if worst.after is None:
        alone = ", ".join(dict.fromkeys(worst.reached)) or "nobody"
        got = (
            f"chain {policy.id!r} never pages a second reachable person (at "
            f"{stamp(worst.at)} it reaches only {alone})"
        )
        fix = "add a second target with a contact"
    else:
        got = (
            f"chain {policy.id!r} pages one only after {format_duration(worst.after)} "
            f"(level {worst.level}, worst case at {stamp(worst.at)})"
        )
        fix = "shorten ack_within of the earlier levels or add a second target to level 1"
    key = "escalation" if runbook.escalation is not None else "severity"
    ctx.add("FB605", f"{allowed}, but {got}; {fix}", runbook.key_location(key))


# --- FB703 (small profile) ---------------------------------------------------------------------


def check_backup(ctx: Context, runbook: Runbook) -> None:
    """FB703: a small team needs a trained backup and a handoff note on every runbook."""
    if runbook.backup is None:
        ctx.add(
            "FB703",
            f"runbook {runbook.id!r} names no trained backup; add `backup: person:<id>` for "
            "someone who has walked through it",
            runbook.key_location("backup"),
        )
    elif ctx.reach.members(runbook.backup) and not ctx.reach.reachable(runbook.backup):
        ctx.add(
            "FB703",
            f"backup {runbook.backup} cannot be reached (no contact); add a contact in org/",
            runbook.key_location("backup"),
        )
    if not (runbook.handoff or "").strip():
        ctx.add(
            "FB703",
            f"runbook {runbook.id!r} has no handoff note; add `handoff:` saying what the next "
            "responder must be told (open actions, who was informed, where the notes are)",
            runbook.key_location("handoff"),
        )
