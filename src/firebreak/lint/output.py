"""Lint output formats: text (grouped by file), json, sarif (2.1.0) and github workflow commands."""

from __future__ import annotations

import json
from collections.abc import Callable
from itertools import groupby
from typing import Any

from firebreak import __version__
from firebreak.lint.findings import RULES, Finding
from firebreak.lint.run import LintReport

SCENARIO_LABELS = {
    "inference_outage": "inference outage",
    "quality_anomaly": "quality anomaly",
    "cost_spike": "cost spike",
    "third_party_failure": "third-party API failure",
}


def location(found: Finding) -> str:
    if found.line:
        return f"{found.path}:{found.line}:{found.col or 1}"
    return found.path


def text_lines(report: LintReport) -> list[tuple[str, str]]:
    """The text report as (line, style) pairs; style is a rich style name or ''."""
    out: list[tuple[str, str]] = []
    style = {"error": "red", "warning": "yellow", "info": "cyan"}
    for path, group in groupby(report.findings, key=lambda f: f.path):
        out.append((path, "bold"))
        for found in group:
            out.append((f"{location(found)}: {found.code} {found.message}", style[found.severity]))
        out.append(("", ""))
    out.append((summary(report), "bold"))
    if report.readiness:
        out.extend(readiness_lines(report.readiness))
    elif report.files and not report.workspaces:
        out.append(
            ("Readiness: not judged, no workspace (org/) to check chains and backups against.", "")
        )
    return out


def summary(report: LintReport) -> str:
    counts = {"error": 0, "warning": 0, "info": 0}
    for found in report.findings:
        counts[found.severity] += 1
    files = f"{report.files} file{'s' if report.files != 1 else ''} read"
    if not report.findings:
        return f"No findings ({files})."
    parts = [f"{n} {name}{'s' if n != 1 else ''}" for name, n in counts.items() if n]
    return f"{len(report.findings)} finding(s): {', '.join(parts)} ({files})."


def readiness_lines(items: list[Any]) -> list[tuple[str, str]]:
    """One line per scenario: ready, or not with the reasons."""
    out: list[tuple[str, str]] = [
        ("", ""),
        (
            "Readiness (runbook with a clear trigger, a working chain and a backup responder):",
            "bold",
        ),
    ]
    for item in items:
        label = SCENARIO_LABELS.get(item.scenario, item.scenario)
        where = f" ({item.runbook})" if item.runbook else ""
        if item.ready:
            out.append((f"  ready      {label}{where}", "green"))
        else:
            reasons = "; ".join(item.reasons) or "not ready"
            out.append((f"  NOT READY  {label}{where}: {reasons}", "red"))
    return out


def render_text(report: LintReport, color: bool) -> str | None:
    """Plain text, or None after printing with colours through rich (a terminal)."""
    lines = text_lines(report)
    if not color:
        return "\n".join(line for line, _ in lines) + "\n"
    from rich.console import Console
    from rich.text import Text

    console = Console(highlight=False, soft_wrap=True)
    for line, style in lines:
        console.print(Text(line, style=style or ""))
    return None


def render_json(report: LintReport) -> str:
    return json.dumps([f.to_dict() for f in report.findings], indent=2) + "\n"


_SARIF_LEVEL = {"error": "error", "warning": "warning", "info": "note"}


def render_sarif(report: LintReport) -> str:
    """SARIF 2.1.0: one run, every rule described, one result per finding."""
    codes = sorted(RULES)
    index = {code: i for i, code in enumerate(codes)}
    rules = [
        {
            "id": code,
            "name": RULES[code].name,
            "shortDescription": {"text": RULES[code].summary},
            "help": {"text": f"See docs/lint-codes.md, section {code}."},
            "defaultConfiguration": {"level": _SARIF_LEVEL[RULES[code].severity]},
        }
        for code in codes
    ]
    results = [_sarif_result(f, index[f.code]) for f in report.findings]
    doc = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": "firebreak", "version": __version__, "rules": rules}},
                "results": results,
            }
        ],
    }
    return json.dumps(doc, indent=2) + "\n"


def _sarif_result(found: Finding, rule_index: int) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": {"uri": found.path.replace("\\", "/")}}
    if found.line:
        physical["region"] = {"startLine": found.line, "startColumn": found.col or 1}
    return {
        "ruleId": found.code,
        "ruleIndex": rule_index,
        "level": _SARIF_LEVEL[found.severity],
        "message": {"text": found.message},
        "locations": [{"physicalLocation": physical}],
    }


_GITHUB_COMMAND = {"error": "error", "warning": "warning", "info": "notice"}


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(report: LintReport) -> str:
    """GitHub Actions workflow commands, one annotation per finding."""
    lines = []
    for found in report.findings:
        props = [f"file={_escape_property(found.path)}"]
        if found.line:
            props += [f"line={found.line}", f"col={found.col or 1}"]
        props.append(f"title={found.code}")
        lines.append(
            f"::{_GITHUB_COMMAND[found.severity]} {','.join(props)}::{_escape_data(found.message)}"
        )
    lines.append(summary(report))
    return "\n".join(lines) + "\n"


RENDERERS: dict[str, Callable[[LintReport], str]] = {
    "json": render_json,
    "sarif": render_sarif,
    "github": render_github,
}
