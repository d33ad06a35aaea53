"""The runbook body: one CommonMark parse (markdown-it.rs), walked with source lines kept.

The H1 is the title; level-2 (or level-3) headings named like Meaning, Impact, Diagnosis and
Mitigation (or the variants public runbook collections use) open sections; the top-level
numbered items under Diagnosis and Mitigation are the steps.
"""

from __future__ import annotations

import os
import re
import threading
from bisect import bisect_right
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

from firebreak import limits
from firebreak.runbooks.model import Runbook, Section, Step

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
# A line opening containers (block quotes, list items, their indentation) past the limit.
_DEEP = re.compile(rf"^[ \t>*+\-0-9.)]{{{limits.MARKDOWN_PREFIX}}}", re.MULTILINE)


@lru_cache(maxsize=1)
def _markdown() -> Any:
    """One CommonMark parser (markdown-it.rs) for every runbook."""
    from markdown_it_pyrs import MarkdownIt

    return MarkdownIt("commonmark")


def _tree(body: str, source: _Source) -> Any:
    """The syntax tree of ``body``: markdown-it.rs, or markdown-it-py where the former panics.

    markdown-it.rs is about fifteen times faster, but it panics on a few odd inputs (for example
    an unclosed fence inside link brackets) and overflows its stack (SIGSEGV, no exception) on
    containers nested thousands deep (a line of 100,000 ``>``). A body with a line whose
    container prefix passes ``limits.MARKDOWN_PREFIX`` never reaches it; those and the panics
    are parsed by markdown-it-py, whose nesting is bounded (``maxNesting``), and adapted to the
    same node shape.
    """
    if _DEEP.search(body) is None:
        try:
            with _panic_message_hidden():
                return _markdown().tree(body)
        except BaseException as exc:  # a Rust panic is a BaseException
            if type(exc).__name__ != "PanicException":
                raise
    return _py_tree(body, source)


def _py_tree(body: str, source: _Source) -> Any:
    from markdown_it import MarkdownIt
    from markdown_it.tree import SyntaxTreeNode

    return _adapt(SyntaxTreeNode(MarkdownIt("commonmark").parse(body)), source)


@contextmanager
def _panic_message_hidden() -> Iterator[None]:
    """Keep a Rust panic's message (written straight to fd 2) off the user's terminal.

    Only while this is the process's only thread: elsewhere (the server) other threads may be
    writing to standard error, and a panic message in a log is harmless.
    """
    if threading.active_count() > 1:
        yield
        return
    saved = os.dup(2)
    try:
        os.dup2(_devnull(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


@lru_cache(maxsize=1)
def _devnull() -> int:
    return os.open(os.devnull, os.O_WRONLY)


class _Node:
    """markdown-it-py's tree in markdown-it.rs's shape: name, byte srcmap, meta, children."""

    def __init__(self, name: str, srcmap: tuple[int, int], meta: dict[str, Any]) -> None:
        self.name, self.srcmap, self.meta = name, srcmap, meta
        self.children: list[_Node] = []


def _adapt(node: Any, source: _Source, parent_map: tuple[int, int] = (0, 0)) -> _Node:
    srcmap = parent_map
    if not node.is_root and node.map:
        last = min(node.map[1], len(source.starts) - 1)
        srcmap = (source.starts[node.map[0]], source.starts[last])
    meta: dict[str, Any] = {}
    name = node.type
    if name == "heading":
        meta = {"level": int(node.tag[1]), "raw": node.children[0].content if node.children else ""}
    elif name in ("text", "fence", "code_block", "text_special"):
        meta = {"content": node.content}
    elif name == "link":
        meta = {"url": node.attrs.get("href")}
    out = _Node(name, srcmap, meta)
    if name == "code_inline":
        out.children.append(_Node("text", srcmap, {"content": node.content}))
    for child in node.children:
        if child.type == "inline":
            out.children.extend(_adapt(c, source, srcmap) for c in child.children)
        else:
            out.children.append(_adapt(child, source, srcmap))
    return out


def section_name(heading: str) -> str | None:
    """The canonical section a heading opens, or None: ``## Mitigation steps:`` -> mitigation."""
    text = heading.strip().strip("#*_:. ").lower()
    text = text.lstrip("0123456789.) ").strip()
    found = SECTION_NAMES.get(text)
    if found is None and " " in text:
        found = SECTION_NAMES.get(text.split(" ", 1)[0]) if text.endswith("steps") else None
    return found


class _Source:
    """Maps the parser's byte offsets to 1-based file lines and back to text."""

    def __init__(self, body: str, offset: int) -> None:
        self.data = body.encode("utf-8")
        self.offset = offset
        self.starts = [0]
        find = self.data.find
        pos = find(b"\n")
        while pos != -1:
            self.starts.append(pos + 1)
            pos = find(b"\n", pos + 1)

    def index(self, byte: int) -> int:
        """0-based line of the body holding ``byte``."""
        return bisect_right(self.starts, byte) - 1

    def line(self, byte: int) -> int:
        return self.index(byte) + self.offset + 1

    def text(self, start: int, end: int) -> str:
        return self.data[start:end].decode("utf-8", errors="replace")


def parse_body(body: str, offset: int, runbook: Runbook) -> None:
    """Fill ``runbook.title`` (from the H1 when the front matter had none), sections and steps."""
    source = _Source(body, offset)
    root = _tree(body, source)
    current: str | None = None
    section_starts: list[tuple[str | None, int]] = []
    counts: dict[str, int] = {}
    for node in root.children:
        kind = node.name
        if kind == "heading":
            text = _raw_content(node, source)
            line = source.line(node.srcmap[0])
            level = node.meta.get("level", 0)
            if level == 1 and runbook.title_line == 0:
                runbook.title_line = line
                runbook.title = runbook.title or text.strip() or None
            elif level == 2 or (level == 3 and current is None):
                # A level-3 heading inside a known section is a subsection of it.
                name = section_name(text)
                if name is not None or level == 2:
                    current = name
                    section_starts.append((name, source.index(node.srcmap[0])))
                    if name is not None and name not in runbook.sections:
                        runbook.sections[name] = Section(name, line, "")
        elif kind == "ordered_list" and current in STEP_SECTIONS:
            for item in node.children:
                counts[current] = counts.get(current, 0) + 1
                runbook.steps.append(_make_step(item, source, current, counts[current]))
    _fill_section_text(runbook, section_starts, body.split("\n"))


def _raw_content(node: Any, source: _Source) -> str:
    """A heading's text as written (markup included), like markdown-it's inline content."""
    if "raw" in node.meta:
        return str(node.meta["raw"])
    if not node.children:
        return ""
    return source.text(node.children[0].srcmap[0], node.children[-1].srcmap[1])


def _fill_section_text(
    runbook: Runbook, starts: list[tuple[str | None, int]], lines: list[str]
) -> None:
    for index, (name, start) in enumerate(starts):
        if name is None or runbook.sections[name].text:
            continue
        end = starts[index + 1][1] if index + 1 < len(starts) else len(lines)
        runbook.sections[name].text = "\n".join(lines[start + 1 : end]).strip()


_INLINE_CONTAINERS = frozenset({"em", "strong", "link", "autolink", "code_inline", "s"})
_INLINE = _INLINE_CONTAINERS | frozenset(
    {"text", "text_special", "softbreak", "hardbreak", "image", "html_inline"}
)


def _make_step(item: Any, source: _Source, section: str, number: int) -> Step:
    step = Step(section=section, number=number, text="", line=source.line(item.srcmap[0]))
    text_lines: list[str] = []
    for paragraph in _paragraphs(item):
        if isinstance(paragraph, list):
            _read_inline(paragraph, step, text_lines, first=not text_lines)
        elif paragraph.meta.get("content", "").strip():
            step.commands.append(paragraph.meta["content"].rstrip("\n"))
    step.text = " ".join(text_lines).strip()
    return step


def _paragraphs(block: Any) -> list[Any]:
    """The item's command blocks and paragraphs (runs of inline nodes), in order, nested included.

    In a tight list the parser puts inline nodes straight under the item, so a run of them
    between two blocks is one paragraph.
    """
    out: list[Any] = []
    run: list[Any] = []
    for child in block.children:
        if child.name in _INLINE:
            run.append(child)
            continue
        if run:
            out.append(run)
            run = []
        if child.name in ("fence", "code_block"):
            out.append(child)
        elif child.name == "paragraph":
            out.append(list(child.children))
        elif child.name not in ("html_block", "hr"):
            out.extend(_paragraphs(child))
    if run:
        out.append(run)
    return out


def _read_inline(children: list[Any], step: Step, text_lines: list[str], first: bool) -> None:
    """Collect role, inline code, links and the Expect: line from one paragraph's inline nodes."""
    line_parts: list[str] = []

    def end_line() -> None:
        text = "".join(line_parts).strip()
        line_parts.clear()
        plain = text.lstrip("*_ ").lower()
        if plain.startswith(_EXPECT) and step.expect is None:
            step.expect = text.split(":", 1)[-1].strip("*_ ") if ":" in text else text
        elif text and first:
            text_lines.append(text)

    def text_of(node: Any, parts: list[str]) -> None:
        kind = node.name
        if kind in ("text", "text_special"):
            parts.append(node.meta.get("content", ""))
        elif kind == "code_inline":
            code = "".join(c.meta.get("content", "") for c in node.children)
            step.inline_code.append(code)
            parts.append(code)
        elif kind in ("link", "autolink"):
            url = node.meta.get("url")
            label: list[str] = []
            for child in node.children:
                text_of(child, label)
            parts.extend(label)
            if isinstance(url, str) and url:
                step.links.append(url)
                step.anchors.append(("".join(label), url))
        elif kind in ("em", "strong", "s"):
            inner: list[str] = []
            for child in node.children:
                text_of(child, inner)
            joined = "".join(inner)
            match = _ROLE.match(joined.strip())
            if match and step.role is None:
                step.role = match.group(1).strip().lower()
            else:
                parts.append(joined)

    for child in children:
        if child.name in ("softbreak", "hardbreak"):
            end_line()
        else:
            text_of(child, line_parts)
    end_line()
