"""Durable escalation: timers in the store, claimed by one worker, pages written to the send log.

An incident opens with one timer (level 1, due at once). When a timer is due, ``run_due``:

1. claims it (``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL; ``BEGIN IMMEDIATE`` on SQLite);
2. in the same transaction, writes one pending send-log row per contact of each person the level
   targets now (a contact's ``delay`` postpones its row), notes a target nobody can reach on the
   timeline, marks the timer done and sets the next one (the next level after ``ack_within``, or
   the first level again while ``repeat`` allows);
3. commits, then delivers the pending rows (``notify.sendlog.deliver_pending``).

Step 2 is all-or-nothing, so a crash either leaves the timer due (nothing written) or leaves its
pages in the log (sent on the next run). An acknowledgement closes the timers (``actions``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from firebreak.incidents import notices
from firebreak.incidents.actions import end_snooze
from firebreak.incidents.clearing import auto_resolve
from firebreak.incidents.timers import start as start
from firebreak.notify.channels import Channels
from firebreak.notify.redact import address_hash, redact_address
from firebreak.notify.sendlog import deliver_pending
from firebreak.org import oncall
from firebreak.org.model import Contact, EscalationPolicy
from firebreak.store.db import Store, UnitOfWork
from firebreak.store.tables import Incident, Notification, Timer
from firebreak.workspace import Workspace

CLAIM_LEASE = timedelta(minutes=2)
BATCH = 200


def page_text(incident: Incident, level: int, role: str | None) -> str:
    """The page in one line; the send log appends the incident's URL when it sends it."""
    drill = "DRILL " if incident.drill else ""
    part = f" as {role}" if role else ""
    step = notices.first_step(incident, role) if role else None
    then = f"; first step {step}" if step else ""
    return (
        f"{drill}[{incident.severity}] incident #{incident.id}: {incident.title} "
        f"(level {level + 1}{part}; service {incident.service or '-'}){then}"
    )[:1000]


@dataclass
class Batch:
    """What the timers of one claimed batch need, loaded with one query each."""

    incidents: dict[int, Incident]
    roles: dict[int, dict[str, str]]  # incident id -> person id -> first role they hold
    keys: set[str]  # idempotency keys already in the send log for these timers
    on_call: dict[str, list[str]] = field(default_factory=dict)  # ref -> people, at this tick

    @classmethod
    def load(cls, uow: UnitOfWork, timers: list[Timer]) -> Batch:
        ids = {t.incident_id for t in timers}
        incidents = {i.id: i for i in uow.incidents.by_ids(ids)}
        roles: dict[int, dict[str, str]] = {}
        for row in uow.incidents.current_roles(ids):
            if row.person_id is not None:
                roles.setdefault(row.incident_id, {}).setdefault(row.person_id, row.role)
        keys = uow.notifications.keys_for_timers({t.id for t in timers})
        return cls(incidents, roles, keys)


def send_log_row(
    incident: Incident,
    timer: Timer,
    person_id: str,
    index: int,
    contact: Contact,
    role: str | None,
    now: datetime,
) -> Notification:
    """The pending send-log row for one contact; the address itself is not stored."""
    return Notification(
        idempotency_key=f"i{incident.id}-t{timer.id}-l{timer.level}-{person_id}-c{index}",
        incident_id=incident.id,
        timer_id=timer.id,
        level=timer.level,
        channel=contact.type,
        person_id=person_id,
        contact_index=index,
        contact_type=contact.type,
        address_redacted=redact_address(contact.type, contact.address),
        address_hash=address_hash(contact.address),
        message={
            "title": incident.title,
            "severity": incident.severity,
            "role": role,
            "text": page_text(incident, timer.level, role),
            "drill": incident.drill,
            "kind": "page",
        },
        kind="page",
        status="pending",
        attempts=0,
        created_at=now,
        next_attempt_at=now + (contact.delay or timedelta(0)),
    )


def page_person(
    uow: UnitOfWork,
    workspace: Workspace,
    incident: Incident,
    timer: Timer,
    person_id: str,
    ref: str,
    now: datetime,
    batch: Batch,
) -> int:
    """Queue one send-log row per contact of ``person_id``; skip (with the reason) if none."""
    person = workspace.org.people.get(person_id)
    if person is None or not person.contacts:
        uow.incidents.add_timeline(
            incident.id,
            now,
            "firebreak",
            "page_skipped",
            f"skipped {person_id} (level {timer.level + 1}, {ref}): no contact",
            {"person": person_id, "reason": "no contact", "level": timer.level},
        )
        return 0
    role = batch.roles.get(incident.id, {}).get(person_id)
    queued = []
    for index, contact in enumerate(person.contacts):
        row = send_log_row(incident, timer, person_id, index, contact, role, now)
        if row.idempotency_key in batch.keys:
            continue
        batch.keys.add(row.idempotency_key)
        uow.notifications.add(row)
        queued.append(f"{contact.type} {row.address_redacted}")
    uow.incidents.add_timeline(
        incident.id,
        now,
        "firebreak",
        "page_queued",
        f"paging {person_id} (level {timer.level + 1}, {ref}): {', '.join(queued)}",
        {"person": person_id, "level": timer.level, "via": ref},
    )
    return len(queued)


def next_timer(incident: Incident, policy: EscalationPolicy, timer: Timer) -> Timer | None:
    """The next level after this level's ``ack_within``; the first level again while repeating."""
    due = timer.due_at + policy.levels[timer.level].ack_within
    if timer.level + 1 < len(policy.levels):
        return Timer(
            incident_id=incident.id,
            kind="escalate",
            due_at=due,
            level=timer.level + 1,
            attempt=timer.attempt,
        )
    if timer.attempt < policy.repeat:
        return Timer(
            incident_id=incident.id, kind="escalate", due_at=due, level=0, attempt=timer.attempt + 1
        )
    return None


def fire(uow: UnitOfWork, workspace: Workspace, timer: Timer, now: datetime, batch: Batch) -> int:
    """Handle one claimed timer: queue its pages and set the next timer. Returns pages queued."""
    timer.done = True
    incident = batch.incidents[timer.incident_id]
    if timer.kind == "auto_resolve":
        auto_resolve(uow, workspace, incident, timer, now)
        return 0
    if timer.kind == "snooze":
        timer.outcome = "woke" if end_snooze(uow, incident, now) else "stopped"
        return 0
    policy = workspace.org.escalation_policies.get(incident.escalation_policy or "")
    if incident.status != "triggered" or policy is None or timer.level >= len(policy.levels):
        timer.outcome = "stopped"
        return 0
    queued = 0
    for ref in policy.levels[timer.level].targets:
        if ref not in batch.on_call:
            batch.on_call[ref] = oncall.resolve(workspace.org, ref, now)
        if not batch.on_call[ref]:
            uow.incidents.add_timeline(
                incident.id,
                now,
                "firebreak",
                "page_skipped",
                f"level {timer.level + 1}: {ref} gives nobody at this time",
                {"ref": ref, "reason": "nobody on call", "level": timer.level},
            )
        for person_id in batch.on_call[ref]:
            queued += page_person(uow, workspace, incident, timer, person_id, ref, now, batch)
    timer.outcome = "paged"
    following = next_timer(incident, policy, timer)
    if following is not None:
        uow.session.add(following)
    else:
        uow.incidents.add_timeline(
            incident.id,
            now,
            "firebreak",
            "escalation_exhausted",
            f"escalation {policy.id} exhausted: no acknowledgement after "
            f"{policy.repeat + 1} pass(es) through its levels",
        )
    return queued


def plan_due(store: Store, workspace: Workspace, now: datetime, worker_id: str) -> int:
    """Claim and handle due timers in batches, one transaction each; return timers handled."""
    handled = 0
    while True:
        with store.unit_of_work() as uow:
            timers = uow.timers.claim_due(now, worker_id, now + CLAIM_LEASE, BATCH)
            batch = Batch.load(uow, timers)
            with uow.session.no_autoflush:
                for timer in timers:
                    fire(uow, workspace, timer, now, batch)
        handled += len(timers)
        if len(timers) < BATCH:
            return handled


def run_due(
    store: Store,
    workspace: Workspace,
    now: datetime,
    worker_id: str,
    channels: Channels,
    public_url: str | None = None,
) -> int:
    """One escalation tick: handle due timers, then deliver due pages. Returns pages sent.

    A level whose every page failed moves escalation on at once (``move_on_if_unreached``): the
    next level is planned and paged in this same tick. ``public_url`` is where links in pages
    start when ``[server] public_url`` is not set."""
    sent = 0
    for _ in range(MAX_ROUNDS):
        plan_due(store, workspace, now, worker_id)
        sent += deliver_pending(store, workspace, now, worker_id, channels, public_url=public_url)
        if not due_now(store, now):
            break
    return sent


MAX_ROUNDS = 8  # levels moved on within one tick, at most (a loop guard, not a policy)


def due_now(store: Store, now: datetime) -> bool:
    with store.unit_of_work(readonly=True) as uow:
        due = uow.timers.next_due()
    return due is not None and due <= now


def next_wakeup(store: Store) -> datetime | None:
    """When the next timer or pending page is due (for a loop that sleeps until then)."""
    with store.unit_of_work(readonly=True) as uow:
        times = [uow.timers.next_due(), uow.notifications.next_due()]
    return min((t for t in times if t is not None), default=None)
