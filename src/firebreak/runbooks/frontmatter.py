"""Runbook front matter: split it from the body, load it with positions, validate key by key.

Each key is validated on its own, so one bad value (FB103) does not hide the others, and the
runbook keeps every field that is good. A word where a number belongs is FB303, not FB103.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, TypeAdapter, ValidationError

from firebreak.errors import InputError, Location
from firebreak.lint.findings import Finding, finding, validation_findings
from firebreak.org.model import Ref, check_ref
from firebreak.runbooks.kinds import KINDS
from firebreak.runbooks.model import (
    SIGNALS,
    Condition,
    Duration,
    Runbook,
    Scenario,
    Severity,
    Trigger,
)
from firebreak.yamlsrc import YList, YMap, loads, locate


def _owner(value: object) -> str:
    return check_ref(value, ("team", "person"))


def _day(value: object) -> object:
    if isinstance(value, date | str):
        return value
    raise ValueError(f"expected a date YYYY-MM-DD, got {value!r}")


_Owner = Annotated[str, BeforeValidator(_owner)]
_Date = Annotated[date, BeforeValidator(_day)]
_Text = Annotated[str, Field(min_length=1)]
_Id = Annotated[str, Field(min_length=1, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")]


def _adapter(kind: Any) -> TypeAdapter[Any]:
    return TypeAdapter(kind)


# Every key the front matter may hold, with the type its value must have.
FIELDS: dict[str, TypeAdapter[Any]] = {
    "id": _adapter(_Id),
    "title": _adapter(_Text),
    "service": _adapter(_Text),
    "scenario": _adapter(Scenario),
    "severity": _adapter(Severity),
    "owner": _adapter(_Owner),
    "escalation": _adapter(_Text),
    "roles": _adapter(dict[str, Ref]),
    "trigger": _adapter(Trigger),  # or a list of triggers, see _apply_items
    "done_when": _adapter(list[Condition]),
    "reviewed": _adapter(_Date),
    "review_every": _adapter(Duration),
    "backup": _adapter(Ref),
    "handoff": _adapter(_Text),
    "handoff_updated": _adapter(_Date),
    "tags": _adapter(list[str]),
}
# Keys holding triggers or conditions: each item is checked on its own (FB303, then FB103).
_ITEMS: dict[str, TypeAdapter[Any]] = {
    "trigger": _adapter(Trigger),
    "done_when": _adapter(Condition),
}
REQUIRED = ("title", "service", "scenario", "severity", "owner")
# Numbers inside a trigger or condition: a word there is FB303 (no numeric threshold).
_NUMERIC_PATHS: tuple[tuple[str, ...], ...] = (
    ("above",),
    ("below",),
    ("min_requests",),
    *((kind.key, number) for kind in KINDS if kind.key for number in kind.numbers),
)


@dataclass
class Split:
    """A runbook file cut in two: the front matter text (None when absent) and the body."""

    front: str | None
    body: str
    body_offset: int  # lines before the body's first line


def split_front_matter(text: str, display: str) -> Split:
    """Cut off a front matter between ``---`` lines; raise InputError when it never closes."""
    first, _, rest = text.partition("\n")
    if first.rstrip() != "---":
        return Split(None, text, 0)
    lines = rest.split("\n")
    for index, line in enumerate(lines):
        if line.rstrip() in ("---", "..."):
            front = "\n".join(lines[:index])
            body = "\n".join(lines[index + 1 :])
            return Split(front, body, index + 2)
    raise InputError(
        "the front matter opened here never closes: expected a line `---` after it",
        location=Location(display, 1, 1),
    )


def load_front_matter(split: Split, display: str) -> YMap:
    """The front matter as a YMap with file positions; InputError for YAML that is not a mapping."""
    data = loads(split.front or "", display, line_offset=1)
    if data is None:
        empty = YMap()
        empty.pos, empty.key_pos, empty.value_pos = (1, 1), {}, {}
        return empty
    if not isinstance(data, YMap):
        raise InputError(
            "the front matter must be a mapping of keys such as title, service, severity",
            location=Location(display, 2, 1),
        )
    return data


def apply_front_matter(raw: YMap, runbook: Runbook) -> list[Finding]:
    """Validate each key of ``raw`` and set the good ones on ``runbook``; return the findings."""
    display = runbook.path
    out: list[Finding] = []
    for key, value in raw.items():
        line, col = raw.key_pos.get(key, (1, 1))
        adapter = FIELDS.get(key) if isinstance(key, str) else None
        if adapter is None:
            known = ", ".join(FIELDS)
            out.append(
                finding(
                    "FB102",
                    f"unknown key {key!r}, expected one of {known}",
                    Location(display, line, col),
                )
            )
            continue
        if key in _ITEMS:
            out.extend(_apply_items(raw, key, runbook))
            continue
        try:
            parsed = adapter.validate_python(value)
        except ValidationError as exc:
            out.extend(validation_findings(exc, raw, display, (key,)))
            continue
        setattr(runbook, key, parsed)
    return out


def _apply_items(raw: YMap, key: str, runbook: Runbook) -> list[Finding]:
    """Set ``runbook.triggers`` or ``done_when`` from the items that are valid; find the rest."""
    value = raw[key]
    display = runbook.path
    if not isinstance(value, YList) and (key == "done_when" or not isinstance(value, YMap)):
        shape = "a list of conditions" if key == "done_when" else "a mapping or a list of mappings"
        line, col = raw.key_pos[key]
        return [finding("FB103", f"{key}: expected {shape}", Location(display, line, col))]
    items = list(enumerate(value)) if isinstance(value, YList) else [(None, value)]
    good: list[Any] = []
    out: list[Finding] = []
    for index, item in items:
        prefix: tuple[Any, ...] = (key,) if index is None else (key, index)
        words = _word_thresholds(raw, item, prefix, display)
        if words:
            out.extend(words)
            continue
        try:
            good.append(_ITEMS[key].validate_python(item))
        except ValidationError as exc:
            out.extend(validation_findings(exc, raw, display, prefix))
            continue
        if key == "trigger" and good[-1].promql is not None:
            continue
        if good[-1].signal not in SIGNALS:
            out.append(_unknown_signal(good[-1].signal, runbook.key_location(*prefix, "signal")))
    if key == "trigger":
        runbook.triggers = good
    else:
        runbook.done_when = good
    return out


def _unknown_signal(signal: str, where: Location) -> Finding:
    known = ", ".join(sorted(SIGNALS))
    return finding("FB103", f"unknown signal {signal!r}, expected one of {known}", where)


def _word_thresholds(raw: YMap, item: Any, prefix: tuple[Any, ...], display: str) -> list[Finding]:
    """FB303 for every word written where a trigger or condition needs a number."""
    out = []
    for path in _NUMERIC_PATHS:
        node: Any = item
        for part in path:
            node = node.get(part) if isinstance(node, dict) else None
        if isinstance(node, str) and not _is_number(node):
            line, col = locate(raw, (*prefix, *path))
            dotted = ".".join(str(p) for p in (*prefix, *path))
            out.append(
                finding(
                    "FB303",
                    f"{dotted}: {node!r} is a word, not a number; write the threshold a "
                    "machine can compare, such as 0.05",
                    Location(display, line, col),
                )
            )
    return out


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
