"""What every importer shares: reading an export, naming the field that is wrong, making ids,
and writing ``org/imported-<source>.yaml`` whole or not at all.

An importer reads the JSON a tool's REST API returned and fills an :class:`Imported`: plain dicts
in the org file's shape, plus the list of what has no equivalent in firebreak (``unmapped``), which
the command prints and writes at the top of the file, so nothing is dropped silently.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from firebreak.errors import InputError, Location
from firebreak.lint.findings import Finding
from firebreak.org.model import Org
from firebreak.workspace import _check_org_refs, _load_org_file


class ExportError(InputError):
    """An export that is not what the tool's API returns: names the file, object and field."""

    code = "bad_export"


def read_json(path: Path) -> Any:
    """The parsed JSON of one export; a truncated or broken file names where it stops."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ExportError(f"cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ExportError(f"{path}: not UTF-8 text; expected the JSON the API returned") from None
    if not text.strip():
        raise ExportError(f"{path}: empty file; expected the JSON the API returned")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        hint = " (the export looks truncated)" if exc.pos >= len(text.rstrip()) else ""
        raise ExportError(
            f"not valid JSON: {exc.msg}{hint}", location=Location(str(path), exc.lineno, exc.colno)
        ) from None


_MISSING = object()


@dataclass(frozen=True)
class At:
    """Where an object sits in an export, for messages: ``file: schedules[0] (PX1 'Primary')``."""

    file: str
    path: str

    def child(self, key: str | int, obj: Any = None) -> At:
        """The place of ``key`` inside this one; ``obj`` (the value there) adds its id and name."""
        step = f"[{key}]" if isinstance(key, int) else (f".{key}" if self.path else key)
        label = _label(obj) if obj is not None else ""
        return At(self.file, self.path + step + (f" ({label})" if label else ""))

    def fail(self, message: str) -> ExportError:
        return ExportError(f"{self.file}: {self.path or 'top level'}: {message}")

    def get(self, obj: Any, key: str, kind: type | tuple[type, ...], what: str) -> Any:
        """``obj[key]``, which must exist and have type ``kind``; else an error naming both."""
        if not isinstance(obj, dict):
            raise self.fail(f"expected an object, got {_kind(obj)}")
        value = obj.get(key, _MISSING)
        if value is _MISSING:
            raise self.child(key).fail(f"missing; expected {what}")
        if not isinstance(value, kind) or (isinstance(value, bool) and bool not in _tuple(kind)):
            raise self.child(key).fail(f"expected {what}, got {_kind(value)} {_short(value)}")
        return value

    def opt(self, obj: Any, key: str, kind: type | tuple[type, ...], what: str) -> Any:
        """``obj[key]`` when present and not null, else None; a wrong type is an error."""
        if isinstance(obj, dict) and obj.get(key) is None:
            return None
        return self.get(obj, key, kind, what)

    def time(self, obj: Any, key: str, *, optional: bool = False) -> datetime | None:
        raw = (self.opt if optional else self.get)(obj, key, str, "an ISO 8601 time")
        if raw is None:
            return None
        try:
            return datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            raise self.child(key).fail(f"expected an ISO 8601 time, got {raw!r}") from None

    def items(self, obj: Any, key: str, what: str) -> list[tuple[At, dict[str, Any]]]:
        """The objects of list ``obj[key]``, each with its own place for messages."""
        values = self.get(obj, key, list, f"a list of {what}")
        out = []
        for i, item in enumerate(values):
            here = self.child(key).child(i, item)
            if not isinstance(item, dict):
                raise here.fail(
                    f"expected {what[:-1] if what.endswith('s') else what}, got {_kind(item)}"
                )
            out.append((here, item))
        return out


def _tuple(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def _label(obj: Any) -> str:
    if not isinstance(obj, dict):
        return ""
    ident = obj.get("id")
    name = obj.get("name") or obj.get("summary") or obj.get("username")
    parts = [str(ident)] if isinstance(ident, str | int) else []
    if isinstance(name, str):
        parts.append(repr(name))
    return " ".join(parts)


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}.get(
        type(value), "null" if value is None else "a number"
    )


def _short(value: Any) -> str:
    text = json.dumps(value)
    return text if len(text) <= 40 else text[:37] + "..."


class Ids:
    """Readable, unique firebreak ids from names (``Dana Ruiz`` → ``dana-ruiz``), per section."""

    def __init__(self, prefix: str = "") -> None:
        self.prefix = prefix
        self._taken: dict[str, set[str]] = {}
        self._by_source: dict[tuple[str, str], str] = {}

    def make(self, section: str, source_id: str, name: str) -> str:
        key = (section, source_id)
        if key in self._by_source:
            return self._by_source[key]
        base = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or re.sub(
            r"[^a-z0-9]+", "-", source_id.lower()
        ).strip("-")
        base = self.prefix + base
        taken = self._taken.setdefault(section, set())
        ident, n = base, 2
        while ident in taken:
            ident, n = f"{base}-{n}", n + 1
        taken.add(ident)
        self._by_source[key] = ident
        return ident

    def get(self, section: str, source_id: str) -> str | None:
        return self._by_source.get((section, source_id))


@dataclass
class Imported:
    """The org sections an importer produced, and what it could not carry over."""

    source: str
    people: list[dict[str, Any]] = field(default_factory=list)
    teams: list[dict[str, Any]] = field(default_factory=list)
    services: list[dict[str, Any]] = field(default_factory=list)
    schedules: list[dict[str, Any]] = field(default_factory=list)
    escalation_policies: list[dict[str, Any]] = field(default_factory=list)
    unmapped: list[str] = field(default_factory=list)

    def sections(self) -> dict[str, list[dict[str, Any]]]:
        return {
            name: items
            for name, items in (
                ("people", self.people),
                ("teams", self.teams),
                ("services", self.services),
                ("schedules", self.schedules),
                ("escalation_policies", self.escalation_policies),
            )
            if items
        }

    def counts(self) -> dict[str, int]:
        return {name: len(items) for name, items in self.sections().items()}


def render(imported: Imported) -> str:
    """The org YAML text, with the unmapped list as a comment block at the top."""
    head = [
        f"# Imported from {imported.source} by `firebreak import {imported.source}`.",
        "# Review it, then commit it; re-running the import replaces this file.",
    ]
    if imported.unmapped:
        head.append("# Not carried over (no firebreak equivalent):")
        head.extend(f"#   - {line}" for line in imported.unmapped)
    body = yaml.safe_dump(
        imported.sections(), sort_keys=False, allow_unicode=True, default_flow_style=None, width=100
    )
    return "\n".join(head) + "\n" + body


def write_org(root: Path, imported: Imported) -> Path:
    """Check the result loads with the rest of the workspace's org, then write it atomically.

    Raises ExportError listing the problems (an id that clashes with one already in org/, a value
    firebreak refuses) and writes nothing in that case.
    """

    if not root.is_dir():
        raise ExportError(f"workspace folder not found: {root}")
    target = root / "org" / f"imported-{imported.source}.yaml"
    display = f"org/{target.name}"
    text = render(imported)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=".import-", suffix=".tmp", dir=target.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        org, findings = Org(), list[Finding]()
        for path in sorted(target.parent.glob("*.y*ml")):
            if path.name != target.name:
                _load_org_file(path, f"org/{path.name}", org, findings)
        _load_org_file(tmp, display, org, findings)
        _check_org_refs(org, findings)
        errors = [f for f in findings if f.severity == "error" and f.path == display]
        if errors:
            shown = "\n".join(
                f"  {f.path}:{f.line}:{f.col}: {f.code} {f.message}" for f in errors[:20]
            )
            raise ExportError(
                "the imported org would not load beside the workspace's; nothing written "
                f"(an id already in org/ can be avoided with --prefix):\n{shown}"
            )
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)
    return target
