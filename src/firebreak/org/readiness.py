"""Readiness per scenario: a runbook with a clear trigger, a working chain and a backup responder.

Judged from the lint findings of the same run, so a scenario is ready exactly when lint has
nothing to say against the parts that matter: no FB3xx on the runbook's trigger, no FB6xx on the
runbook, its escalation policy or anything that policy pages, and at least two reachable people
(no FB701).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from firebreak.lint.findings import Finding
from firebreak.org.chain import policy_for, responders
from firebreak.org.model import Org, Strict
from firebreak.org.oncall import members
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
    counted = [f for f in findings if f.severity in _COUNTED]
    out = []
    for scenario in SCENARIOS:
        candidates = [r for r in workspace.runbooks if r.scenario == scenario]
        if not candidates:
            out.append(
                ScenarioReadiness(
                    scenario,
                    False,
                    None,
                    [f"no runbook for this scenario (a runbook with `scenario: {scenario}`)"],
                )
            )
            continue
        judged = [(r, _reasons(workspace.org, r, counted)) for r in candidates]
        best, reasons = min(judged, key=lambda pair: len(pair[1]))
        out.append(ScenarioReadiness(scenario, not reasons, best.id, reasons))
    return out


def _on(found: list[Finding], path: str, prefix: str) -> list[Finding]:
    return [f for f in found if f.path == path and f.code.startswith(prefix)]


def _say(f: Finding) -> str:
    return f"{f.code} {f.rule.summary} ({f.path}:{f.line})"


def _reasons(org: Org, runbook: Runbook, found: list[Finding]) -> list[str]:
    reasons: list[str] = []
    if not runbook.triggers:
        reasons.append("no trigger: nothing opens an incident for this runbook")
    reasons += [f"unclear trigger: {_say(f)}" for f in _on(found, runbook.path, "FB3")]
    reasons += _chain_reasons(org, runbook, found)
    backup = _on(found, runbook.path, "FB701")
    if backup:
        reasons += [f"no backup responder: {_say(f)}" for f in backup]
    elif len(responders(org, runbook)) < 2:
        reasons.append("no backup responder: fewer than two reachable people")
    return reasons


def _chain_reasons(org: Org, runbook: Runbook, found: list[Finding]) -> list[str]:
    policy = policy_for(org, runbook)
    if policy is None:
        if runbook.escalation is not None:
            return [f"broken chain: escalation policy {runbook.escalation!r} does not exist"]
        return ["broken chain: no escalation policy for the runbook or its service"]
    reasons = [f"broken chain: {_say(f)}" for f in _on(found, runbook.path, "FB6")]
    chain_objects: list[Strict] = [policy]
    for level in policy.levels:
        for ref in level.targets:
            kind, _, ident = ref.partition(":")
            tables: dict[str, dict[str, Any]] = {
                "schedule": org.schedules,
                "team": org.teams,
                "person": org.people,
            }
            table = tables.get(kind, {})
            if ident in table:
                chain_objects.append(table[ident])
            chain_objects += [org.people[p] for p in members(org, ref)]
    seen: set[Finding] = set()
    for obj in chain_objects:
        path, first, last = _span(obj)
        for f in found:
            inside = f.path == path and first <= f.line <= last
            if inside and f.code.startswith("FB6") and f not in seen:
                seen.add(f)
                reasons.append(f"broken chain: {_say(f)}")
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
