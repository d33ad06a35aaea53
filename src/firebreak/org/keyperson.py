"""Key-person risk: FB701 fewer than two people can respond, FB702 on-call hours concentrated."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from firebreak.durations import format_duration
from firebreak.org.chain import targets
from firebreak.org.context import Context, at_key
from firebreak.runbooks.model import Runbook


def _who(people: list[str]) -> str:
    return f"only {people[0]} can" if people else "nobody can"


def check_responders(ctx: Context, runbook: Runbook) -> None:
    """FB701 for a runbook whose roles and chain reach fewer than two people with a contact."""
    people = ctx.reach.responders(runbook)
    if len(people) >= 2:
        return
    key = "roles" if runbook.roles else "escalation"
    ctx.add(
        "FB701",
        f"{_who(people)} respond to runbook {runbook.id!r} (its roles and escalation chain "
        "reach no one else with a contact); add a second person to a role or to the chain",
        runbook.key_location(key),
    )


def check_services(ctx: Context) -> None:
    """FB701 for a service whose own escalation policy reaches fewer than two people."""
    for service in ctx.org.services.values():
        policy = ctx.org.escalation_policies.get(service.escalation or "")
        if policy is None:
            continue
        people = ctx.reach.people(targets(policy))
        if len(people) >= 2:
            continue
        ctx.add(
            "FB701",
            f"{_who(people)} respond to alerts for service {service.id!r}: its escalation "
            f"policy {policy.id!r} reaches no one else with a contact; add a second target",
            at_key(service, "escalation"),
        )


def _hours(ctx: Context) -> dict[str, dict[str, timedelta]]:
    """On-call time per person, per schedule, over the horizon."""
    out: dict[str, dict[str, timedelta]] = defaultdict(lambda: defaultdict(timedelta))
    for sched_id in ctx.org.schedules:
        for iv in ctx.horizon.coverage(sched_id):
            if iv.person is not None:
                out[iv.person][sched_id] += iv.duration
    return out


def check_concentration(ctx: Context) -> None:
    """FB702: one member carries more than ``lint.concentration`` of a team's on-call hours."""
    limit = ctx.settings.lint.concentration
    hours = _hours(ctx)
    span = format_duration(ctx.horizon.end - ctx.horizon.start)
    for team in ctx.org.teams.values():
        per_member = {m: sum(hours[m].values(), timedelta(0)) for m in dict.fromkeys(team.members)}
        total = sum(per_member.values(), timedelta(0))
        if not total:
            continue
        for index, member in enumerate(team.members):
            share = per_member.get(member, timedelta(0)) / total
            if share <= limit or member not in per_member:
                continue
            per_member.pop(member)  # one finding per person, even if listed twice
            schedules = ", ".join(sorted(hours[member]))
            ctx.add(
                "FB702",
                f"{member} carries {share:.0%} of team {team.id!r}'s on-call time over the next "
                f"{span} (schedules {schedules}; limit {limit:.0%}); add people to the rotations "
                "or hand shifts over with overrides",
                at_key(team, "members", index),
            )
