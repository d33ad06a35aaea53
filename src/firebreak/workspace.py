"""Load a workspace (firebreak.toml, org/*.yaml, runbooks/**/*.md) into one checked Workspace.

Loading never stops at the first broken file: every problem becomes a finding with its file,
line and column, and the objects that did load are kept so the other checks can still run.
Callers that must not run on a broken workspace (``serve``, ``drill``) use :func:`require`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from firebreak.errors import InputError, Location, WorkspaceError
from firebreak.gcpause import no_cyclic_gc
from firebreak.lint.findings import Finding, finding, validation_findings
from firebreak.org.model import ORG_SECTIONS, Org, Strict
from firebreak.runbooks.model import Runbook
from firebreak.runbooks.parser import check_runbook_refs, parse_runbook
from firebreak.runbooks.primed import Primed
from firebreak.settings import Settings, SettingsError, load_settings, locate_setting
from firebreak.yamlsrc import YList, YMap, loads, locate, read_text


@dataclass
class Workspace:
    root: Path
    settings: Settings
    org: Org
    runbooks: list[Runbook] = field(default_factory=list)

    @property
    def db_url(self) -> str:
        return self.settings.store.url or f"sqlite:///{self.root / 'firebreak.db'}"

    def runbook(self, runbook_id: str) -> Runbook | None:
        return next((r for r in self.runbooks if r.id == runbook_id), None)


@dataclass
class LoadResult:
    workspace: Workspace
    findings: list[Finding]

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]


def resolve_root(path: str | os.PathLike[str] | None) -> Path:
    """The workspace folder: the argument, else $FIREBREAK_WORKSPACE, else the current folder."""
    chosen = path or os.environ.get("FIREBREAK_WORKSPACE") or "."
    return Path(chosen)


def display_path(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


def _load_org_file(path: Path, display: str, org: Org, findings: list[Finding]) -> None:
    try:
        data = loads(read_text(path, display), display)
    except InputError as exc:
        findings.append(finding("FB100", exc.message, exc.location or Location(display)))
        return
    if data is None:
        findings.append(
            finding(
                "FB100", "empty file, expected a mapping of org sections", Location(display, 1, 1)
            )
        )
        return
    if not isinstance(data, YMap):
        findings.append(
            finding(
                "FB103",
                f"expected a mapping with keys {', '.join(ORG_SECTIONS)}",
                Location(display, 1, 1),
            )
        )
        return
    for section, items in data.items():
        key_line, key_col = data.key_pos[section]
        if section not in ORG_SECTIONS:
            findings.append(
                finding(
                    "FB102",
                    f"unknown key {section!r}, expected one of {', '.join(ORG_SECTIONS)}",
                    Location(display, key_line, key_col),
                )
            )
            continue
        if not isinstance(items, YList):
            findings.append(
                finding(
                    "FB103", f"{section}: expected a list", Location(display, key_line, key_col)
                )
            )
            continue
        model = ORG_SECTIONS[section]
        bucket: dict[str, Strict] = getattr(org, section)
        for index, item in enumerate(items):
            line, col = items.item_pos[index]
            if not isinstance(item, YMap):
                findings.append(
                    finding(
                        "FB103",
                        f"{section}[{index}]: expected a mapping",
                        Location(display, line, col),
                    )
                )
                continue
            try:
                obj = model.model_validate(item)
            except ValidationError as exc:
                findings.extend(validation_findings(exc, data, display, (section, index)))
                continue
            obj.place(Location(display, line, col), item)
            ident = obj.id  # type: ignore[attr-defined]
            if ident in bucket:
                first = bucket[ident].source
                findings.append(
                    finding(
                        "FB105",
                        f"{section}: id {ident!r} is already defined at {first}",
                        Location(display, line, col),
                    )
                )
                continue
            bucket[ident] = obj


def _check_org_refs(org: Org, findings: list[Finding]) -> None:
    """FB104 for every id an org object names that does not exist."""

    def bad(obj: Strict, path: tuple[Any, ...], what: str, value: str) -> None:
        line, col = locate(obj.raw, path)
        findings.append(
            finding("FB104", f"unknown {what} {value!r}", Location(obj.source.path, line, col))
        )

    for team in org.teams.values():
        for i, member in enumerate(team.members):
            if member not in org.people:
                bad(team, ("members", i), "person", member)
    for svc in org.services.values():
        if svc.team not in org.teams:
            bad(svc, ("team",), "team", svc.team)
        if svc.escalation and svc.escalation not in org.escalation_policies:
            bad(svc, ("escalation",), "escalation policy", svc.escalation)
    for sched in org.schedules.values():
        for r, rot in enumerate(sched.rotations):
            for i, member in enumerate(rot.members):
                if member not in org.people:
                    bad(sched, (*sched.rotation_path(r), "members", i), "person", member)
        for i, over in enumerate(sched.overrides):
            if over.person not in org.people:
                bad(sched, ("overrides", i, "person"), "person", over.person)
    # Escalation targets are FB602 (escalation chain), checked with the chain rules.


def _check_routing_refs(root: Path, workspace: Workspace, findings: list[Finding]) -> None:
    """FB104 for ids that ``[routing]`` names but the org or the runbooks do not define."""

    routing = workspace.settings.routing
    org = workspace.org
    wanted: list[tuple[tuple[object, ...], str, str, bool]] = []
    if routing.default_escalation is not None:
        exists = routing.default_escalation in org.escalation_policies
        wanted.append(
            (
                ("routing", "default_escalation"),
                "escalation policy",
                routing.default_escalation,
                exists,
            )
        )
    for index, entry in enumerate(routing.routes):
        where = ("routing", "routes", index, "set")
        checks: dict[str, tuple[str, Mapping[str, object]]] = {
            "service": ("service", org.services),
            "escalation": ("escalation policy", org.escalation_policies),
        }
        for key, (what, table) in checks.items():
            if key in entry.set:
                wanted.append(((*where, key), what, entry.set[key], entry.set[key] in table))
        if "runbook" in entry.set:
            value = entry.set["runbook"]
            wanted.append(
                ((*where, "runbook"), "runbook", value, workspace.runbook(value) is not None)
            )
    bad = [w for w in wanted if not w[3]]
    if not bad:
        return
    text = (root / "firebreak.toml").read_text(encoding="utf-8", errors="replace")
    for loc, what, value, _ in bad:
        line, col = locate_setting(text, loc)
        dotted = ".".join(str(p) for p in loc)
        findings.append(
            finding(
                "FB104",
                f"{dotted}: unknown {what} {value!r}",
                Location("firebreak.toml", line, col),
            )
        )


def load_workspace(root: Path, primed: Primed | None = None) -> LoadResult:
    """Load everything under ``root``; problems become findings, nothing raises for bad content.

    ``primed`` holds runbooks parsed ahead (``runbooks.batch.prime``); each is used only if its
    file is unchanged since. The cyclic garbage collector is paused meanwhile (see
    :func:`firebreak.gcpause.no_cyclic_gc`)."""
    if not root.is_dir():
        raise WorkspaceError(f"workspace folder not found: {root}")
    with no_cyclic_gc():
        return _load(root, primed)


def _load(root: Path, primed: Primed | None) -> LoadResult:
    findings: list[Finding] = []
    try:
        settings = load_settings(root / "firebreak.toml", "firebreak.toml")
    except SettingsError as exc:
        findings.extend(finding("FB100", message, where) for message, where in exc.problems)
        settings = Settings()
    except InputError as exc:
        findings.append(finding("FB100", exc.message, exc.location or Location("firebreak.toml")))
        settings = Settings()
    org = Org()
    for path in sorted((root / "org").glob("*.y*ml")):
        _load_org_file(path, display_path(path, root), org, findings)
    _check_org_refs(org, findings)
    workspace = Workspace(root=root, settings=settings, org=org)
    seen: dict[str, str] = {}
    for path in sorted((root / "runbooks").glob("**/*.md")):
        display = display_path(path, root)
        runbook, problems = parse_runbook(path, display, primed)
        findings.extend(problems)
        if runbook is None:
            continue
        if runbook.id in seen:
            findings.append(
                finding(
                    "FB105",
                    f"runbook id {runbook.id!r} is already used by {seen[runbook.id]}",
                    runbook.key_location("id"),
                )
            )
            continue
        seen[runbook.id] = display
        workspace.runbooks.append(runbook)
    for runbook in workspace.runbooks:
        findings.extend(check_runbook_refs(runbook, org))
    _check_routing_refs(root, workspace, findings)
    return LoadResult(workspace, findings)


def require(root: Path) -> Workspace:
    """Load a workspace for running; any error-level finding refuses it, listing the problems."""
    result = load_workspace(root)
    if result.errors:
        shown = "\n".join(
            f"  {f.path}:{f.line}:{f.col}: {f.code} {f.message}" for f in result.errors[:20]
        )
        more = len(result.errors) - 20
        tail = f"\n  … and {more} more" if more > 0 else ""
        raise WorkspaceError(
            f"the workspace has {len(result.errors)} error(s); run `firebreak lint` for all:\n"
            f"{shown}{tail}"
        )
    return result.workspace
