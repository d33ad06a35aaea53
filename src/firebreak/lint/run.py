"""The lint runner: workspaces, folders of loose runbooks and single files in, findings out.

A workspace gets every check (structure, references, runbook rules, org rules, readiness); loose
runbooks get the runbook rules only, since there is no org to check references against.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path, PurePath

from firebreak.drills.catalog import load_catalog
from firebreak.drills.scenario import ScenarioError
from firebreak.errors import Location
from firebreak.gcpause import no_cyclic_gc
from firebreak.incidents.inhibit import label_form_problems, self_match
from firebreak.lint.findings import RULES, SEVERITY_RANK, Finding, finding
from firebreak.org.checks import check_workspace
from firebreak.org.readiness import ScenarioReadiness
from firebreak.org.readiness import readiness as scenario_readiness
from firebreak.runbooks import batch
from firebreak.runbooks.lint import lint_runbook
from firebreak.runbooks.parser import parse_runbook
from firebreak.settings import Settings
from firebreak.workspace import Workspace, display_path, load_workspace

WORKSPACE_MARKERS = ("firebreak.toml", "org", "runbooks")


@dataclass
class LintReport:
    """Everything one `firebreak lint` run found."""

    findings: list[Finding] = field(default_factory=list)
    files: int = 0  # files that could be read
    readiness: list[ScenarioReadiness] = field(default_factory=list)
    workspaces: int = 0
    parallel: bool = False  # parse ahead on two cores: the CLI's choice, never a server's

    @property
    def read_anything(self) -> bool:
        return self.files > 0

    def at_or_above(self, severity: str) -> list[Finding]:
        rank = SEVERITY_RANK[severity]
        return [f for f in self.findings if SEVERITY_RANK[f.severity] >= rank]


def parse_codes(text: Iterable[str]) -> tuple[str, ...]:
    """Codes or prefixes from comma-separated option values; ValueError names a bad one."""
    codes: list[str] = []
    for chunk in text:
        for part in chunk.split(","):
            code = part.strip().upper()
            if not code:
                continue
            if not code.startswith("FB") or not any(c.startswith(code) for c in RULES):
                raise ValueError(
                    f"unknown rule code {part.strip()!r}: expected a code such as "
                    "FB203 or a prefix such as FB2"
                )
            codes.append(code)
    return tuple(codes)


def keep(found: Finding, select: Sequence[str], ignore: Sequence[str]) -> bool:
    """Whether --select and --ignore (codes or prefixes) let a finding through."""
    if select and not any(found.code.startswith(c) for c in select):
        return False
    return not any(found.code.startswith(c) for c in ignore)


def is_workspace(folder: Path) -> bool:
    return any((folder / marker).exists() for marker in WORKSPACE_MARKERS)


def lint_paths(
    paths: Sequence[str],
    default_root: Path,
    today: date,
    select: Sequence[str] = (),
    ignore: Sequence[str] = (),
    parallel: bool = False,
) -> LintReport:
    """Lint each PATH (or the default workspace when none is given) and merge the reports."""
    report = LintReport(parallel=parallel)
    targets: list[tuple[Path, str | None]] = [(Path(p), p) for p in paths]
    if not targets:
        targets = [(default_root, None)]
    with no_cyclic_gc():
        for path, given in targets:
            _lint_one(path, given, today, report)
    report.findings = sorted(
        (f for f in report.findings if keep(f, select, ignore)), key=Finding.sort_key
    )
    return report


def _lint_one(path: Path, given: str | None, today: date, report: LintReport) -> None:
    shown = given if given is not None else str(path)
    if path.is_dir():
        if is_workspace(path):
            _lint_workspace(path, given, today, report)
        else:
            _lint_loose(sorted(path.glob("**/*.md")), path, given, today, report)
    elif path.is_file() and path.suffix.lower() in (".md", ".markdown"):
        _lint_loose([path], path.parent, given or str(path), today, report, single=True)
    elif path.exists():
        report.findings.append(
            finding(
                "FB100",
                "expected a workspace folder, a folder of runbooks or a .md runbook",
                Location(shown),
            )
        )
    else:
        report.findings.append(finding("FB100", "no such file or folder", Location(shown)))


def _shown(prefix: str | None, relative: str) -> str:
    """A finding's path: under the PATH as the user typed it, else relative to the workspace."""
    if prefix is None or prefix in (".", "./") or PurePath(relative).is_absolute():
        return relative
    return str(PurePath(prefix) / relative)


def _lint_workspace(root: Path, given: str | None, today: date, report: LintReport) -> None:
    files = sorted((root / "runbooks").glob("**/*.md"))
    primed = batch.prime([(p, display_path(p, root)) for p in files]) if report.parallel else None
    loaded = load_workspace(root, primed)
    workspace = loaded.workspace
    found = list(loaded.findings)
    for runbook in workspace.runbooks:
        found.extend(lint_runbook(runbook, workspace.settings, today))
    found.extend(_drill_findings(workspace))
    found.extend(inhibit_findings(workspace))
    found.extend(check_workspace(workspace, today))
    report.readiness.extend(scenario_readiness(workspace, found))
    ignored = tuple(code.upper() for code in workspace.settings.lint.ignore)
    report.findings.extend(
        replace(f, path=_shown(given, f.path)) for f in found if keep(f, (), ignored)
    )
    report.files += _readable_files(root, workspace, found)
    report.workspaces += 1


def _drill_findings(workspace: Workspace) -> list[Finding]:
    """FB100 for each problem ``firebreak drill`` would refuse a ``drills/*.yaml`` file for."""
    if not (workspace.root / "drills").is_dir():
        return []
    try:
        load_catalog(workspace)
    except ScenarioError as exc:
        return [
            finding("FB100", message, where)
            for where, message in exc.problems
            if not where.path.startswith("builtin:")
        ]
    return []


def inhibit_findings(workspace: Workspace) -> list[Finding]:
    """FB608 and FB609 for the ``[[inhibit]]`` rules of firebreak.toml."""

    rules = workspace.settings.inhibit
    if not rules:
        return []
    path = workspace.root / "firebreak.toml"
    lines = path.read_text(encoding="utf-8").splitlines() if path.is_file() else []
    headers = [n for n, line in enumerate(lines, 1) if line.strip().startswith("[[inhibit]]")]
    out: list[Finding] = []
    for index, rule in enumerate(rules):
        where = Location("firebreak.toml", headers[index] if index < len(headers) else 0, 1)
        both = self_match(rule)
        if both is not None:
            shown = ", ".join(f"{k}={v}" for k, v in both.items())
            out.append(
                finding(
                    "FB608",
                    f"inhibit rule {index + 1} would inhibit its own kind: an alert with "
                    f"{{{shown}}} matches both source and target, so such alerts never inhibit "
                    "one another; give source and target a label value that tells them apart",
                    where,
                )
            )
        for problem in label_form_problems(rule):
            out.append(finding("FB609", f"inhibit rule {index + 1}: {problem}", where))
    return out


def _readable_files(root: Path, workspace: Workspace, found: list[Finding]) -> int:
    """Files of the workspace that could be read: runbooks, org files and firebreak.toml."""
    unreadable = {f.path for f in found if f.code == "FB100"}
    org_files = [
        p for p in (root / "org").glob("*.y*ml") if str(p.relative_to(root)) not in unreadable
    ]
    settings = (root / "firebreak.toml").is_file() and "firebreak.toml" not in unreadable
    return len(workspace.runbooks) + len(org_files) + int(settings)


def _lint_loose(
    files: list[Path],
    base: Path,
    given: str | None,
    today: date,
    report: LintReport,
    single: bool = False,
) -> None:
    settings = Settings()
    if not files:
        report.findings.append(
            finding(
                "FB100",
                "no workspace (firebreak.toml, org/ or runbooks/) and no .md runbooks here",
                Location(given or str(base)),
            )
        )
        return
    shown = [
        given if single and given else _shown(given, str(path.relative_to(base))) for path in files
    ]
    primed = batch.prime(list(zip(files, shown, strict=True))) if report.parallel else None
    for path, display in zip(files, shown, strict=True):
        runbook, problems = parse_runbook(path, display, primed)
        report.findings.extend(problems)
        if runbook is None:
            continue
        report.files += 1
        report.findings.extend(lint_runbook(runbook, settings, today))
