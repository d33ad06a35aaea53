"""Org-wide chain rules: FB602 unknown targets, FB603 pageable people with no contact, FB604 gaps."""

from __future__ import annotations

from datetime import timedelta

from firebreak.durations import format_duration
from firebreak.org.context import Context, at_key, stamp
from firebreak.org.model import Schedule, ref_exists
from firebreak.org.oncall import Interval, gaps, rotation_span
from firebreak.runbooks.model import Runbook


def check_targets(ctx: Context) -> None:
    """FB602: an escalation level names a schedule, person or team that does not exist."""
    for policy in ctx.org.escalation_policies.values():
        for i, level in enumerate(policy.levels):
            for j, ref in enumerate(level.targets):
                if ref_exists(ctx.org, ref):
                    continue
                kind = ref.partition(":")[0]
                known = sorted(getattr(ctx.org, _TABLES[kind]))
                hint = (
                    f"known {_TABLES[kind]}: {', '.join(known[:8])}"
                    if known
                    else (f"no {_TABLES[kind]} are defined")
                )
                ctx.add(
                    "FB602",
                    f"escalation policy {policy.id!r} level {i + 1} targets {ref}, which does not "
                    f"exist ({hint}); fix the id or define it in org/",
                    at_key(policy, "levels", i, "targets", j),
                )


_TABLES = {"schedule": "schedules", "person": "people", "team": "teams"}


def _pageable(ctx: Context, runbooks: list[Runbook]) -> dict[str, str]:
    """Everyone who can be paged, with the first reason found."""
    why: dict[str, str] = {}

    def note(ref: str, reason: str) -> None:
        for person in ctx.reach.members(ref):
            why.setdefault(person, reason)

    for sched in ctx.org.schedules.values():
        note(f"schedule:{sched.id}", f"on schedule {sched.id!r}")
    for policy in ctx.org.escalation_policies.values():
        for level in policy.levels:
            for ref in level.targets:
                note(ref, f"paged as {ref} by escalation policy {policy.id!r}")
    for runbook in runbooks:
        for role, ref in runbook.roles.items():
            note(ref, f"role {role!r} in runbook {runbook.id!r} via {ref}")
        if runbook.backup:
            note(runbook.backup, f"backup for runbook {runbook.id!r}")
    return why


def check_contacts(ctx: Context, runbooks: list[Runbook]) -> None:
    """FB603: a person who can be paged has no contact, so every page to them is lost."""
    for person_id, reason in _pageable(ctx, runbooks).items():
        person = ctx.org.people[person_id]
        if person.contacts:
            continue
        key = ("contacts",) if person.raw is not None and "contacts" in person.raw else ()
        ctx.add(
            "FB603",
            f"{person.display} ({person_id}) can be paged ({reason}) but has no contact; add "
            "`contacts: [{type: email, address: ...}]` (or sms, phone, slack, webhook, apprise)",
            at_key(person, *key),
        )


def check_gaps(ctx: Context) -> None:
    """FB604: a schedule with nobody on call somewhere in the horizon."""
    days = format_duration(ctx.horizon.end - ctx.horizon.start)
    for sched in ctx.org.schedules.values():
        holes = gaps(ctx.horizon.coverage(sched.id))
        if not holes:
            continue
        total = sum((iv.duration for iv in holes), timedelta(0))
        first = holes[0]
        ctx.add(
            "FB604",
            f"schedule {sched.id!r} has nobody on call for {format_duration(total)} in the next "
            f"{days} ({len(holes)} gap(s), first {stamp(first.start, sched.timezone)} to "
            f"{stamp(first.end, sched.timezone)}); {_gap_fix(sched, first)}",
            at_key(sched, *_gap_key(sched, first)),
        )


def _gap_key(sched: Schedule, gap: Interval) -> tuple[str, ...]:
    if sched.rotation is None:
        return ("layers",)  # stacked rotations: the gap is where none of them covers
    first, last = rotation_span(sched)
    if gap.end <= first:
        return ("rotation", "start")
    if last is not None and gap.start >= last:
        return ("rotation", "end")
    if sched.rotation.restrict is not None:
        return ("rotation", "restrict")
    return ("rotation",)


def _gap_fix(sched: Schedule, gap: Interval) -> str:
    key = _gap_key(sched, gap)[-1]
    if key == "start":
        return "start the rotation earlier or add an override until it starts"
    if key == "end":
        return "extend or remove the rotation's end, or add an override"
    if key == "layers":
        return "add a layer or an override that covers it"
    if key == "restrict":
        return "widen the restriction or pair it with a schedule that covers the other hours"
    return "add an override for the gap"
