"""Deliver what the send log holds: claim, send, record; retry with exponential backoff.

The escalation writes each page as a ``pending`` row in the same transaction that claims its
timer (``incidents.escalation``). Here each row is claimed with a lease, sent, and marked in its
own transaction. A process killed after the send but before the mark leaves the row pending; once
the lease lapses another run sends it again with the same idempotency key, which receivers use to
drop the repeat (see docs/notifications.md). A row is never lost: it exists before any send.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from firebreak.incidents.timers import move_on_if_unreached
from firebreak.notify.channels import Channels, Message, SendResult, channel_for
from firebreak.notify.links import Linker
from firebreak.notify.redact import address_hash, scrub
from firebreak.store.db import Store, UnitOfWork
from firebreak.store.tables import Notification
from firebreak.workspace import Workspace

LEASE = timedelta(minutes=2)  # a claimed batch must be sent within this
CLAIM_BATCH = 10
FIRST_BACKOFF = timedelta(seconds=30)
MAX_BACKOFF = timedelta(minutes=10)
DEFAULT_RETRIES = 3


def backoff(attempts: int) -> timedelta:
    """Wait before attempt ``attempts + 1``: 30 s, 1 m, 2 m, … capped at 10 m."""
    return min(FIRST_BACKOFF * int(2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def max_attempts(workspace: Workspace, contact_type: str) -> int:
    section = workspace.settings.channels.get(contact_type)
    return 1 + (section.retries if section is not None else DEFAULT_RETRIES)


def build_message(
    workspace: Workspace, row: Notification, linker: Linker | None = None
) -> Message | SendResult:
    """The message for ``row``, with the address looked up again (it is never stored) and,
    given a ``linker``, the incident's URL and this person's acknowledge and resolve links."""
    person = workspace.org.people.get(row.person_id)
    if person is None or row.contact_index >= len(person.contacts):
        return SendResult(
            ok=False, retry=False, error=f"{row.person_id} no longer has this contact"
        )
    contact = person.contacts[row.contact_index]
    if address_hash(contact.address) != row.address_hash:
        return SendResult(
            ok=False, retry=False, error="the contact changed since the page was queued"
        )
    data = row.message
    text = str(data.get("text", ""))
    links = linker.for_row(row) if linker is not None else None
    if links is not None:
        text = f"{text} {links.url}"
    return Message(
        key=row.idempotency_key,
        incident_id=row.incident_id,
        title=str(data.get("title", "")),
        severity=str(data.get("severity", "")),
        level=row.level,
        person_id=row.person_id,
        role=data.get("role"),
        contact_type=row.contact_type,
        address=contact.address,
        text=text,
        drill=bool(data.get("drill", False)),
        kind=row.kind,
        url=links.url if links else "",
        ack_url=links.ack_url if links else "",
        resolve_url=links.resolve_url if links else "",
    )


def send_one(built: Message | SendResult, channels: Channels) -> tuple[SendResult, str]:
    """Send, turning any exception from a channel into a retryable, scrubbed failure."""
    if isinstance(built, SendResult):
        return built, ""
    channel = channel_for(channels, built.contact_type)
    if channel is None:
        return SendResult(False, False, f"no channel for {built.contact_type}"), built.address
    try:
        return channel.send(built), built.address
    except Exception as exc:  # a channel bug must not lose the page: retry it
        return SendResult(False, True, f"{type(exc).__name__}: {exc}"), built.address


def record(
    uow: UnitOfWork, row: Notification, result: SendResult, secret: str, now: datetime, limit: int
) -> None:
    """Mark ``row`` sent, due again after a backoff, or failed; the timeline says which."""
    row.attempts += 1
    row.claimed_by = None
    row.claimed_until = None
    target = f"{row.person_id} via {row.contact_type} {row.address_redacted}"
    if result.ok:
        row.status, row.sent_at = "sent", now
        role = row.message.get("role")
        what = f"told {target} of the {role} role" if row.kind == "role" else f"paged {target}"
        uow.incidents.add_timeline(
            row.incident_id,
            now,
            "firebreak",
            "page_sent" if row.kind == "page" else "role_notice_sent",
            what
            if row.kind == "role"
            else what
            + " "
            + ("(as a responder)" if is_responder_page(row) else f"(level {row.level + 1})"),
            {"notification": row.id, "person": row.person_id, "contact_type": row.contact_type},
        )
        return
    error = scrub(result.error or "unknown error", [secret])
    row.last_error = error
    if result.retry and row.attempts < limit:
        row.next_attempt_at = now + backoff(row.attempts)
        return
    row.status = "failed"
    uow.incidents.add_timeline(
        row.incident_id,
        now,
        "firebreak",
        "page_failed",
        f"page to {target} failed after {row.attempts} attempt(s): {error}",
        {"notification": row.id, "person": row.person_id, "error": error},
    )
    if row.kind == "page":
        move_on_if_unreached(uow, row, now)


def is_responder_page(row: Notification) -> bool:
    """A page someone asked for by hand (add a responder): sent even once acknowledged."""
    return row.timer_id is None and (row.message or {}).get("kind") == "responder"


def claim(
    uow: UnitOfWork, now: datetime, worker_id: str, batch: int
) -> tuple[int, list[Notification]]:
    """Claim up to ``batch`` due rows; cancel, instead of sending, the pages of incidents that
    someone has acknowledged, mitigated or resolved since they were queued (role notices and
    a responder's page only once resolved). Returns how many rows were claimed and the ones
    to send."""
    rows = uow.notifications.claim_sendable(now, worker_id, now + LEASE, batch)
    status = {i.id: i.status for i in uow.incidents.by_ids({r.incident_id for r in rows})}
    live = []
    for row in rows:
        state = status.get(row.incident_id)
        if state == "triggered" or (
            (row.kind == "role" or is_responder_page(row)) and state != "resolved"
        ):
            live.append(row)
        else:
            row.status, row.claimed_by, row.claimed_until = "cancelled", None, None
    return len(rows), live


def deliver_pending(
    store: Store,
    workspace: Workspace,
    now: datetime,
    worker_id: str,
    channels: Channels,
    limit: int = 500,
    public_url: str | None = None,
) -> int:
    """Send every pending page whose time has come (up to ``limit``); return how many were sent.

    Rows are claimed a few at a time, so a worker that dies holds back only its current batch,
    and only until the lease lapses. Links in pages start at ``[server] public_url``, else at
    ``public_url`` (what ``serve`` listens on).
    """
    sent = done = 0
    while done < limit:
        with store.unit_of_work() as uow:
            batch = min(CLAIM_BATCH, limit - done)
            claimed, rows = claim(uow, now, worker_id, batch)
            linker = Linker.load(uow, workspace.settings, now, public_url) if rows else None
            work = [
                (row.id, row.contact_type, build_message(workspace, row, linker)) for row in rows
            ]
        for row_id, contact_type, built in work:
            result, secret = send_one(built, channels)
            with store.unit_of_work() as uow:
                row = uow.notifications.get(row_id)
                record(uow, row, result, secret, now, max_attempts(workspace, contact_type))
            sent += int(result.ok)
        done += claimed
        if claimed < batch:
            break
    return sent
