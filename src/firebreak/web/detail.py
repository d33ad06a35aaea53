"""What the incident page shows beyond the record itself: the alerts' details as their sources
sent them (annotations, labels, links), where the escalation stands, and the runbook's Meaning
and Impact. Shared by the API (as JSON) and the UI; links are kept only when they are safe."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from markupsafe import Markup, escape
from sqlalchemy import select

from firebreak.org import oncall
from firebreak.store.db import UnitOfWork
from firebreak.store.tables import Alert, Incident
from firebreak.workspace import Workspace

SAFE_SCHEMES = ("http", "https", "mailto")
URL_IN_TEXT = re.compile(r"\b(?:https?://|mailto:)[^\s<>\"']+[^\s<>\"'.,;:!?)\]]")
MAX_ALERTS_SHOWN = 50
# Annotations that say what the alert is, shown first and in this order.
FIRST_ANNOTATIONS = ("summary", "description", "message", "runbook_url", "dashboard")


def safe_url(url: str) -> bool:
    """True for an absolute http(s) URL with a host, or a mailto: address."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return False
    if parts.scheme.lower() not in SAFE_SCHEMES:
        return False
    return bool(parts.path) if parts.scheme.lower() == "mailto" else bool(parts.netloc)


def _anchor(url: str, text: str) -> Markup:
    return Markup('<a href="{}" rel="noopener noreferrer" target="_blank">{}</a>').format(url, text)


def linkify(text: str) -> Markup:
    """Escaped text with each safe URL in it made a link."""
    out, last = [], 0
    for match in URL_IN_TEXT.finditer(text):
        out.append(escape(text[last : match.start()]))
        url = match.group(0)
        out.append(_anchor(url, url) if safe_url(url) else escape(url))
        last = match.end()
    out.append(escape(text[last:]))
    return Markup("").join(out)


def prose(text: str) -> Markup:
    """Markdown prose as paragraphs: lines of one paragraph joined, URLs made links."""
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
    return Markup("").join(Markup("<p>{}</p>").format(linkify(p)) for p in paragraphs)


def step_html(text: str, links: list[dict[str, str]]) -> Markup:
    """A step's text with its Markdown links as links again (safe schemes only, else text)."""
    out, rest = [], text
    for link in links:
        label, url = link.get("text", ""), link.get("url", "")
        at = rest.find(label) if label else -1
        if at < 0 or not safe_url(url):
            continue
        out.append(escape(rest[:at]))
        out.append(_anchor(url, label))
        rest = rest[at + len(label) :]
    out.append(escape(rest))
    return Markup("").join(out)


def alert_details(uow: UnitOfWork, incident_id: int) -> list[dict[str, Any]]:
    """Each alert of the incident (latest event per fingerprint): its summary, labels,
    annotations and the links among them, newest first."""
    query = (
        select(Alert)
        .where(Alert.incident_id == incident_id)
        .order_by(Alert.id.desc())
        .limit(MAX_ALERTS_SHOWN * 4)
    )
    latest: dict[str, Alert] = {}
    for row in uow.session.scalars(query):
        latest.setdefault(row.dedup_key, row)
    return [_alert_view(row) for row in list(latest.values())[:MAX_ALERTS_SHOWN]]


def _alert_view(row: Alert) -> dict[str, Any]:
    payload = row.payload or {}
    details = payload.get("details") if isinstance(payload.get("details"), dict) else {}
    notes = {str(k): v for k, v in (details or {}).items() if isinstance(v, str)}
    order = [k for k in FIRST_ANNOTATIONS if k in notes] + sorted(
        k for k in notes if k not in FIRST_ANNOTATIONS
    )
    links = [{"name": k, "url": notes[k]} for k in order if safe_url(notes[k])]
    return {
        "fingerprint": payload.get("sender_key") or row.dedup_key,
        "source": row.source,
        "status": row.status,
        "summary": row.summary,
        "received_at": row.received_at.isoformat(),
        "starts_at": row.starts_at.isoformat() if row.starts_at else None,
        "labels": dict(sorted((row.labels or {}).items())),
        "annotations": {k: notes[k] for k in order},
        "links": links,
    }


def runbook_sections(workspace: Workspace, incident: Incident) -> dict[str, str | None]:
    """The runbook's Meaning and Impact, as kept when the incident opened (else as it is now)."""
    snapshot = incident.runbook or {}
    runbook = workspace.runbook(incident.runbook_id) if incident.runbook_id else None
    out: dict[str, str | None] = {}
    for name in ("meaning", "impact"):
        text = snapshot.get(name)
        if text is None and runbook is not None and name in runbook.sections:
            text = runbook.sections[name].text
        out[name] = text or None
    return out


def step_links(workspace: Workspace, incident: Incident) -> dict[str, list[dict[str, str]]]:
    """Each step's links (text and URL), as kept when the incident opened (else as it is now)."""
    snapshot = incident.runbook or {}
    found = {str(s.get("key")): list(s["links"]) for s in snapshot.get("steps", []) if "links" in s}
    runbook = workspace.runbook(incident.runbook_id) if incident.runbook_id else None
    if runbook is not None:
        for step in runbook.steps:
            found.setdefault(step.key, [{"text": t, "url": u} for t, u in step.anchors])
    return found


def escalation_status(
    uow: UnitOfWork, workspace: Workspace, incident: Incident, now: datetime
) -> dict[str, Any]:
    """Where the escalation stands: the policy, the level paged last, who is next and when."""
    policy = workspace.org.escalation_policies.get(incident.escalation_policy or "")
    timers = list(uow.timers.for_incident(incident.id))
    fired = [t for t in timers if t.kind == "escalate" and t.outcome == "paged"]
    pending = [t for t in timers if not t.done and t.kind == "escalate"]
    snoozed = [t for t in timers if not t.done and t.kind == "snooze"]
    out: dict[str, Any] = {
        "policy": incident.escalation_policy,
        "current_level": fired[-1].level + 1 if fired else None,
        "levels": [],
        "next": None,
        "snoozed_until": snoozed[-1].due_at.isoformat() if snoozed else None,
    }
    if policy is None:
        out["state"] = "none"
        out["text"] = "No escalation policy: nobody is paged for this incident."
        return out
    out["repeat"] = policy.repeat
    out["levels"] = [
        {
            "level": i + 1,
            "targets": list(level.targets),
            "ack_within_s": level.ack_within.total_seconds(),
        }
        for i, level in enumerate(policy.levels)
    ]
    if pending:
        nxt = min(pending, key=lambda t: t.due_at)
        who = _who(workspace, policy.levels[nxt.level].targets, max(nxt.due_at, now))
        out["next"] = {"level": nxt.level + 1, "at": nxt.due_at.isoformat(), "people": who}
    out["state"], out["text"] = _state(incident, out, bool(fired))
    return out


def _who(workspace: Workspace, targets: list[str], at: datetime) -> list[str]:
    names: list[str] = []
    for ref in targets:
        for person_id in oncall.resolve(workspace.org, ref, at):
            person = workspace.org.people.get(person_id)
            name = (person.name or person_id) if person else person_id
            if name not in names:
                names.append(name)
    return names


def _state(incident: Incident, out: dict[str, Any], fired: bool) -> tuple[str, str]:
    if out["snoozed_until"]:
        return "snoozed", "Snoozed: it pages again when the snooze ends."
    if incident.status == "resolved":
        return "stopped", "Stopped: the incident is resolved."
    if incident.status in ("acknowledged", "mitigated"):
        return "stopped", f"Stopped: the incident is {incident.status}."
    if out["next"] is not None:
        return "paging", "Paging: the next level is paged unless someone acknowledges."
    if fired:
        return "exhausted", "Every level was paged and nobody acknowledged."
    return "waiting", "Not started yet."
