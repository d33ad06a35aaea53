"""What the org rules share during one lint run: the org, settings, the coverage horizon, who
can be reached, the findings so far, and where an org key was written."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from firebreak.errors import Location
from firebreak.lint.findings import Finding, finding
from firebreak.org.chain import Horizon, Reach, SecondHuman, second_human
from firebreak.org.model import EscalationPolicy, Org, Strict
from firebreak.org.oncall import zone
from firebreak.settings import Settings
from firebreak.yamlsrc import locate


def at_key(obj: Strict, *path: Any) -> Location:
    """Where a key inside an org object was written (the object itself when unknown)."""
    if obj.raw is None:
        return obj.source
    line, col = locate(obj.raw, list(path))
    return Location(obj.source.path, line, col)


def stamp(instant: datetime, tz: str = "UTC") -> str:
    return instant.astimezone(zone(tz)).strftime("%Y-%m-%d %H:%M %Z")


@dataclass
class Context:
    org: Org
    settings: Settings
    horizon: Horizon
    reach: Reach
    findings: list[Finding] = field(default_factory=list)
    _second: dict[str, SecondHuman] = field(default_factory=dict)
    _holders: dict[tuple[str, ...], tuple[str, datetime] | None] = field(default_factory=dict)

    def add(self, code: str, message: str, where: Location) -> None:
        self.findings.append(finding(code, message, where))

    def sole_holder(self, refs: tuple[str, ...]) -> tuple[str, datetime] | None:
        if refs not in self._holders:
            self._holders[refs] = sole_holder(self.horizon, refs)
        return self._holders[refs]

    def second_human(self, policy: EscalationPolicy) -> SecondHuman:
        found = self._second.get(policy.id)
        if found is None:
            found = self._second[policy.id] = second_human(self.org, policy, self.horizon)
        return found


def sole_holder(horizon: Horizon, refs: tuple[str, ...]) -> tuple[str, datetime] | None:
    """The first instant in the horizon where every ref pages the same single person."""
    instants = {horizon.start}
    for ref in refs:
        if ref.startswith("schedule:"):
            instants.update(iv.start for iv in horizon.coverage(ref.partition(":")[2]))
    for at in sorted(instants):
        paged = [set(horizon.people_at(ref, at)) for ref in refs]
        union = set().union(*paged)
        if len(union) == 1 and all(paged):
            return next(iter(union)), at
    return None
