"""The runbook body: one markdown-it parse, walked token by token with source lines kept.

The H1 is the title; level-2 (or level-3) headings named like Meaning, Impact, Diagnosis and
Mitigation (or the variants public runbook collections use) open sections; the top-level
numbered items under Diagnosis and Mitigation are the steps.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from firebreak.runbooks.model import Runbook, Section, Step

if TYPE_CHECKING:
    from markdown_it.token import Token

# Heading text (lower case, punctuation trimmed) -> the section it opens.
SECTION_NAMES: dict[str, str] = {}
for _canonical, _variants in {
    "meaning": (
        "meaning",
        "description",
        "summary",
        "overview",
        "about",
        "alert",
        "what it means",
        "what does this alert mean",
        "symptoms",
        "context",
    ),
    "impact": ("impact", "user impact", "customer impact", "business impact", "effect"),
    "diagnosis": (
        "diagnosis",
        "diagnose",
        "diagnostics",
        "investigation",
        "investigate",
        "troubleshooting",
        "troubleshoot",
        "triage",
        "debugging",
        "checks",
        "possible checks",
        "how to investigate",
        "analysis",
        "verification",
    ),
    "mitigation": (
        "mitigation",
        "mitigate",
        "mitigations",
        "remediation",
        "remediate",
        "resolution",
        "resolve",
        "fix",
        "how to fix",
        "recovery",
        "response",
        "actions",
        "steps",
        "solution",
        "workaround",
        "runbook steps",
    ),
}.items():
    for _name in _variants:
        SECTION_NAMES[_name] = _canonical
STEP_SECTIONS = ("diagnosis", "mitigation")
_ROLE = re.compile(r"^\(\s*([A-Za-z][\w -]*?)\s*\)$")
_EXPECT = ("expect:", "expected:", "expected result:")


@lru_cache(maxsize=1)
def _markdown() -> Any:
    """One parser for every runbook; inline parsing runs only where it is needed (see _inline)."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").disable(["inline", "text_join"])


def _inline(tok: Token, env: dict[str, Any]) -> list[Token]:
    """The inline children of a block token, parsed on first use (``env`` holds link references)."""
    if not tok.children and tok.content:
        md = _markdown()
        tok.children = []
        md.inline.parse(tok.content, md, env, tok.children)
    return tok.children or []


def section_name(heading: str) -> str | None:
    """The canonical section a heading opens, or None: ``## Mitigation steps:`` -> mitigation."""
    text = heading.strip().strip("#*_:. ").lower()
    text = text.lstrip("0123456789.) ").strip()
    found = SECTION_NAMES.get(text)
    if found is None and " " in text:
        found = SECTION_NAMES.get(text.split(" ", 1)[0]) if text.endswith("steps") else None
    return found


def parse_body(body: str, offset: int, runbook: Runbook) -> None:
    """Fill ``runbook.title`` (from the H1 when the front matter had none), sections and steps."""
    env: dict[str, Any] = {}
    tokens: list[Token] = _markdown().parse(body, env)
    lines = body.split("\n")
    current: str | None = None
    section_starts: list[tuple[str | None, int]] = []
    counts: dict[str, int] = {}
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.type == "heading_open" and tok.map is not None:
            text = tokens[i + 1].content if i + 1 < len(tokens) else ""
            line = tok.map[0] + offset + 1
            if tok.tag == "h1" and runbook.title_line == 0:
                runbook.title_line = line
                runbook.title = runbook.title or text.strip() or None
            elif tok.tag == "h2" or (tok.tag == "h3" and current is None):
                # A level-3 heading inside a known section is a subsection of it.
                name = section_name(text)
                if name is not None or tok.tag == "h2":
                    current = name
                    section_starts.append((name, tok.map[0]))
                    if name is not None and name not in runbook.sections:
                        runbook.sections[name] = Section(name, line, "")
        elif tok.type == "ordered_list_open" and tok.level == 0 and current in STEP_SECTIONS:
            i = _read_steps(tokens, i, offset, env, current, counts, runbook)
            continue
        i += 1
    _fill_section_text(runbook, section_starts, lines)


def _fill_section_text(
    runbook: Runbook, starts: list[tuple[str | None, int]], lines: list[str]
) -> None:
    for index, (name, start) in enumerate(starts):
        if name is None or runbook.sections[name].text:
            continue
        end = starts[index + 1][1] if index + 1 < len(starts) else len(lines)
        runbook.sections[name].text = "\n".join(lines[start + 1 : end]).strip()


def _read_steps(
    tokens: list[Token],
    start: int,
    offset: int,
    env: dict[str, Any],
    section: str,
    counts: dict[str, int],
    runbook: Runbook,
) -> int:
    """Read the items of the ordered list opening at ``start``; return the index after it."""
    i = start + 1
    item: list[Token] = []
    item_line = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.type == "ordered_list_close" and tok.level == 0:
            return i + 1
        if tok.type == "list_item_open" and tok.level == 1:
            item = []
            item_line = (tok.map[0] if tok.map else 0) + offset + 1
        elif tok.type == "list_item_close" and tok.level == 1:
            counts[section] = counts.get(section, 0) + 1
            runbook.steps.append(_make_step(item, env, section, counts[section], item_line))
        else:
            item.append(tok)
        i += 1
    return i


def _make_step(
    tokens: list[Token], env: dict[str, Any], section: str, number: int, line: int
) -> Step:
    step = Step(section=section, number=number, text="", line=line)
    text_lines: list[str] = []
    for tok in tokens:
        if tok.type in ("fence", "code_block"):
            if tok.content.strip():
                step.commands.append(tok.content.rstrip("\n"))
        elif tok.type == "inline":
            _read_inline(_inline(tok, env), step, text_lines, first=not text_lines)
    step.text = " ".join(text_lines).strip()
    return step


def _read_inline(children: list[Token], step: Step, text_lines: list[str], first: bool) -> None:
    """Collect role, inline code, links and the Expect: line from one paragraph's children."""
    line_parts: list[str] = []
    em_text: list[str] | None = None

    def end_line() -> None:
        text = "".join(line_parts).strip()
        line_parts.clear()
        plain = text.lstrip("*_ ").lower()
        if plain.startswith(_EXPECT) and step.expect is None:
            step.expect = text.split(":", 1)[-1].strip("*_ ") if ":" in text else text
        elif text and first:
            text_lines.append(text)

    for child in children:
        kind = child.type
        if kind in ("softbreak", "hardbreak"):
            end_line()
        elif kind in ("em_open", "strong_open"):
            em_text = []
        elif kind in ("em_close", "strong_close"):
            joined = "".join(em_text or [])
            match = _ROLE.match(joined.strip())
            if match and step.role is None:
                step.role = match.group(1).strip().lower()
            else:
                line_parts.append(joined)
            em_text = None
        elif kind == "link_open":
            href = child.attrs.get("href")
            if isinstance(href, str) and href:
                step.links.append(href)
        elif kind in ("text", "text_special", "code_inline"):
            if kind == "code_inline":
                step.inline_code.append(child.content)
            target = em_text if em_text is not None else line_parts
            target.append(child.content)
    end_line()
