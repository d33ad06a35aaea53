"""A postmortem draft in Markdown, written from the incident record alone.

What the record knows (times, roles, steps, timeline) is filled in; what only people know
(root cause, what went well or badly, action items) is left as headed sections to fill.
The draft depends on nothing but its inputs: the same record gives the same text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from firebreak.durations import format_duration
from firebreak.metrics.records import IncidentRecord, StepInfo
from firebreak.runbooks.model import Runbook


class TimelineLike(Protocol):
    @property
    def at(self) -> datetime: ...
    @property
    def actor(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def text(self) -> str: ...


class RoleLike(Protocol):
    @property
    def role(self) -> str: ...
    @property
    def person_id(self) -> str | None: ...
    @property
    def reached_via(self) -> str: ...
    @property
    def assigned_at(self) -> datetime: ...
    @property
    def released_at(self) -> datetime | None: ...


class StepLike(Protocol):
    @property
    def step_key(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def by(self) -> str: ...
    @property
    def at(self) -> datetime: ...


class PageLike(Protocol):
    """A page from the send log (the address itself is never shown)."""

    @property
    def level(self) -> int: ...
    @property
    def person_id(self) -> str: ...
    @property
    def contact_type(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def sent_at(self) -> datetime | None: ...


RunbookSource = Runbook | Mapping[str, Any] | None

FILL_IN = "_To be written by the responders._"


def runbook_steps(runbook: RunbookSource) -> list[StepInfo]:
    """The steps of a parsed runbook, or of the snapshot the store keeps on the incident."""
    if runbook is None:
        return []
    if isinstance(runbook, Runbook):
        return [StepInfo(s.key, s.text) for s in runbook.steps]
    out: list[StepInfo] = []
    for raw in runbook.get("steps") or []:
        if not isinstance(raw, Mapping):
            continue
        key = raw.get("key") or f"{raw.get('section', 'step')}.{raw.get('number', len(out) + 1)}"
        out.append(StepInfo(str(key), str(raw.get("text", ""))))
    return out


def _title(runbook: RunbookSource) -> str | None:
    if isinstance(runbook, Runbook):
        return runbook.title
    if runbook is not None:
        title = runbook.get("title")
        return str(title) if title else None
    return None


def cell(value: object) -> str:
    """Text safe inside a Markdown table cell: one line, pipes escaped."""
    text = " ".join(str(value).split())
    return text.replace("|", "\\|") if text else " "


def stamp(instant: datetime | None) -> str:
    return instant.strftime("%Y-%m-%d %H:%M:%S UTC") if instant else "not reached"


def since(start: datetime | None, end: datetime | None) -> str:
    if start is None or end is None:
        return "–"
    return format_duration(max(0.0, (end - start).total_seconds()))


def postmortem_markdown(
    record: IncidentRecord,
    timeline: Sequence[TimelineLike],
    roles: Sequence[RoleLike],
    steps: Sequence[StepLike],
    runbook: RunbookSource,
    pages: Sequence[PageLike] = (),
) -> str:
    """The draft for one incident. ``roles`` may hold every assignment (history), oldest first;
    ``pages`` are the send log's rows for the incident, when the caller has them."""
    parts = [
        _header(record),
        _summary(record, runbook),
        _impact(record),
        _detection(record),
        _response(record),
        _roles(roles, pages),
        _pages(pages),
        _steps(record, steps, runbook),
        _timeline(timeline),
        "## Root cause\n\n" + FILL_IN + " What failed, and why did it fail then?",
        "## What went well\n\n" + FILL_IN,
        "## What went badly\n\n" + FILL_IN + " Where were we slow, confused or lucky?",
        "## Action items\n\n| Action | Owner | Due | Ticket |\n|---|---|---|---|\n|   |   |   |   |",
    ]
    return "\n\n".join(parts) + "\n"


def _header(record: IncidentRecord) -> str:
    name = f"incident {record.id}" if record.id else "incident"
    drill = " (DRILL)" if record.is_drill else ""
    return (
        f"# Postmortem: {record.title or name}{drill}\n\n"
        f"> Draft written by firebreak from the record of {name}. Facts below come from the\n"
        "> record; check them, then fill in the sections marked to be written. Blameless:\n"
        "> describe what the system and the process allowed, not who erred."
    )


def _status(record: IncidentRecord) -> str:
    if record.resolved_at is None:
        return "mitigated, not resolved" if record.mitigated_at else "open"
    return f"resolved ({record.resolution or 'no resolution given'})"


def _summary(record: IncidentRecord, runbook: RunbookSource) -> str:
    services = record.services or ((record.service,) if record.service else ())
    runbook_text = record.runbook_id or "none attached"
    if title := _title(runbook):
        runbook_text = f"{title} ({record.runbook_id})" if record.runbook_id else title
    rows = [
        ("Incident", record.id or "–"),
        ("Severity", record.severity or "–"),
        ("Status", _status(record)),
        ("Services", ", ".join(services) or "–"),
        ("Scenario", record.scenario or "–"),
        ("Runbook", runbook_text),
        ("Opened by", record.trigger or "–"),
        ("Drill", "yes" if record.is_drill else "no"),
    ]
    table = "\n".join(f"| {cell(k)} | {cell(v)} |" for k, v in rows)
    sentence = f"Opened {stamp(record.opened_at)}"
    if record.acknowledged_at:
        sentence += f", acknowledged after {since(record.opened_at, record.acknowledged_at)}"
    if record.resolved_at:
        sentence += f", resolved after {since(record.opened_at, record.resolved_at)}"
    return f"## Summary\n\n{sentence}.\n\n| | |\n|---|---|\n{table}"


def _impact(record: IncidentRecord) -> str:
    start = record.fault_started_at or record.opened_at
    start_kind = "fault start" if record.fault_started_at else "opened (fault start not known)"
    end = record.resolved_at
    services = record.services or ((record.service,) if record.service else ())
    lines = [
        f"- From: {stamp(start)} ({start_kind})",
        f"- To: {stamp(end)}" + (" (resolved)" if end else " (still open)"),
        f"- Length: {since(start, end)}",
        f"- Services hurt: {', '.join(services) or 'not recorded'}",
        "- Who was affected, and how: " + FILL_IN,
    ]
    return "## Impact\n\n" + "\n".join(lines)


def _detection(record: IncidentRecord) -> str:
    how = f"by {record.trigger}" if record.trigger else "by an alert (trigger not recorded)"
    if record.fault_started_at is None:
        mttd = "not known: no fault start was recorded"
    else:
        mttd = since(record.fault_started_at, record.opened_at)
    started = stamp(record.fault_started_at) if record.fault_started_at else "not known"
    lines = [
        f"- Fault started: {started}",
        f"- Incident opened: {stamp(record.opened_at)}, {how}",
        f"- Time to detect: {mttd}",
    ]
    return "## Detection\n\n" + "\n".join(lines)


def _response(record: IncidentRecord) -> str:
    rows = [
        ("Opened", record.opened_at),
        ("Acknowledged", record.acknowledged_at),
        ("Mitigated", record.mitigated_at),
        ("Resolved", record.resolved_at),
    ]
    body = "\n".join(
        f"| {name} | {stamp(at)} | {since(record.opened_at, at)} |" for name, at in rows
    )
    return f"## Response\n\n| Milestone | Time | After opening |\n|---|---|---|\n{body}"


def _roles(roles: Sequence[RoleLike], pages: Sequence[PageLike]) -> str:
    if not roles:
        return "## Roles\n\nNo role was recorded."
    paged: dict[str, list[str]] = {}
    for page in pages:
        if page.status == "sent":
            kinds = paged.setdefault(page.person_id, [])
            if page.contact_type not in kinds:
                kinds.append(page.contact_type)

    def how(role: RoleLike) -> str:
        via = paged.get(role.person_id or "")
        return role.reached_via + (f"; paged by {', '.join(via)}" if via else "")

    body = "\n".join(
        f"| {cell(r.role)} | {cell(r.person_id or 'nobody reachable')} | {cell(how(r))} "
        f"| {stamp(r.assigned_at)} | {stamp(r.released_at) if r.released_at else 'end'} |"
        for r in roles
    )
    return (
        "## Roles\n\n| Role | Held by | How reached | From | Until |\n"
        f"|---|---|---|---|---|\n{body}"
    )


def _pages(pages: Sequence[PageLike]) -> str:
    if not pages:
        return "## Pages\n\nNo page was recorded."
    body = "\n".join(
        f"| {stamp(p.created_at)} | {p.level + 1} | {cell(p.person_id)} | {cell(p.contact_type)} "
        f"| {cell(p.status)} | {stamp(p.sent_at) if p.sent_at else '–'} |"
        for p in sorted(pages, key=lambda p: p.created_at)
    )
    return (
        "## Pages\n\n| Queued | Level | Person | Channel | Status | Sent |\n"
        f"|---|---|---|---|---|---|\n{body}"
    )


def _steps(record: IncidentRecord, steps: Sequence[StepLike], runbook: RunbookSource) -> str:
    listed = runbook_steps(runbook)
    marks = {s.step_key: s for s in steps}
    if not listed and not marks:
        return "## Runbook steps\n\nNo runbook was attached, and no step was recorded."
    rows = []
    for step in listed:
        mark = marks.pop(step.key, None)
        rows.append(_step_row(step.key, step.text, mark))
    for key, mark in marks.items():  # steps marked that the runbook no longer lists
        rows.append(_step_row(key, "(not in the attached runbook)", mark))
    done = sum(1 for s in steps if s.status == "done")
    skipped = len(listed) + len(marks) - done
    return (
        f"## Runbook steps\n\n{done} done, {skipped} skipped or not done.\n\n"
        "| Step | What the runbook says | Status | By | At |\n|---|---|---|---|---|\n"
        + "\n".join(rows)
    )


def _step_row(key: str, text: str, mark: StepLike | None) -> str:
    if mark is None:
        return f"| {cell(key)} | {cell(text)} | not done |   |   |"
    return (
        f"| {cell(key)} | {cell(text)} | {cell(mark.status)} | {cell(mark.by)} | {stamp(mark.at)} |"
    )


def _timeline(timeline: Sequence[TimelineLike]) -> str:
    if not timeline:
        return "## Timeline\n\nThe timeline is empty."
    body = "\n".join(
        f"| {stamp(e.at)} | {cell(e.actor)} | {cell(e.kind)} | {cell(e.text)} |"
        for e in sorted(timeline, key=lambda e: e.at)
    )
    return f"## Timeline\n\n| Time | Actor | Event | What |\n|---|---|---|---|\n{body}"
