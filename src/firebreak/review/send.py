"""``firebreak review --send``: the review to ``[review] to`` through the configured channels.

Each person named (directly, or as a member of a team or schedule) gets the review on each of
their contacts, once per review period: the idempotency key names the period's end, so running
``--send`` twice for one week does not post it twice on a channel that honours the key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from firebreak.errors import InputError
from firebreak.notify.channels import Channels, Message, channel_for
from firebreak.org import oncall
from firebreak.workspace import Workspace


@dataclass(frozen=True)
class Sent:
    person: str
    contact_type: str
    ok: bool
    error: str | None


def recipients(workspace: Workspace, refs: list[str]) -> list[str]:
    """Everyone ``[review] to`` names, in order, once each."""
    if not refs:
        raise InputError(
            "--send: [review] to names nobody; set it in firebreak.toml, "
            'for example to = ["team:ml-platform"]'
        )
    people: list[str] = []
    for ref in refs:
        found = oncall.members(workspace.org, ref)
        if not found:
            raise InputError(f"--send: [review] to names {ref!r}, which reaches nobody in org/")
        people += found
    return list(dict.fromkeys(people))


def subject(data: Mapping[str, Any]) -> str:
    """The title a channel shows; a decay alarm is said first."""
    until = str(data["period"]["until"] or "")[:10]
    mark = f"[DECAY: {len(data['decay'])} alarm(s)] " if data["decay"] else ""
    return f"{mark}firebreak weekly review {data['workspace']} to {until}"


def send_review(
    workspace: Workspace, data: Mapping[str, Any], text: str, channels: Channels
) -> list[Sent]:
    """Send ``text`` to every recipient's contacts; one result per contact tried."""
    title = subject(data)
    until = str(data["period"]["until"] or "")
    results = []
    for person_id in recipients(workspace, list(workspace.settings.review.to)):
        person = workspace.org.people[person_id]
        for index, contact in enumerate(person.contacts):
            channel = channel_for(channels, contact.type)
            if channel is None:
                results.append(Sent(person_id, contact.type, False, "no channel configured"))
                continue
            message = Message(
                key=f"review:{until}:{person_id}:{index}",
                incident_id=0,
                title=title,
                severity="sev4",
                level=0,
                person_id=person_id,
                role=None,
                contact_type=contact.type,
                address=contact.address,
                text=f"{title}\n\n{text}",
                drill=False,
            )
            outcome = channel.send(message)
            results.append(Sent(person_id, contact.type, outcome.ok, outcome.error))
    return results
