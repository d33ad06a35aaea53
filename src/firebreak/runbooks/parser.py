"""Parse a runbook file (YAML front matter + Markdown body) into a Runbook, with findings.

Nothing here raises for bad content: an unreadable file, a front matter that never closes or
YAML that does not parse is one FB100 finding at its place, and no runbook. A runbook with no
front matter at all (as most public collections are) parses and is judged on its body only.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from firebreak.errors import InputError, Location
from firebreak.lint.findings import Finding, finding
from firebreak.org.model import Org, ref_exists
from firebreak.runbooks.body import parse_body
from firebreak.runbooks.frontmatter import (
    REQUIRED,
    apply_front_matter,
    load_front_matter,
    split_front_matter,
)
from firebreak.runbooks.model import Condition, Runbook, Trigger
from firebreak.runbooks.primed import Primed
from firebreak.yamlsrc import read_text


def parse_runbook(
    path: Path, display: str, primed: Primed | None = None
) -> tuple[Runbook | None, list[Finding]]:
    """Read and parse one runbook; ``display`` is the path findings show. A result in
    ``primed`` (parsed ahead, the file unchanged since) is returned instead of parsing again."""
    early = primed.take(path, display) if primed is not None else None
    if early is not None:
        return early
    try:
        text = read_text(path, display)
    except InputError as exc:
        return None, [finding("FB100", exc.message, exc.location or Location(display))]
    return parse_text(text, display, default_id=path.stem)


def parse_text(text: str, display: str, default_id: str) -> tuple[Runbook | None, list[Finding]]:
    """Parse runbook text already read from ``display``."""
    if not text.strip():
        return None, [
            finding(
                "FB100",
                "empty file, expected a runbook: front matter and Markdown with a title and steps",
                Location(display, 1, 1),
            )
        ]
    try:
        split = split_front_matter(text, display)
        raw = load_front_matter(split, display) if split.front is not None else None
    except InputError as exc:
        return None, [finding("FB100", exc.message, exc.location or Location(display))]
    runbook = Runbook(
        id=default_id,
        path=display,
        front_matter=raw,
        body=split.body,
        body_line=split.body_offset + 1,
    )
    findings: list[Finding] = []
    if raw is not None:
        findings.extend(apply_front_matter(raw, runbook))
    parse_body(split.body, split.body_offset, runbook)
    if raw is not None:
        findings.extend(_missing_keys(runbook, raw))
    return runbook, findings


def _missing_keys(runbook: Runbook, raw: dict[object, object]) -> list[Finding]:
    """FB101 for each required key that is absent (a title may come from the H1 instead)."""
    out = []
    for key in REQUIRED:
        if key in raw or (key == "title" and runbook.title):
            continue
        hint = " (or an H1 heading in the body)" if key == "title" else ""
        out.append(
            finding(
                "FB101",
                f"missing required front matter key {key!r}{hint}",
                Location(runbook.path, 1, 1),
            )
        )
    return out


def check_runbook_refs(runbook: Runbook, org: Org) -> list[Finding]:
    """FB104 for every service, team, person, schedule or escalation policy that does not exist."""
    out: list[Finding] = []

    def bad(what: str, value: str, *path: object) -> None:
        out.append(finding("FB104", f"unknown {what} {value!r}", runbook.key_location(*path)))

    if runbook.service is not None and runbook.service not in org.services:
        bad("service", runbook.service, "service")
    if runbook.escalation is not None and runbook.escalation not in org.escalation_policies:
        bad("escalation policy", runbook.escalation, "escalation")
    for key in ("owner", "backup"):
        ref = getattr(runbook, key)
        if ref is not None and not ref_exists(org, ref):
            bad(ref.partition(":")[0], ref, key)
    for role, ref in runbook.roles.items():
        if not ref_exists(org, ref):
            bad(ref.partition(":")[0], ref, "roles", role)
    out.extend(_where_services(runbook, org))
    return out


def _where_services(runbook: Runbook, org: Org) -> list[Finding]:
    """FB104 for a trigger or done_when condition that matches a service org/ does not define."""
    out = []
    groups: tuple[tuple[str, Sequence[Trigger | Condition]], ...] = (
        ("trigger", runbook.triggers),
        ("done_when", runbook.done_when),
    )
    for key, items in groups:
        listed = isinstance(runbook.front_matter, dict) and isinstance(
            runbook.front_matter.get(key), list
        )
        for index, item in enumerate(items):
            service = item.where.get("service")
            if service is None or service in org.services:
                continue
            at: tuple[object, ...] = (key, index) if listed else (key,)
            out.append(
                finding(
                    "FB104",
                    f"unknown service {service!r} in {key} `where`",
                    runbook.key_location(*at, "where", "service"),
                )
            )
    return out
