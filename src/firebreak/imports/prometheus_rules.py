"""Prometheus rule files → one runbook per alerting rule, under ``runbooks/imported/``.

Reads plain rule files (``groups:``, as ``promtool check rules`` takes them, and as the monitoring
mixins render them) and ``PrometheusRule`` objects of the Prometheus Operator (``spec.groups``).
An alerting rule whose expression ends in a comparison with a number (``A > 0.05``) becomes
``{promql: A, above: 0.05}``; any other expression keeps Prometheus's meaning (the alert fires for
every series the expression returns) as ``{promql: "(EXPR) * 0 + 1", above: 0}``. Recording rules
are reported and skipped. Everything is checked before the first file is written.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import promql_parser
import yaml

from firebreak.durations import format_duration, parse_duration
from firebreak.errors import InputError, Location
from firebreak.imports.common import ExportError
from firebreak.runbooks.parser import parse_text
from firebreak.yamlsrc import YList, YMap, loads, read_text

SEVERITIES = {
    "critical": "sev1",
    "page": "sev1",
    "high": "sev2",
    "error": "sev2",
    "warning": "sev3",
    "medium": "sev3",
    "info": "sev4",
    "low": "sev4",
    "none": "sev4",
}
_SPLIT_OPS = {">": "above", "<": "below"}


@dataclass
class Rule:
    """One alerting rule, with where it was written."""

    alert: str
    expr: str
    for_: str | None
    labels: dict[str, str]
    annotations: dict[str, str]
    group: str
    where: Location


@dataclass
class RulesImport:
    alerts: list[Rule] = field(default_factory=list)
    recording: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def read_rules(paths: list[Path]) -> RulesImport:
    out = RulesImport()
    for path in paths:
        display = str(path)
        try:
            data = loads(read_text(path, display), display)
        except InputError as exc:
            raise ExportError(exc.message, location=exc.location or Location(display)) from None
        for doc_groups in _groups(data, display):
            _read_groups(doc_groups, display, out)
    return out


def _groups(data: Any, display: str) -> list[YList]:
    if isinstance(data, YMap) and data.get("kind") == "PrometheusRule":
        spec = data.get("spec")
        if isinstance(spec, YMap) and isinstance(spec.get("groups"), YList):
            return [spec["groups"]]
    if isinstance(data, YMap) and isinstance(data.get("groups"), YList):
        return [data["groups"]]
    raise ExportError(
        "expected a Prometheus rule file (a mapping with `groups:`) or a PrometheusRule "
        "(`spec.groups`)",
        location=Location(display, 1, 1),
    )


def _read_groups(groups: YList, display: str, out: RulesImport) -> None:
    for gi, group in enumerate(groups):
        at = Location(display, *groups.item_pos[gi])
        if not isinstance(group, YMap) or not isinstance(group.get("name"), str):
            raise ExportError("a rule group needs a `name` and `rules`", location=at)
        rules = group.get("rules") or YList()
        if not isinstance(rules, YList):
            raise ExportError(f"group {group['name']}: `rules` must be a list", location=at)
        for ri, rule in enumerate(rules):
            r_at = Location(display, *rules.item_pos[ri])
            parsed = _rule(rule, str(group["name"]), r_at, out)
            if parsed is not None:
                out.alerts.append(parsed)


def _rule(rule: Any, group: str, at: Location, out: RulesImport) -> Rule | None:
    if not isinstance(rule, YMap):
        raise ExportError(f"group {group}: a rule must be a mapping", location=at)
    name = rule.get("alert") or rule.get("record")
    if not isinstance(name, str) or ("alert" in rule) == ("record" in rule):
        raise ExportError(
            f"group {group}: a rule has either `alert:` or `record:` (a name)", location=at
        )
    expr = rule.get("expr")
    if not isinstance(expr, str | int | float) or isinstance(expr, bool):
        raise ExportError(f"rule {name}: `expr` must be a PromQL expression", location=at)
    expr = str(expr).strip()
    try:
        promql_parser.parse(expr)
    except ValueError as exc:
        raise ExportError(f"rule {name}: expr does not parse: {exc}", location=at) from None
    if "record" in rule:
        out.recording.append(name)
        return None
    for_ = rule.get("for")
    if for_ is not None:
        try:
            for_ = format_duration(parse_duration(str(for_)))
        except ValueError as exc:
            raise ExportError(f"rule {name}: for: {exc}", location=at) from None
    if rule.get("keep_firing_for") is not None:
        out.notes.append(f"{name}: keep_firing_for {rule['keep_firing_for']} (no equivalent)")
    return Rule(
        alert=name,
        expr=expr,
        for_=for_,
        labels=_strings(rule.get("labels"), name, "labels", at),
        annotations=_strings(rule.get("annotations"), name, "annotations", at),
        group=group,
        where=at,
    )


def _strings(value: Any, name: str, key: str, at: Location) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ExportError(f"rule {name}: `{key}` must be a mapping", location=at)
    return {str(k): str(v) for k, v in value.items()}


def trigger_of(rule: Rule) -> dict[str, Any]:
    """The rule's expression as a promql trigger with the same firing semantics."""
    tree = promql_parser.parse(rule.expr)
    trigger: dict[str, Any]
    split = _split(tree)
    if split is not None:
        split = (_original_lhs(rule.expr, split[0]), split[1], split[2])
        expr, side, number = split
        trigger = {"promql": expr, side: number}
    else:
        trigger = {"promql": f"({rule.expr}) * 0 + 1", "above": 0}
    if rule.for_:
        trigger["for"] = rule.for_
    if rule.labels:
        trigger["labels"] = dict(rule.labels)
    return trigger


def _split(tree: Any) -> tuple[str, str, float] | None:
    """``A > 0.05`` → (A, above, 0.05); also ``0.05 < A``; not with ``bool`` or two vectors."""
    if not isinstance(tree, promql_parser.BinaryExpr):
        return None
    op = str(tree.op)
    modifier = tree.modifier
    if modifier is not None and getattr(modifier, "return_bool", False):
        return None
    flipped = {">": "<", "<": ">"}
    if op not in _SPLIT_OPS:
        return None
    if isinstance(tree.rhs, promql_parser.NumberLiteral):
        return str(tree.lhs), _SPLIT_OPS[op], float(tree.rhs.val)
    if isinstance(tree.lhs, promql_parser.NumberLiteral):
        return str(tree.rhs), _SPLIT_OPS[flipped[op]], float(tree.lhs.val)
    return None


_TRAILING = re.compile(
    r"(?s)^(?P<lhs>.*?)\s*[<>]\s*(?P<num>[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*$"
)


def _original_lhs(expr: str, normalised: str) -> str:
    """The rule's own text left of ``> N`` when it is the same expression, else the parser's."""
    match = _TRAILING.match(expr)
    if match:
        try:
            if str(promql_parser.parse(match["lhs"])) == normalised:
                return match["lhs"].strip()
        except ValueError:
            pass
    return normalised


def runbook_text(rule: Rule, source: str) -> str:
    """A runbook with the rule as its trigger and the sections a person still has to write."""
    front: dict[str, Any] = {"id": _file_id(rule.alert), "title": _title(rule)}
    if "service" in rule.labels:
        front["service"] = rule.labels["service"]
    front["scenario"] = "custom"
    severity = SEVERITIES.get(rule.labels.get("severity", "").lower())
    if severity:
        front["severity"] = severity
    front["trigger"] = trigger_of(rule)
    head = yaml.dump(front, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
    ann = rule.annotations
    summary = ann.get("summary") or ann.get("message") or ""
    description = ann.get("description") or ""
    url = ann.get("runbook_url") or ann.get("runbook")
    meaning = " ".join(p for p in (summary, description) if p) or (
        f"TODO: what it means when {rule.alert} fires."
    )
    lines = [
        "---",
        head.rstrip(),
        "---",
        f"# {rule.alert}",
        "",
        f"Imported from the Prometheus rule group `{rule.group}` ({source}). It fires as the rule",
        f"did: `{_one_line(rule.expr)}`"
        + (f" for {rule.for_}." if rule.for_ else ", on the first evaluation."),
        "",
        "## Meaning",
        meaning,
        "",
        "## Impact",
        "TODO: who notices, and how, while this fires.",
        "",
        "## Diagnosis",
    ]
    if url:
        lines.append(f"1. Follow the team's existing runbook: [{rule.alert}]({url}).")
    else:
        lines.append("1. TODO: the first thing to check, with its command.")
    lines += ["", "## Mitigation", "1. TODO: what stops the harm, with its command.", ""]
    return "\n".join(lines)


class _Dumper(yaml.SafeDumper):
    """Safe YAML, with multi-line strings (rule expressions) as literal blocks."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value and not value.endswith(" ") else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def _title(rule: Rule) -> str:
    summary = rule.annotations.get("summary", "")
    text = summary if summary and "{{" not in summary else rule.alert
    return _one_line(text)[:120]


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _file_id(alert: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", alert).strip("-") or "alert"


def plan_files(rules: list[Rule]) -> list[tuple[str, Rule]]:
    """A file name per rule: ``<alertname>.md``, numbered when one name is used twice."""
    used: dict[str, int] = {}
    out = []
    for rule in rules:
        base = _file_id(rule.alert)
        used[base] = used.get(base, 0) + 1
        name = base if used[base] == 1 else f"{base}-{used[base]}"
        out.append((name, rule))
    return out


def write_runbooks(root: Path, imported: RulesImport) -> list[Path]:
    """Write every runbook (each file atomically); all are rendered and checked first."""

    if not root.is_dir():
        raise ExportError(f"workspace folder not found: {root}")
    folder = root / "runbooks" / "imported"
    texts: list[tuple[Path, str]] = []
    for name, rule in plan_files(imported.alerts):
        text = runbook_text(rule, str(rule.where))
        if name != _file_id(rule.alert):
            text = text.replace(f"id: {_file_id(rule.alert)}\n", f"id: {name}\n", 1)
        display = f"runbooks/imported/{name}.md"
        runbook, problems = parse_text(text, display, default_id=name)
        broken = [p for p in problems if p.code in ("FB100", "FB102", "FB103", "FB303")]
        if runbook is None or broken:
            raise ExportError(
                f"internal: the runbook made from {rule.alert} does not load: "
                + "; ".join(p.message for p in broken)
            )
        texts.append((folder / f"{name}.md", text))
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for target, text in texts:
        fd, tmp = tempfile.mkstemp(prefix=".import-", suffix=".tmp", dir=folder)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        Path(tmp).replace(target)
        written.append(target)
    return written
