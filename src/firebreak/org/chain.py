"""Escalation chains over a horizon: who each target pages, and how soon a second human is paged.

A :class:`Horizon` computes each schedule's coverage once and answers "who does this reference
page at t" from it, so checks over many runbooks never recompute a rotation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from firebreak.org.model import EscalationPolicy, Org
from firebreak.org.oncall import Interval, coverage, members, person_at, reachable
from firebreak.runbooks.model import Runbook


@dataclass
class Horizon:
    """``[start, end)`` over one org, with each schedule's coverage computed on first use."""

    org: Org
    start: datetime
    end: datetime
    _coverage: dict[str, list[Interval]] = field(default_factory=dict)

    def coverage(self, schedule_id: str) -> list[Interval]:
        found = self._coverage.get(schedule_id)
        if found is None:
            sched = self.org.schedules.get(schedule_id)
            found = coverage(sched, self.start, self.end) if sched is not None else []
            self._coverage[schedule_id] = found
        return found

    def people_at(self, ref: str, at: datetime) -> list[str]:
        """Who ``ref`` pages at ``at`` (a schedule: whoever is on call; a team: every member)."""
        kind, _, ident = ref.partition(":")
        if kind != "schedule":
            return members(self.org, ref)
        person = person_at(self.coverage(ident), at)
        return [person] if person is not None and person in self.org.people else []


@dataclass(frozen=True)
class SecondHuman:
    """The worst case over the horizon: the delay before a second distinct reachable person is
    paged (None: never), the instant where that worst case happens and the level that does it."""

    after: timedelta | None
    at: datetime
    level: int | None
    reached: tuple[str, ...] = ()  # who the chain reaches at ``at``, when it never reaches two


def policy_for(org: Org, runbook: Runbook) -> EscalationPolicy | None:
    """The runbook's escalation policy, else its service's; None when neither names a known one.

    A runbook that names a policy that does not exist does not fall back to its service's:
    the loader reports the unknown name (FB104) and the chain is treated as missing.
    """
    if runbook.escalation is not None:
        return org.escalation_policies.get(runbook.escalation)
    service = org.services.get(runbook.service) if runbook.service else None
    if service is not None and service.escalation is not None:
        return org.escalation_policies.get(service.escalation)
    return None


def _first_contact_delay(org: Org, person_id: str) -> timedelta | None:
    person = org.people.get(person_id)
    if person is None or not person.contacts:
        return None
    return min(c.delay or timedelta(0) for c in person.contacts)


def _second_at(
    org: Org, policy: EscalationPolicy, horizon: Horizon, at: datetime
) -> tuple[timedelta | None, int | None]:
    """How long after the page, at instant ``at``, a second distinct person is reached."""
    reach: dict[str, tuple[timedelta, int]] = {}
    offset = timedelta(0)
    for number, level in enumerate(policy.levels, start=1):
        for ref in level.targets:
            for person in horizon.people_at(ref, at):
                delay = _first_contact_delay(org, person)
                if delay is None:
                    continue
                when = offset + delay
                if person not in reach or when < reach[person][0]:
                    reach[person] = (when, number)
        offset += level.ack_within
    ordered = sorted(reach.values())
    if len(ordered) < 2:
        return None, None
    return ordered[1]


def second_human(org: Org, policy: EscalationPolicy, horizon: Horizon) -> SecondHuman:
    """The worst delay to a second human over the horizon, checked at every on-call change."""
    schedules = {
        ref.partition(":")[2]
        for level in policy.levels
        for ref in level.targets
        if ref.startswith("schedule:")
    }
    instants = {horizon.start}
    for ident in schedules:
        instants.update(iv.start for iv in horizon.coverage(ident))
    worst: SecondHuman | None = None
    for at in sorted(instants):
        after, level = _second_at(org, policy, horizon, at)
        if after is None:
            alone = [p for ref in targets(policy) for p in horizon.people_at(ref, at)]
            return SecondHuman(None, at, None, tuple(p for p in alone if reachable(org, p)))
        if worst is None or worst.after is None or after > worst.after:
            worst = SecondHuman(after, at, level)
    assert worst is not None  # instants always holds horizon.start
    return worst


def targets(policy: EscalationPolicy) -> list[str]:
    return [ref for level in policy.levels for ref in level.targets]


class Reach:
    """Who each reference may page and who of them has a contact, memoised for one org."""

    def __init__(self, org: Org) -> None:
        self.org = org
        self._members: dict[str, tuple[str, ...]] = {}
        self._reachable: dict[str, tuple[str, ...]] = {}

    def members(self, ref: str) -> tuple[str, ...]:
        """Everyone ``ref`` may ever page (see :func:`firebreak.org.oncall.members`)."""
        found = self._members.get(ref)
        if found is None:
            found = self._members[ref] = tuple(members(self.org, ref))
        return found

    def reachable(self, ref: str) -> tuple[str, ...]:
        """The people with a contact that ``ref`` may ever page."""
        found = self._reachable.get(ref)
        if found is None:
            found = tuple(p for p in self.members(ref) if reachable(self.org, p))
            self._reachable[ref] = found
        return found

    def people(self, refs: list[str]) -> list[str]:
        return list(dict.fromkeys(p for ref in refs for p in self.reachable(ref)))

    def responders(self, runbook: Runbook) -> list[str]:
        """Distinct reachable people across the runbook's roles and its escalation chain."""
        refs = list(runbook.roles.values())
        policy = policy_for(self.org, runbook)
        if policy is not None:
            refs += targets(policy)
        return self.people(refs)
