"""Grade a drill: pure functions from (scenario objectives, record) to a verdict with reasons.

Each objective says why it passed or failed in words a responder can act on: the person with no
contact, the signal no trigger watches, the runbook that was attached instead, the trigger that
fired on normal traffic.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from firebreak.drills.noise import noise
from firebreak.drills.record import DrillRecord, IncidentSeen, fault_incidents
from firebreak.drills.results import ObjectiveResult
from firebreak.drills.scenario import Objectives
from firebreak.durations import format_duration as fmt


def fault_incident(record: DrillRecord, expected: str | None = None) -> IncidentSeen | None:
    """The incident the fault led to: the one with the expected runbook if the fault opened
    several (a provider outage also trips each service's own triggers), else the one its first
    alert joined, else the one open then."""
    candidates = fault_incidents(record)
    if expected is not None:
        matching = [i for i in candidates if i.runbook == expected]
        if matching:
            return matching[0]
    alert = record.first_alert_after(record.fault_start, expected)
    if alert is not None and alert.incident_id is not None:
        found = record.incident(record.root(alert.incident_id))
        if found is not None:
            return found
    later = [i for i in candidates if i.opened_at >= record.fault_start]
    if later:
        return later[0]
    return candidates[-1] if candidates else None


def grade(objectives: Objectives, record: DrillRecord) -> list[ObjectiveResult]:
    """Every objective the scenario sets, in a fixed order."""
    incident = fault_incident(record, objectives.runbook)
    out: list[ObjectiveResult] = []
    if objectives.quiet_period is not None:
        out.append(quiet_period(objectives.quiet_period, record))
    if objectives.detect_within is not None:
        out.append(detect_within(objectives.detect_within, objectives.runbook, record))
    if objectives.runbook is not None:
        out.append(runbook(objectives.runbook, incident, fault_incidents(record)))
    if objectives.roles_filled:
        out.append(roles_filled(incident, record))
    if objectives.ack_within is not None:
        out.append(ack_within(objectives.ack_within, incident, record))
    if objectives.resolved_within is not None:
        out.append(resolved_within(objectives.resolved_within, incident, record))
    if objectives.noise:
        out.append(noise(record, incident))
    return out


def quiet_period(period: timedelta, record: DrillRecord) -> ObjectiveResult:
    """No alert and no page in the ``period`` before the fault starts."""
    lo = max(record.start, record.fault_start - period)
    hi = record.fault_start
    alerts = sorted((a for a in record.alerts if lo <= a.at < hi), key=lambda a: a.at)
    pages = sorted((p for p in record.pages if lo <= p.at < hi), key=lambda p: p.at)
    name = "quiet_period"
    if not alerts and not pages:
        return ObjectiveResult(
            name, True, f"no alert and no page in the {fmt(hi - lo)} before the fault"
        )
    if alerts:
        first = alerts[0]
        where = f"runbook {first.runbook}" if first.runbook else "an external alert"
        reason = (
            f"{where} trigger '{first.trigger}' fired on normal traffic at "
            f"{record.offset(first.at)}, {fmt(hi - first.at)} before the fault"
        )
        if len(alerts) > 1:
            reason += f" ({len(alerts)} alerts in the quiet period)"
    else:
        reason = f"paged {pages[0].person} at {record.offset(pages[0].at)} before the fault"
    if pages:
        people = sorted({p.person for p in pages})
        reason += f"; {len(pages)} false page(s) to {', '.join(people)}"
    return ObjectiveResult(name, False, reason)


def _why_undetected(expected: str | None, record: DrillRecord) -> str:
    moved = record.moved_signals()
    runbooks = [expected] if expected else sorted(record.trigger_signals)
    watched = {rb: [s for s in record.trigger_signals.get(rb, []) if s in moved] for rb in runbooks}
    if expected is not None and not watched.get(expected):
        have = record.trigger_signals.get(expected, [])
        has = f"it watches only {', '.join(have)}" if have else "it has no trigger at all"
        return (
            f"runbook {expected} has no trigger on {' or '.join(moved)} "
            f"(the signals this fault moves); {has}"
        )
    if not any(watched.values()):
        return f"no runbook has a trigger on {' or '.join(moved)} (the signals this fault moves)"
    names = sorted({s for signals in watched.values() for s in signals})
    return (
        f"the trigger(s) on {', '.join(names)} did not fire during the fault "
        "(threshold, window or min_requests not reached)"
    )


def detect_within(limit: timedelta, expected: str | None, record: DrillRecord) -> ObjectiveResult:
    name = "detect_within"
    alert = record.first_alert_after(record.fault_start, expected)
    if alert is None:
        return ObjectiveResult(name, False, "never detected: " + _why_undetected(expected, record))
    delay = record.since_fault(alert.at)
    source = f"{alert.runbook}: {alert.trigger}" if alert.runbook else alert.trigger
    if delay <= limit:
        return ObjectiveResult(name, True, f"detected {fmt(delay)} after the fault by {source}")
    reason = f"detected {fmt(delay)} after the fault by {source}, later than {fmt(limit)}"
    if expected and alert.runbook != expected:
        reason += "; " + _why_undetected(expected, record)
    return ObjectiveResult(name, False, reason)


def runbook(
    expected: str, incident: IncidentSeen | None, others: Sequence[IncidentSeen] = ()
) -> ObjectiveResult:
    name = "runbook"
    if incident is None:
        return ObjectiveResult(name, False, f"no incident opened, so {expected} was never attached")
    if incident.runbook == expected:
        also = [f"#{i.id} {i.runbook or 'no runbook'}" for i in others if i.id != incident.id]
        extra = f" (also open during the fault: {', '.join(also)})" if also else ""
        return ObjectiveResult(
            name, True, f"incident #{incident.id} had {expected} attached{extra}"
        )
    got = incident.runbook or "no runbook"
    return ObjectiveResult(
        name, False, f"incident #{incident.id} had {got} attached, expected {expected}"
    )


def _role_problem(role_person: str | None, via: str, record: DrillRecord) -> str | None:
    if role_person is None:
        return f"nobody ({via} resolved to no one)"
    if role_person in record.no_contact:
        return f"{role_person} has no contact"
    if role_person in record.unreachable:
        return f"{role_person} cannot be reached in this drill"
    return None


def roles_filled(incident: IncidentSeen | None, record: DrillRecord) -> ObjectiveResult:
    name = "roles_filled"
    if incident is None:
        return ObjectiveResult(name, False, "no incident opened, so no role was filled")
    if not incident.roles:
        return ObjectiveResult(name, False, f"incident #{incident.id} has no roles")
    problems = []
    for role in incident.roles:
        problem = _role_problem(role.person, role.via, record)
        if problem:
            problems.append(f"{role.role}: {problem}")
    if problems:
        return ObjectiveResult(name, False, "; ".join(problems))
    held = ", ".join(f"{r.role} {r.person}" for r in incident.roles)
    return ObjectiveResult(name, True, f"every role held by a reachable person ({held})")


def _why_no_ack(incident: IncidentSeen, record: DrillRecord) -> str:
    pages = [p for p in record.pages if p.incident_id == incident.id]
    skips = [s for s in record.skips if s.incident_id == incident.id]
    no_contact = sorted({s.person for s in skips if s.person and s.person in record.no_contact})
    other_skips = sorted(
        {s.reason for s in skips if not (s.person and s.person in record.no_contact)}
    )
    parts = []
    if not pages:
        parts.append("the escalation chain reached nobody")
    else:
        reached = sorted({p.person for p in pages})
        parts.append(f"pages went to {', '.join(reached)}")
        silent = [p for p in reached if p in record.unreachable]
        if silent:
            parts.append(f"{', '.join(silent)} cannot be reached in this drill")
    if no_contact:
        parts.append(
            f"{', '.join(no_contact)} {'has' if len(no_contact) == 1 else 'have'} no contact"
        )
    parts.extend(other_skips)
    return "; ".join(parts)


def ack_within(
    limit: timedelta, incident: IncidentSeen | None, record: DrillRecord
) -> ObjectiveResult:
    name = "ack_within"
    if incident is None:
        return ObjectiveResult(name, False, "no incident opened, so nobody could acknowledge")
    if incident.acknowledged_at is None:
        return ObjectiveResult(name, False, "never acknowledged: " + _why_no_ack(incident, record))
    took = incident.acknowledged_at - incident.opened_at
    who = incident.acknowledged_by or "someone"
    if took <= limit:
        return ObjectiveResult(name, True, f"acknowledged by {who} {fmt(took)} after opening")
    reason = f"acknowledged by {who} {fmt(took)} after opening, later than {fmt(limit)}"
    return ObjectiveResult(name, False, reason + "; " + _why_no_ack(incident, record))


def resolved_within(
    limit: timedelta, incident: IncidentSeen | None, record: DrillRecord
) -> ObjectiveResult:
    name = "resolved_within"
    if incident is None:
        return ObjectiveResult(name, False, "no incident opened, so nothing was resolved")
    if incident.resolved_at is None:
        return ObjectiveResult(
            name,
            False,
            "not resolved by the end of the drill: "
            + _why_unresolved(incident, record, record.end),
        )
    took = incident.resolved_at - incident.opened_at
    if took <= limit:
        return ObjectiveResult(name, True, f"resolved {fmt(took)} after opening")
    return ObjectiveResult(
        name,
        False,
        f"resolved {fmt(took)} after opening, later than {fmt(limit)}: "
        + _why_unresolved(incident, record, incident.resolved_at),
    )


def _why_unresolved(incident: IncidentSeen, record: DrillRecord, until: datetime) -> str:
    parts = []
    if incident.acknowledged_at is None:
        parts.append("nobody acknowledged")
    skipped = sorted(k for k, v in incident.steps.items() if v == "skipped")
    if skipped:
        parts.append(f"runbook steps skipped: {', '.join(skipped)}")
    if incident.pending_steps:
        parts.append(f"runbook steps never carried out: {', '.join(incident.pending_steps)}")
    if record.done_when_missed:
        parts.append(f"done_when did not hold: {'; '.join(record.done_when_missed)}")
    return "; ".join(parts) or f"the fault lasted until {record.offset(until)}"
