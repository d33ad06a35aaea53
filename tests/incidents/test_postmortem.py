"""The postmortem draft: what the record knows is filled in, the rest is left headed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from firebreak.incidents.postmortem import postmortem_markdown, runbook_steps
from firebreak.metrics import IncidentRecord

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@dataclass
class Entry:
    at: datetime
    actor: str
    kind: str
    text: str


@dataclass
class Role:
    role: str
    person_id: str | None
    reached_via: str
    assigned_at: datetime
    released_at: datetime | None = None


@dataclass
class Page:
    level: int
    person_id: str
    contact_type: str
    status: str
    created_at: datetime
    sent_at: datetime | None


@dataclass
class Mark:
    step_key: str
    status: str
    by: str
    at: datetime


SNAPSHOT = {
    "title": "Chat API inference outage",
    "steps": [
        {"key": "diagnosis.1", "text": "Break the errors down by provider and model."},
        {"key": "mitigation.1", "text": "Fail over to the secondary provider."},
        {"key": "mitigation.2", "text": "Post a status update | with impact."},
    ],
}


def record() -> IncidentRecord:
    return IncidentRecord(
        id="42",
        title="chat-api error ratio above 5%",
        opened_at=T0,
        fault_started_at=T0 - timedelta(minutes=4),
        acknowledged_at=T0 + timedelta(minutes=3),
        mitigated_at=T0 + timedelta(minutes=20),
        resolved_at=T0 + timedelta(minutes=42),
        resolution="fixed",
        runbook_id="chat-api-inference-outage",
        trigger="chat-api-inference-outage#0",
        service="chat-api",
        services=("chat-api", "search-api"),
        scenario="inference_outage",
        severity="sev1",
    )


def draft() -> str:
    timeline = [
        Entry(T0 + timedelta(minutes=3), "lee", "acknowledged", "Acknowledged"),
        Entry(T0, "firebreak", "opened", "Opened by chat-api-inference-outage#0"),
    ]
    roles = [
        Role("commander", "dana", "schedule:ml-platform-primary", T0, T0 + timedelta(minutes=10)),
        Role("commander", "lee", "reassigned by dana", T0 + timedelta(minutes=10)),
        Role("communications", None, "person:sam (no contact)", T0),
    ]
    steps = [
        Mark("diagnosis.1", "done", "lee", T0 + timedelta(minutes=6)),
        Mark("mitigation.2", "skipped", "dana", T0 + timedelta(minutes=30)),
    ]
    pages = [
        Page(0, "dana", "sms", "sent", T0, T0 + timedelta(seconds=5)),
        Page(0, "dana", "email", "sent", T0, T0 + timedelta(seconds=9)),
        Page(1, "lee", "slack", "cancelled", T0 + timedelta(minutes=5), None),
    ]
    return postmortem_markdown(record(), timeline, roles, steps, SNAPSHOT, pages)


def test_facts_from_the_record() -> None:
    text = draft()
    assert text.startswith("# Postmortem: chat-api error ratio above 5%\n")
    assert "Opened 2026-11-02 09:00:00 UTC, acknowledged after 3m, resolved after 42m." in text
    assert "| Services | chat-api, search-api |" in text
    assert "| Runbook | Chat API inference outage (chat-api-inference-outage) |" in text
    # impact window runs from the fault start, four minutes before opening
    assert "- From: 2026-11-02 08:56:00 UTC (fault start)" in text
    assert "- Length: 46m" in text
    assert "- Time to detect: 4m" in text
    assert "| Mitigated | 2026-11-02 09:20:00 UTC | 20m |" in text


def test_roles_steps_and_timeline() -> None:
    text = draft()
    assert (
        "| commander | dana | schedule:ml-platform-primary; paged by sms, email | 2026-11-02 "
        in text
    )
    assert "| 2026-11-02 09:05:00 UTC | 2 | lee | slack | cancelled | – |" in text
    assert "| commander | lee | reassigned by dana |" in text
    assert "| communications | nobody reachable | person:sam (no contact) |" in text
    assert "1 done, 2 skipped or not done." in text
    assert "| mitigation.1 | Fail over to the secondary provider. | not done |" in text
    assert "| mitigation.2 | Post a status update \\| with impact. | skipped | dana |" in text
    # the timeline is in time order whatever order it came in
    section = text[text.index("## Timeline") : text.index("## Root cause")]
    assert section.index("| opened |") < section.index("| acknowledged |")


def test_sections_left_for_people() -> None:
    text = draft()
    for heading in ("## Root cause", "## What went well", "## What went badly", "## Action items"):
        assert heading in text
    assert "| Action | Owner | Due | Ticket |" in text
    headings = [line for line in text.splitlines() if line.startswith("## ")]
    assert headings == [
        "## Summary",
        "## Impact",
        "## Detection",
        "## Response",
        "## Roles",
        "## Pages",
        "## Runbook steps",
        "## Timeline",
        "## Root cause",
        "## What went well",
        "## What went badly",
        "## Action items",
    ]


def test_open_incident_without_runbook_or_fault_start() -> None:
    bare = IncidentRecord(opened_at=T0, id="7", title="Something odd", drill=True)
    text = postmortem_markdown(bare, [], [], [], None)
    assert "# Postmortem: Something odd (DRILL)" in text
    assert "| Status | open |" in text
    assert "- Time to detect: not known: no fault start was recorded" in text
    assert "- To: not reached (still open)" in text
    assert "No runbook was attached, and no step was recorded." in text
    assert "The timeline is empty." in text
    assert "No role was recorded." in text
    assert "No page was recorded." in text


def test_runbook_steps_from_snapshot_without_keys() -> None:
    steps = runbook_steps({"steps": [{"section": "mitigation", "number": 2, "text": "x"}, "junk"]})
    assert [(s.key, s.text) for s in steps] == [("mitigation.2", "x")]
    assert runbook_steps(None) == []
