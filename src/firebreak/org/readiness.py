"""Readiness per scenario: a runbook with a clear trigger, a working chain and a backup responder.

Judged from the lint findings of the same run, so a scenario is ready exactly when lint has
nothing to say against the parts that matter: no FB3xx on the runbook's trigger, no FB6xx on the
runbook, its escalation policy or anything that policy pages, and at least two reachable people
(no FB701).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from firebreak.lint.findings import Finding
from firebreak.org.chain import Reach, policy_for, targets
from firebreak.org.model import EscalationPolicy, Org, Strict
from firebreak.runbooks.model import SCENARIOS, Runbook

if TYPE_CHECKING:
    from firebreak.workspace import Workspace

_COUNTED = ("error", "warning")


@dataclass
class ScenarioReadiness:
    scenario: str
    ready: bool
    runbook: str | None
    reasons: list[str]


def readiness(workspace: Workspace, findings: list[Finding]) -> list[ScenarioReadiness]:
    """One entry per scenario in SCENARIOS; a scenario with several runbooks takes its best one."""
    judge = _Judge(workspace.org, [f for f in findings if f.severity in _COUNTED])
    out = []
    for scenario in SCENARIOS:
        candidates = [r for r in workspace.runbooks if r.scenario == scenario]
        if not candidates:
            reason = f"no runbook for this scenario (a runbook with `scenario: {scenario}`)"
            out.append(ScenarioReadiness(scenario, False, None, [reason]))
            continue
        judged = [(r, judge.reasons(r)) for r in candidates]
        best, reasons = min(judged, key=lambda pair: len(pair[1]))
        out.append(ScenarioReadiness(scenario, not reasons, best.id, reasons))
    return out


def _say(f: Finding) -> str:
    return f"{f.code} {f.rule.summary} ({f.path}:{f.line})"


class _Judge:
    """Reasons a runbook is not ready, with findings indexed by file and chains memoised."""

    def __init__(self, org: Org, found: list[Finding]) -> None:
        self.org = org
        self.reach = Reach(org)
        self.by_path: dict[str, list[Finding]] = defaultdict(list)
        for f in found:
            self.by_path[f.path].append(f)
        self._chains: dict[str, list[str]] = {}

    def on(self, path: str, prefix: str) -> list[Finding]:
        return [f for f in self.by_path.get(path, []) if f.code.startswith(prefix)]

    def reasons(self, runbook: Runbook) -> list[str]:
        reasons: list[str] = []
        if not runbook.triggers:
            reasons.append("no trigger: nothing opens an incident for this runbook")
        reasons += [f"unclear trigger: {_say(f)}" for f in self.on(runbook.path, "FB3")]
        reasons += self.chain(runbook)
        backup = self.on(runbook.path, "FB701")
        if backup:
            reasons += [f"no backup responder: {_say(f)}" for f in backup]
        elif len(self.reach.responders(runbook)) < 2:
            reasons.append("no backup responder: fewer than two reachable people")
        return reasons

    def chain(self, runbook: Runbook) -> list[str]:
        policy = policy_for(self.org, runbook)
        if policy is None:
            if runbook.escalation is not None:
                return [f"broken chain: escalation policy {runbook.escalation!r} does not exist"]
            return ["broken chain: no escalation policy for the runbook or its service"]
        own = [f"broken chain: {_say(f)}" for f in self.on(runbook.path, "FB6")]
        if policy.id not in self._chains:
            self._chains[policy.id] = self._policy_reasons(policy)
        return own + self._chains[policy.id]

    def _policy_reasons(self, policy: EscalationPolicy) -> list[str]:
        """FB6xx findings on the policy or on any schedule, team or person it pages."""
        tables: dict[str, dict[str, Any]] = {
            "schedule": self.org.schedules,
            "team": self.org.teams,
            "person": self.org.people,
        }
        objects: list[Strict] = [policy]
        for ref in targets(policy):
            kind, _, ident = ref.partition(":")
            if ident in tables.get(kind, {}):
                objects.append(tables[kind][ident])
            objects += [self.org.people[p] for p in self.reach.members(ref)]
        reasons: list[str] = []
        for obj in {id(o): o for o in objects}.values():
            path, first, last = _span(obj)
            for f in self.on(path, "FB6"):
                text = f"broken chain: {_say(f)}"
                if first <= f.line <= last and text not in reasons:
                    reasons.append(text)
        return reasons


def _span(obj: Strict) -> tuple[str, int, int]:
    """The file and the first and last line an org object was written on."""
    first = obj.source.line
    return obj.source.path, first, max(first, _last_line(obj.raw))


def _last_line(node: Any) -> int:
    last = 0
    for name in ("key_pos", "value_pos"):
        for line, _ in getattr(node, name, {}).values():
            last = max(last, line)
    for line, _ in getattr(node, "item_pos", []):
        last = max(last, line)
    children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else []
    for child in children:
        last = max(last, _last_line(child))
    return last
