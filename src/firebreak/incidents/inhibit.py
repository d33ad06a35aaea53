"""Cause over symptom: ``[[inhibit]]`` rules (Alertmanager's inhibit_rules) on open incidents.

A rule reads: while an incident whose labels match ``source`` is open, an alert matching
``target`` that agrees with it on every ``equal`` label is a symptom of that incident. The
pipeline attaches such an alert to the source's incident (nobody is paged for it), and merges
an incident already open for a target into the source's incident when the source comes second.

Matchers are exact values or ``"~REGEX"`` (fully anchored); a label an alert lacks reads as
``""``. An alert with no ``provider`` label stands for every provider its service calls (the
org's ``services[].providers``), so an outage alert of ``chat-api`` agrees on ``provider`` with
an incident about any provider chat-api calls. As in Alertmanager, an alert that matches both
sides of a rule is never inhibited by an incident that also matches both sides, so a rule can
never make an incident swallow its own kind.

Everything here is pure: labels and rules in, decisions out. ``firebreak route test`` calls
:func:`inhibited_by` with the store's open incidents; the pipeline calls it for each new alert.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from firebreak.settings import InhibitRule

LABEL_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Operators people bring from Alertmanager's matcher syntax; firebreak takes values as written.
FOREIGN_OPERATORS = ("!=", "=~", "!~", "=")
Providers = Mapping[str, Sequence[str]]  # service id -> the providers it calls


@dataclass(frozen=True)
class OpenIncident:
    """What inhibition needs of an open incident: its id and the labels it opened with."""

    id: int
    labels: Mapping[str, str]


@dataclass(frozen=True)
class Inhibition:
    """Rule ``rule`` (0-based, in file order) ties a target to the open incident ``incident_id``."""

    incident_id: int
    rule: int
    text: str  # the rule as a person reads it, for timelines and `route test`

    def as_json(self) -> dict[str, object]:
        return {"incident": self.incident_id, "rule": self.rule + 1, "text": self.text}


@lru_cache(maxsize=512)
def _pattern(expr: str) -> re.Pattern[str]:
    return re.compile(expr)


def check_matchers(matchers: Mapping[str, str]) -> None:
    """Raise ValueError for a ``~REGEX`` that does not compile (the rule could never run)."""
    for name, wanted in matchers.items():
        if wanted.startswith("~"):
            try:
                _pattern(wanted[1:])
            except re.error as exc:
                raise ValueError(
                    f"{name} = {wanted!r}: not a regular expression ({exc}); write an exact "
                    'value, or "~" and a regex such as "~chat-.*"'
                ) from None


def matches(matchers: Mapping[str, str], labels: Mapping[str, str]) -> bool:
    """Every matcher holds: an exact value, or ``~REGEX`` matching the whole value."""
    for name, wanted in matchers.items():
        value = labels.get(name, "")
        if wanted.startswith("~"):
            if _pattern(wanted[1:]).fullmatch(value) is None:
                return False
        elif value != wanted:
            return False
    return True


def label_values(labels: Mapping[str, str], name: str, providers: Providers) -> frozenset[str]:
    """The values an alert stands for on ``name``: its own, or for a missing ``provider`` the
    providers its service calls; ``{""}`` when it has none."""
    value = labels.get(name, "")
    if not value and name == "provider":
        called = providers.get(labels.get("service", ""), ())
        if called:
            return frozenset(called)
    return frozenset({value})


def agree(
    source: Mapping[str, str],
    target: Mapping[str, str],
    equal: Sequence[str],
    providers: Providers,
) -> bool:
    """Source and target share a value on every ``equal`` label."""
    return all(
        label_values(source, name, providers) & label_values(target, name, providers)
        for name in equal
    )


def describe(rule: InhibitRule, index: int) -> str:
    def show(m: Mapping[str, str]) -> str:
        return "{" + ", ".join(f"{k}={v}" for k, v in sorted(m.items())) + "}"

    equal = f" equal [{', '.join(rule.equal)}]" if rule.equal else ""
    return f"inhibit rule {index + 1}: {show(rule.source)} over {show(rule.target)}{equal}"


def _applies(
    rule: InhibitRule,
    source: Mapping[str, str],
    target: Mapping[str, str],
    providers: Providers,
) -> bool:
    if not (matches(rule.source, source) and matches(rule.target, target)):
        return False
    if matches(rule.source, target) and matches(rule.target, source):
        return False  # both match both sides: neither is the other's cause
    return agree(source, target, rule.equal, providers)


def inhibited_by(
    labels: Mapping[str, str],
    open_incidents: Sequence[OpenIncident],
    rules: Sequence[InhibitRule],
    providers: Providers | None = None,
) -> Inhibition | None:
    """The open incident (oldest first, rules in file order) whose cause an alert with
    ``labels`` is a symptom of, or None when no rule applies."""
    known = providers or {}
    for incident in sorted(open_incidents, key=lambda i: i.id):
        for index, rule in enumerate(rules):
            if _applies(rule, incident.labels, labels, known):
                return Inhibition(incident.id, index, describe(rule, index))
    return None


def inhibits(
    labels: Mapping[str, str],
    open_incidents: Sequence[OpenIncident],
    rules: Sequence[InhibitRule],
    providers: Providers | None = None,
) -> list[Inhibition]:
    """The open incidents that an incident with ``labels`` (the source) takes in: each target
    incident once, with the first rule that applies."""
    known = providers or {}
    out: list[Inhibition] = []
    for incident in sorted(open_incidents, key=lambda i: i.id):
        for index, rule in enumerate(rules):
            if _applies(rule, labels, incident.labels, known):
                out.append(Inhibition(incident.id, index, describe(rule, index)))
                break
    return out


# --- checks for `firebreak lint` ---------------------------------------------------------------


def _both(name: str, a: str, b: str) -> str | None:
    """A value both matchers accept, or None when there is none (or it cannot be told)."""
    a_re, b_re = a.startswith("~"), b.startswith("~")
    if not a_re and not b_re:
        return a if a == b else None
    if a_re and b_re:
        return f"<{a[1:]}>" if a == b else None
    exact, expr = (b, a) if a_re else (a, b)
    return exact if _pattern(expr[1:]).fullmatch(exact) else None


def self_match(rule: InhibitRule) -> dict[str, str] | None:
    """Labels of an alert that would match both the source and the target of ``rule`` (so the
    rule would have it inhibit its own kind), or None when no such alert can be shown."""
    witness: dict[str, str] = {}
    for name in sorted(set(rule.source) | set(rule.target)):
        if name in rule.source and name in rule.target:
            value = _both(name, rule.source[name], rule.target[name])
            if value is None:
                return None
        else:
            value = rule.source.get(name, rule.target.get(name, ""))
        witness[name] = value
    return witness


def label_form_problems(rule: InhibitRule) -> list[str]:
    """Label names and values written in a form firebreak does not read as intended."""
    out: list[str] = []
    for side in ("source", "target"):
        matchers: dict[str, str] = getattr(rule, side)
        for name, wanted in matchers.items():
            if not LABEL_NAME.fullmatch(name):
                out.append(
                    f"{side} label {name!r} is not a label name (letters, digits and _, "
                    "not first a digit)"
                )
            operator = next((op for op in FOREIGN_OPERATORS if wanted.startswith(op)), None)
            if operator is not None:
                out.append(
                    f"{side} {name} = {wanted!r} starts with {operator!r}, which firebreak "
                    'matches literally: write an exact value or "~REGEX"'
                )
    for name in rule.equal:
        if not LABEL_NAME.fullmatch(name):
            out.append(f"equal label {name!r} is not a label name (letters, digits and _)")
    return out
