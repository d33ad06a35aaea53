"""Routing: the service, scenario, severity, runbook and escalation policy an alert gets.

:func:`route` is pure: the pipeline calls it for every inbox row and ``firebreak route test``
calls it for labels typed on the command line, so both give the same answer. Labels are layered,
each layer overriding the one before:

1. the integration's binding (``firebreak integration create --service ID --escalation ID``);
2. the alert's own labels;
3. the first ``[[routing.routes]]`` entry whose ``match`` holds (its ``set`` labels).

The policy is then the first that exists of: the ``escalation`` label (from the binding, the
alert or a route), the runbook's, the service's, and ``[routing] default_escalation``. A binding's
policy goes with its service: when a label or route sends the alert to another service, that
service's policy applies instead.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from sqlalchemy import select

from firebreak.incidents.model import SEVERITIES, THIRD_PARTY
from firebreak.runbooks.model import Runbook
from firebreak.store.db import UnitOfWork
from firebreak.store.tables import Integration
from firebreak.workspace import Workspace

# Severity words senders use (Alertmanager labels, PagerDuty severities) → firebreak's scale;
# ``[routing.severity]`` is consulted first.
SEVERITY_WORDS: dict[str, str] = {
    "critical": "sev1",
    "p1": "sev1",
    "page": "sev1",
    "error": "sev2",
    "high": "sev2",
    "major": "sev2",
    "p2": "sev2",
    "warning": "sev3",
    "medium": "sev3",
    "minor": "sev3",
    "p3": "sev3",
    "info": "sev4",
    "low": "sev4",
    "p4": "sev4",
    "p5": "sev4",
    "ticket": "sev4",
}


@dataclass(frozen=True)
class Binding:
    """What an integration was bound to when it was created."""

    integration: str  # the integration's name
    service: str | None = None
    escalation: str | None = None


@dataclass(frozen=True)
class Decision:
    """Where an alert goes, and why."""

    labels: dict[str, str]
    service: str | None
    scenario: str | None
    severity: str | None
    runbook: str | None
    runbook_how: str  # e.g. "named by the alert", "service chat-api and scenario ..."
    escalation: str | None
    escalation_via: str  # integration | label | route | runbook | service | default | ""
    route: int | None  # index into [[routing.routes]] of the route that matched
    notes: tuple[str, ...] = field(default_factory=tuple)  # for the incident's timeline

    def as_json(self, inhibited_by: Any = None) -> dict[str, Any]:
        """The shape ``firebreak route test --format json`` prints."""
        return {
            "service": self.service,
            "scenario": self.scenario,
            "severity": self.severity,
            "runbook": self.runbook,
            "escalation": self.escalation,
            "route": self.route,
            "inhibited_by": inhibited_by,
        }


@lru_cache(maxsize=1024)
def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def matches(matchers: Mapping[str, str], labels: Mapping[str, str]) -> bool:
    """Alertmanager's matcher semantics: a missing label is the empty string; "~REGEX" is a
    regular expression that must match the whole value."""
    for name, wanted in matchers.items():
        value = labels.get(name, "")
        if wanted.startswith("~"):
            if _regex(wanted[1:]).fullmatch(value) is None:
                return False
        elif value != wanted:
            return False
    return True


def severity_of(word: str | None, mapping: Mapping[str, str] | None = None) -> str | None:
    """A sender's severity word on firebreak's scale, ``[routing.severity]`` first."""
    if not word:
        return None
    if mapping and word in mapping:
        return mapping[word]
    word = word.strip().lower()
    if mapping and word in mapping:
        return mapping[word]
    return word if word in SEVERITIES else SEVERITY_WORDS.get(word)


def find_runbook(
    workspace: Workspace, runbook_id: str | None, service: str | None, scenario: str | None
) -> tuple[Runbook | None, str]:
    """The runbook named by the alert, else the one for its service and scenario."""
    if runbook_id:
        named = workspace.runbook(runbook_id)
        if named is not None:
            return named, "named by the alert"
    for runbook in workspace.runbooks:
        if runbook.service == service and runbook.scenario == scenario:
            return runbook, f"service {service} and scenario {scenario}"
    if scenario == THIRD_PARTY:
        for runbook in workspace.runbooks:
            if runbook.scenario == THIRD_PARTY:
                return runbook, "scenario third_party_failure"
    return None, ""


def _layer(
    labels: Mapping[str, str], workspace: Workspace, binding: Binding | None
) -> tuple[dict[str, str], dict[str, str], int | None]:
    """Binding, then labels, then the first matching route: the labels and where each came from."""
    merged: dict[str, str] = {}
    origin: dict[str, str] = {}
    if binding is not None:
        for name, value in (("service", binding.service), ("escalation", binding.escalation)):
            if value:
                merged[name], origin[name] = value, "integration"
    for name, value in labels.items():
        merged[name], origin[name] = value, "label"
    chosen = None
    for index, entry in enumerate(workspace.settings.routing.routes):
        if matches(entry.match, merged):
            chosen = index
            for name, value in entry.set.items():
                merged[name], origin[name] = value, "route"
            break
    moved = binding is not None and binding.service and merged.get("service") != binding.service
    if moved and origin.get("escalation") == "integration":
        del merged["escalation"], origin["escalation"]  # the bound policy went with its service
    return merged, origin, chosen


def _policy(
    workspace: Workspace,
    merged: Mapping[str, str],
    origin: Mapping[str, str],
    runbook: Runbook | None,
    service: str | None,
) -> tuple[str | None, str, list[str]]:
    org = workspace.org
    candidates: list[tuple[str, str]] = []
    if merged.get("escalation"):
        candidates.append((merged["escalation"], origin["escalation"]))
    if runbook is not None and runbook.escalation:
        candidates.append((runbook.escalation, "runbook"))
    known_service = org.services.get(service or "")
    if known_service is not None and known_service.escalation:
        candidates.append((known_service.escalation, "service"))
    default = workspace.settings.routing.default_escalation
    notes: list[str] = []
    for policy, via in candidates:
        if policy in org.escalation_policies:
            return policy, via, notes
        notes.append(f"escalation policy {policy!r} (from the {via}) does not exist")
    if default is not None and default in org.escalation_policies:
        why = (
            f"service {service!r} is not in org/"
            if service and known_service is None
            else f"no runbook or service {service or '(none)'} gives an escalation policy"
        )
        notes.append(f"{why}: paging the default policy {default} ([routing] default_escalation)")
        return default, "default", notes
    return None, "", notes


def route(
    labels: Mapping[str, str],
    workspace: Workspace,
    binding: Binding | None = None,
    severity: str | None = None,
) -> Decision:
    """Where an alert with ``labels`` (and the sender's ``severity`` field, if any) goes."""
    merged, origin, chosen = _layer(labels, workspace, binding)
    runbook_id = merged.get("runbook") or None
    named = workspace.runbook(runbook_id) if runbook_id else None
    service = merged.get("service") or (named.service if named else None)
    scenario = merged.get("scenario") or (named.scenario if named else None)
    if service:
        merged["service"] = service
    if scenario:
        merged["scenario"] = scenario
    runbook, how = find_runbook(workspace, runbook_id, service, scenario)
    words = workspace.settings.routing.severity
    if origin.get("severity") == "route" or not severity:
        sev = severity_of(merged.get("severity"), words)
    else:
        sev = severity_of(severity, words) or severity_of(merged.get("severity"), words)
    policy, via, notes = _policy(workspace, merged, origin, runbook, service)
    return Decision(
        labels=merged,
        service=service,
        scenario=scenario,
        severity=sev,
        runbook=runbook.id if runbook is not None else None,
        runbook_how=how,
        escalation=policy,
        escalation_via=via,
        route=chosen,
        notes=tuple(notes),
    )


def bindings(uow: UnitOfWork) -> dict[int, Binding]:
    """Every integration's binding, by integration id (one small query per pipeline batch)."""
    rows = uow.session.execute(
        select(Integration.id, Integration.name, Integration.service, Integration.escalation)
    ).all()
    return {row.id: Binding(row.name, row.service, row.escalation) for row in rows}


def binding_named(uow: UnitOfWork, name: str) -> Binding | None:
    """The binding of the live integration called ``name`` (``route test --integration``)."""
    row = uow.session.execute(
        select(Integration.name, Integration.service, Integration.escalation)
        .where(Integration.name == name, Integration.revoked_at.is_(None))
        .order_by(Integration.id.desc())
    ).first()
    return Binding(row.name, row.service, row.escalation) if row is not None else None
