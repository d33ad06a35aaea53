"""Simulated responders: they act only on pages that reached them, through the real actions.

A page reaches a person when the recording channel logged it and the scenario does not list them
as unreachable (a person with no contact is never paged at all: the escalation skips them). The
first person reached acknowledges after ``ack_delay``; then, one step every ``step_time``, each
runbook step is carried out by whoever holds its role (the acknowledger takes over a role whose
holder cannot be reached) or, when the scenario says responders do not follow the runbook,
skipped. When every mitigation step is done the fault is over; the incident is resolved as a
drill once the runbook's ``done_when`` holds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from firebreak.drills.record import PageSeen
from firebreak.drills.scenario import Responders
from firebreak.incidents import actions
from firebreak.incidents.merge import merged_into
from firebreak.store.db import Store, UnitOfWork
from firebreak.workspace import Workspace


@dataclass(frozen=True)
class Task:
    due: datetime
    kind: str  # ack | step | watch
    incident_id: int
    person: str
    step_key: str | None = None
    role: str | None = None


class SimulatedResponders:
    """Plays the people of one drill against the drill's store."""

    def __init__(self, spec: Responders, workspace: Workspace) -> None:
        self.spec = spec
        self.workspace = workspace
        self.tasks: list[Task] = []
        self.acked: set[int] = set()
        self.watching: dict[int, str] = {}  # incident -> who resolves it once done_when holds
        self.mitigated_at: dict[int, datetime] = {}
        self.unfinished: dict[int, list[str]] = {}

    def reaches(self, person: str) -> bool:
        known = self.workspace.org.people.get(person)
        return known is not None and bool(known.contacts) and person not in self.spec.unreachable

    def on_pages(self, pages: list[PageSeen]) -> None:
        """Schedule an acknowledgement for the first reachable person paged per incident."""
        for page in sorted(pages, key=lambda p: p.at):
            if page.incident_id in self.acked or not self.reaches(page.person):
                continue
            due = page.at + self.spec.ack_delay
            queued = [
                t for t in self.tasks if t.kind == "ack" and t.incident_id == page.incident_id
            ]
            if queued and queued[0].due <= due:
                continue
            self.tasks = [t for t in self.tasks if t not in queued]
            self.tasks.append(Task(due, "ack", page.incident_id, page.person))

    def next_due(self) -> datetime | None:
        timed = [t.due for t in self.tasks if t.kind != "watch"]
        return min(timed) if timed else None

    def busy(self) -> bool:
        return bool(self.tasks or self.watching)

    def mitigation_due(self) -> datetime | None:
        """When the next incident's last mitigation step is due: the fault ends then."""
        if not self.spec.follows_runbook:
            return None
        last: dict[int, datetime] = {}
        for task in self.tasks:
            if task.kind == "step" and (task.step_key or "").startswith("mitigation."):
                last[task.incident_id] = max(task.due, last.get(task.incident_id, task.due))
        return min(last.values()) if last else None

    def act(self, store: Store, now: datetime, done: Callable[[int], bool] | None) -> bool:
        """Carry out every task due by ``now``; with ``done``, resolve watched incidents whose
        done_when holds. True when anything was written to the store."""
        due = sorted(
            (t for t in self.tasks if t.kind != "watch" and t.due <= now), key=lambda t: t.due
        )
        ready = [i for i in self.watching if done is not None and done(i)]
        if not due and not ready:
            return False
        self.tasks = [t for t in self.tasks if t not in due]
        with store.unit_of_work() as uow:
            for task in due:
                self._do(uow, task)
            for incident_id in ready:
                self._resolve(uow, incident_id, self.watching[incident_id], now)
        return True

    def _do(self, uow: UnitOfWork, task: Task) -> None:
        incident = uow.incidents.get(task.incident_id)
        into = merged_into(uow, incident)
        if into is not None:  # paged before the merge: answer the incident it went into
            task = replace(task, incident_id=into)
            incident = uow.incidents.get(into)
            if task.kind == "ack" and into in self.acked:
                return
        if incident.status == "resolved":
            return
        if task.kind == "ack":
            self.acked.add(task.incident_id)
            if incident.status == "triggered":
                actions.acknowledge(uow, task.incident_id, task.person, task.due)
            self._plan_steps(uow, task)
        elif task.kind == "step" and task.step_key is not None:
            self._step(uow, task)

    def _plan_steps(self, uow: UnitOfWork, ack: Task) -> None:
        incident = uow.incidents.get(ack.incident_id)
        holders = {r.role: r.person_id for r in uow.incidents.roles(ack.incident_id)}
        steps = (incident.runbook or {}).get("steps", [])
        self.unfinished[ack.incident_id] = [str(s["key"]) for s in steps]
        due = ack.due
        for step in steps:
            due = due + self.spec.step_time
            role = step.get("role")
            holder = holders.get(role) if role else None
            doer = holder if holder is not None and self.reaches(holder) else ack.person
            if role and doer != holder and role in holders:
                actions.reassign_role(uow, ack.incident_id, role, doer, ack.person, ack.due)
                holders[role] = doer
            self.tasks.append(Task(due, "step", ack.incident_id, doer, str(step["key"]), role))
        if not steps:
            self.watching[ack.incident_id] = ack.person

    def _step(self, uow: UnitOfWork, task: Task) -> None:
        assert task.step_key is not None
        status = "done" if self.spec.follows_runbook else "skipped"
        actions.mark_step(uow, task.incident_id, task.step_key, status, task.person, task.due)
        left = self.unfinished.get(task.incident_id, [])
        if task.step_key in left:
            left.remove(task.step_key)
        mitigation_left = [k for k in left if k.startswith("mitigation.")]
        if self.spec.follows_runbook and not mitigation_left:
            self.mitigated_at.setdefault(task.incident_id, task.due)
        if not left:
            self.watching[task.incident_id] = task.person

    def _resolve(self, uow: UnitOfWork, incident_id: int, person: str, now: datetime) -> None:
        del self.watching[incident_id]
        incident = uow.incidents.get(incident_id)
        if incident.status == "resolved":
            return
        actions.resolve(uow, incident_id, person, now, "drill", confirm_done=True)

    def pending_steps(self, incident_id: int) -> list[str]:
        return list(self.unfinished.get(incident_id, []))
