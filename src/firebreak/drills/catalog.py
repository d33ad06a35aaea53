"""Find drill scenarios: the built-in ones, then the workspace's ``drills/*.yaml`` (which win).

Every scenario is checked against the workspace: the service, the team, the expected runbook and
the unreachable people must exist, and a fault's provider must be one the service calls.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from typing import Any

from firebreak.drills.scenario import FaultSpec, Scenario, ScenarioError, parse_scenario
from firebreak.errors import InputError, Location
from firebreak.org.model import Org
from firebreak.signals.providers import PROVIDERS
from firebreak.workspace import Workspace
from firebreak.yamlsrc import YMap, locate, read_text


@dataclass(frozen=True)
class Entry:
    """A loaded scenario and where it came from."""

    scenario: Scenario
    source: str  # "builtin:<file>" or the path relative to the workspace
    raw: YMap

    @property
    def name(self) -> str:
        return self.scenario.name


def builtin_texts() -> dict[str, str]:
    """File name -> text of every built-in scenario."""
    folder = resources.files("firebreak.drills").joinpath("builtin")
    return {
        f.name: f.read_text(encoding="utf-8")
        for f in sorted(folder.iterdir(), key=lambda c: c.name)
        if f.name.endswith((".yaml", ".yml"))
    }


def _collect(entries: dict[str, Entry], text: str, display: str, problems: list[Any]) -> None:
    try:
        scenario, raw = parse_scenario(text, display)
    except ScenarioError as exc:
        problems.extend(exc.problems)
        return
    entries[scenario.name] = Entry(scenario, display, raw)


class Catalog(dict[str, Entry]):
    """Scenarios by name, plus the built-ins that do not fit this workspace and why."""

    def __init__(self) -> None:
        super().__init__()
        self.unfit: dict[str, str] = {}


def load_catalog(workspace: Workspace) -> Catalog:
    """Every scenario by name; raise ScenarioError listing every problem in the workspace's files.

    A built-in scenario that names a service, runbook or person this workspace does not have is
    left out (in ``unfit``, with the reason), not an error: it was written for the example.
    """
    entries = Catalog()
    problems: list[tuple[Location, str]] = []
    for name, text in builtin_texts().items():
        _collect(entries, text, f"builtin:{name}", problems)
    seen: dict[str, str] = {}
    for path in sorted((workspace.root / "drills").glob("*.y*ml")):
        display = str(path.relative_to(workspace.root))
        try:
            text = read_text(path, display)
        except InputError as exc:
            problems.append((exc.location or Location(display), exc.message))
            continue
        before = len(problems)
        _collect(entries, text, display, problems)
        if len(problems) == before:
            name = next(n for n, e in entries.items() if e.source == display)
            if name in seen:
                problems.append(
                    (
                        Location(display, 1, 1),
                        f"drill name {name!r} is already used by {seen[name]}",
                    )
                )
            seen[name] = display
    for name, entry in list(entries.items()):
        found = check_refs(entry, workspace)
        if found and entry.source.startswith("builtin:"):
            entries.unfit[name] = found[0][1]
            del entries[name]
        problems.extend(p for p in found if not entry.source.startswith("builtin:"))
    if problems:
        raise ScenarioError(problems)
    return entries


def check_refs(entry: Entry, workspace: Workspace) -> list[tuple[Location, str]]:
    """References from a scenario to the workspace that do not resolve."""
    org = workspace.org
    sc = entry.scenario
    out: list[tuple[Location, str]] = []

    def bad(path: tuple[Any, ...], message: str) -> None:
        line, col = locate(entry.raw, path)
        out.append((Location(entry.source, line, col), message))

    service = org.services.get(sc.service)
    if service is None:
        bad(
            ("service",),
            f"unknown service {sc.service!r}, expected one of "
            f"{', '.join(sorted(org.services)) or '(none defined)'}",
        )
    if sc.team is not None and sc.team not in org.teams:
        bad(("team",), f"unknown team {sc.team!r}")
    if sc.objectives.runbook is not None and workspace.runbook(sc.objectives.runbook) is None:
        bad(("objectives", "runbook"), f"unknown runbook {sc.objectives.runbook!r}")
    for i, person in enumerate(sc.responders.unreachable):
        if person not in org.people:
            bad(("responders", "unreachable", i), f"unknown person {person!r}")
    for i, fault in enumerate(sc.faults):
        for key, message in _fault_problems(org, sc.service, fault):
            bad(("faults", i, key), message)
    return out


def _fault_problems(org: Org, default: str, fault: FaultSpec) -> list[tuple[str, str]]:
    """A fault's service must exist (or be ``*``) and call the fault's provider."""
    name = fault.service or default
    if name == "*":
        callers = list(org.services.values())
    elif name in org.services:
        callers = [org.services[name]]
    else:
        return [("service", f"unknown service {name!r}")] if fault.service is not None else []

    if fault.provider and fault.provider not in PROVIDERS:
        simulated = ", ".join(PROVIDERS)
        return [
            (
                "provider",
                f"drill traffic simulates the providers {simulated}; "
                f"{fault.provider!r} is not one of them",
            )
        ]
    if fault.provider and not any(fault.provider in s.providers for s in callers):
        called = ", ".join(sorted({p for s in callers for p in s.providers})) or "none"
        return [
            ("provider", f"{name} does not call provider {fault.provider!r}; it calls {called}")
        ]
    return []


def select(catalog: Catalog, names: list[str]) -> list[Entry]:
    """The named scenarios in the order given, or all of them sorted by name when none are named."""
    if not names:
        if not catalog:
            raise InputError("no drill fits this workspace: add scenarios under drills/")
        return [catalog[n] for n in sorted(catalog)]
    unfit = [n for n in names if n in catalog.unfit]
    if unfit:
        raise InputError(
            f"the built-in drill {unfit[0]!r} does not fit this workspace: {catalog.unfit[unfit[0]]}"
        )
    missing = [n for n in names if n not in catalog]
    if missing:
        raise InputError(
            f"no drill named {', '.join(repr(m) for m in missing)}; "
            f"known: {', '.join(sorted(catalog))}"
        )
    return [catalog[n] for n in names]


def team_of(scenario: Scenario, workspace: Workspace) -> str | None:
    """The team a drill counts for: its own ``team``, else the service's."""
    if scenario.team:
        return scenario.team
    service = workspace.org.services.get(scenario.service)
    return service.team if service else None
