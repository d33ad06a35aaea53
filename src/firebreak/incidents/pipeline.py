"""The incident pipeline, wired in one place.

``process_pending`` consumes the inbox (alerts that intake recorded) in arrival order::

    normalise and route → dedup by fingerprint → inhibit → group → open or attach → runbook
      → roles → escalation → merge the symptoms it inhibits

Routing (``routing.route``: integration binding, labels, routes, policy, default) happens in
normalisation, so every later stage sees the service and scenario the routes gave.
``[[inhibit]]`` rules (``merge.py``) put cause over symptom: an alert whose cause has an open
incident joins it (outcome ``inhibited``, nobody paged), and an incident that is a cause takes in
the open incidents of its symptoms, whichever fired first.

Alert semantics follow PagerDuty's ``dedup_key``: a trigger for a key whose incident is resolved
opens a new incident; acknowledge and resolve events for keys no open incident holds are kept in
the inbox (outcome ``ignored``) and touch no timeline. An alert that cannot be processed is set
aside (``incidents.quarantine``) and never holds up the ones behind it. Third-party failures group by provider
across services. On PostgreSQL one consumer runs at a time (a transaction-scoped advisory lock),
so two workers never open the same group twice; escalation is what runs in parallel.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select, text

from firebreak.incidents import (
    actions,
    clearing,
    faultstart,
    opening,
    quarantine,
    routing,
    stages,
    urgency,
)
from firebreak.incidents.inhibit import Inhibition
from firebreak.incidents.merge import Inhibitor, merge_into
from firebreak.incidents.model import Normal
from firebreak.store.db import UnitOfWork
from firebreak.store.tables import Incident, IncidentAlert
from firebreak.workspace import Workspace

PIPELINE_LOCK = 0x46_42_50  # "FBP": the advisory lock id that serialises consumers on PostgreSQL


@dataclass
class ProcessResult:
    processed: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)  # opened|attached|repeat|...
    opened: list[int] = field(default_factory=list)
    touched: set[int] = field(default_factory=set)

    def merge(self, other: ProcessResult) -> None:
        self.processed += other.processed
        self.outcomes.update(other.outcomes)
        self.opened += other.opened
        self.touched |= other.touched


def process_pending(
    uow: UnitOfWork, workspace: Workspace, now: datetime, limit: int = 500
) -> ProcessResult:
    """Turn up to ``limit`` unprocessed alerts into incident changes, in the caller's transaction.

    The batch runs in a savepoint. When it fails on a row (a value the store refuses, a bug), it
    is redone one row at a time, each in its own savepoint, and a row that still fails is set
    aside (outcome ``rejected``, with the reason) so the rest go on. A store that cannot be
    reached is not the rows' fault: that error is raised and the tick retried.
    """
    if uow.dialect == "postgresql":
        uow.session.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": PIPELINE_LOCK})
    rows = uow.alerts.pending(limit)
    try:
        with uow.session.begin_nested():
            return _process(uow, workspace, rows, now)
    except Exception as exc:
        if not quarantine.rejectable(exc):
            raise
    result = ProcessResult()
    for row in rows:
        try:
            with uow.session.begin_nested():
                part = _process(uow, workspace, [row], now)
        except Exception as exc:
            if not quarantine.rejectable(exc):
                raise
            quarantine.reject(uow, row, exc, now)
            part = ProcessResult(processed=1, outcomes=Counter({"rejected": 1}))
        result.merge(part)
    return result


def _process(
    uow: UnitOfWork, workspace: Workspace, rows: Sequence[Any], now: datetime
) -> ProcessResult:
    result = ProcessResult()
    dedup = stages.Dedup(uow, {row.dedup_key for row in rows})
    groups = stages.Groups(uow, workspace.settings.incidents.group_window)
    bound = routing.bindings(uow) if any(row.integration_id for row in rows) else {}
    inhibitor = Inhibitor(uow, workspace)
    outcomes: list[tuple[int, str, int | None]] = []
    with uow.session.no_autoflush:
        for row in rows:
            alert = stages.normalise(row, workspace, bound)
            outcome, incident = handle(uow, workspace, dedup, groups, alert, now, inhibitor)
            outcomes.append((row.id, outcome, incident.id if incident is not None else None))
            result.processed += 1
            result.outcomes[outcome] += 1
            if incident is not None:
                result.touched.add(incident.id)
                if outcome == "opened":
                    result.opened.append(incident.id)
    uow.alerts.mark_processed(now, outcomes)
    return result


def handle(
    uow: UnitOfWork,
    workspace: Workspace,
    dedup: stages.Dedup,
    groups: stages.Groups,
    alert: Normal,
    now: datetime,
    inhibitor: Inhibitor | None = None,
) -> tuple[str, Incident | None]:
    """One alert through the stages; returns its outcome and the incident it went to."""
    found = dedup.find(alert)
    if alert.action != "trigger":
        return source_event(uow, workspace, alert, found, now)
    if found is not None:
        stages.repeat(uow, found, alert, now)
        clearing.firing_again(uow, found[0], alert.summary, alert.source, now)
        return "repeat", found[0]
    inhibitor = inhibitor or Inhibitor(uow, workspace)
    cause = inhibitor.cause_of(alert)
    if cause is not None:
        return "inhibited", inhibited(uow, dedup, cause, alert, now)
    key = stages.group_key(alert, workspace.settings)
    incident = groups.find(key, now) or same_runbook(uow, groups, alert, key)
    if incident is not None:
        dedup.remember(incident, stages.link_alert(uow, incident, alert, now))
        uow.incidents.add_timeline(
            incident.id,
            now,
            alert.source,
            "alert_attached",
            f"alert attached: {alert.summary}",
            {"fingerprint": alert.fingerprint},
        )
        clearing.firing_again(uow, incident, alert.summary, alert.source, now)
        urgency.raise_if_needed(uow, incident, alert, now)
        faultstart.from_alert(uow, incident, alert, now)
        take_in_symptoms(uow, dedup, inhibitor, incident, now)
        return "attached", incident
    incident = opening.open_incident(uow, alert, key, now)
    groups.remember(key, incident)
    inhibitor.remember(incident)
    dedup.remember(incident, stages.link_alert(uow, incident, alert, now))
    runbook = opening.attach_runbook(uow, workspace, incident, alert, now)
    incident.escalation_policy = opening.escalation_policy(uow, workspace, incident, alert, now)
    opening.fill_roles(uow, workspace, incident, runbook, now)
    faultstart.from_alert(uow, incident, alert, now)
    urgency.start(uow, incident, alert, now)
    take_in_symptoms(uow, dedup, inhibitor, incident, now)
    return "opened", incident


def same_runbook(
    uow: UnitOfWork, groups: stages.Groups, alert: Normal, key: str
) -> Incident | None:
    """The triggers of one runbook make one incident: an alert naming a runbook joins the open
    incident of its group that has that runbook, however long ago its last alert came (a
    burn-rate trigger that fires an hour after the threshold trigger joins the same incident)."""
    if alert.runbook_id is None:
        return None
    uow.session.flush()
    found = uow.session.scalars(
        select(Incident)
        .where(
            Incident.group_key == key,
            Incident.status != "resolved",
            Incident.runbook_id == alert.runbook_id,
        )
        .order_by(Incident.id.desc())
    ).first()
    if found is not None:
        groups.remember(key, found)
    return found


def inhibited(
    uow: UnitOfWork,
    dedup: stages.Dedup,
    cause: tuple[Incident, Inhibition],
    alert: Normal,
    now: datetime,
) -> Incident:
    """The inhibit stage: a symptom alert joins its cause's incident; nobody is paged."""
    incident, why = cause
    dedup.remember(incident, stages.link_alert(uow, incident, alert, now))
    uow.incidents.add_timeline(
        incident.id,
        now,
        alert.source,
        "alert_inhibited",
        f"alert attached as a symptom ({why.text}): {alert.summary}",
        {"fingerprint": alert.fingerprint, "rule": why.rule + 1},
    )
    urgency.raise_if_needed(uow, incident, alert, now)
    faultstart.from_alert(uow, incident, alert, now)
    return incident


def take_in_symptoms(
    uow: UnitOfWork, dedup: stages.Dedup, inhibitor: Inhibitor, incident: Incident, now: datetime
) -> None:
    """Merge the open incidents that ``incident`` is the cause of into it."""
    for target, why in inhibitor.symptoms_of(incident):
        for link in merge_into(uow, incident, target, why, now):
            dedup.remember(incident, link)


def source_event(
    uow: UnitOfWork,
    workspace: Workspace,
    alert: Normal,
    found: tuple[Incident, IncidentAlert] | None,
    now: datetime,
) -> tuple[str, Incident | None]:
    """An acknowledge or resolve event from the sender (PagerDuty semantics)."""
    if found is None:
        return "ignored", None
    uow.session.flush()  # the actions below query and bulk-update what this batch wrote
    incident, link = found
    actor = f"source:{alert.source}"
    if alert.action == "acknowledge":
        if incident.status != "triggered":
            return "ignored", incident
        actions.acknowledge(uow, incident.id, actor, now)
        return "acknowledged", incident
    link.status = "resolved"
    firing = [a for a in uow.incidents.alerts(incident.id) if a.status == "firing"]
    note = "; every alert of the incident has resolved" if not firing else ""
    uow.incidents.add_timeline(
        incident.id,
        now,
        actor,
        "alert_resolved",
        f"alert resolved at the source: {alert.summary}{note}",
        {"fingerprint": alert.fingerprint, "firing": len(firing)},
    )
    if not firing:
        clearing.cleared(uow, workspace, incident, now)
    return "resolved", incident
