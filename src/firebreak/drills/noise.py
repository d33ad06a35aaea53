"""The ``noise`` objective: the fault opened one incident, and nobody was paged twice for it.

Each needless page erodes trust, so a drill that detects the fault but opens a second incident
for it (a burn-rate trigger firing again after the first one was resolved, an outage alert that
no inhibit rule ties to the provider incident) fails, naming the extra incident and the trigger
that opened it. An incident merged into another by an inhibit rule is part of that one; a person
paged for both is paged twice. Repeated pages of one incident's own escalation are not noise.
"""

from __future__ import annotations

from collections import defaultdict

from firebreak.drills.record import DrillRecord, IncidentSeen, fault_incidents
from firebreak.drills.results import ObjectiveResult


def _extra(incident: IncidentSeen, record: DrillRecord) -> str:
    first = record.opened_by(incident.id)
    runbook = incident.runbook or "no runbook"
    how = f" by {first.runbook}: {first.trigger}" if first is not None and first.runbook else ""
    return f"extra incident #{incident.id} ({runbook}) opened at {record.offset(incident.opened_at)}{how}"


def paged_twice(record: DrillRecord) -> dict[str, list[int]]:
    """People paged for the fault by more than one incident (after following merges): the
    incidents that paged them."""
    by_person: dict[str, dict[int, set[tuple[int, int]]]] = defaultdict(lambda: defaultdict(set))
    for page in record.pages:
        if page.at < record.fault_start:
            continue
        root = record.root(page.incident_id)
        by_person[page.person][root].add((page.incident_id, page.level))
    out: dict[str, list[int]] = {}
    for person, roots in by_person.items():
        sources = {incident for pages in roots.values() for incident, _ in pages}
        levels: dict[tuple[int, int], set[int]] = defaultdict(set)
        for root, pages in roots.items():
            for incident, level in pages:
                levels[(root, level)].add(incident)
        if len(roots) > 1 or any(len(v) > 1 for v in levels.values()):
            out[person] = sorted(sources)
    return out


def noise(record: DrillRecord, graded: IncidentSeen | None = None) -> ObjectiveResult:
    """Graded against ``graded``, the incident the other objectives judge: any other incident
    the fault opened (beyond one per fault) is extra."""
    name = "noise"
    incidents = fault_incidents(record)
    merged = [i for i in fault_incidents(record, merged=True) if i.merged_into is not None]
    ordered = sorted(incidents, key=lambda i: (graded is None or i.id != graded.id, i.opened_at))
    problems = [_extra(i, record) for i in ordered[record.faults :]]
    for person, sources in sorted(paged_twice(record).items()):
        shown = ", ".join(f"#{i}" for i in sources)
        problems.append(f"{person} was paged twice for the fault (by incidents {shown})")
    if problems:
        want = "one incident" if record.faults == 1 else f"{record.faults} incidents"
        return ObjectiveResult(
            name,
            False,
            f"{len(incidents)} incident(s) where the fault should open {want}: "
            + "; ".join(problems),
        )
    if not incidents:
        return ObjectiveResult(name, True, "no incident opened, so nobody was paged for nothing")
    joined = ", ".join(f"#{i.id} into #{i.merged_into}" for i in merged)
    note = f" ({len(merged)} merged by inhibit rules: {joined})" if merged else ""
    count = "one incident" if len(incidents) == 1 else f"{len(incidents)} incidents"
    return ObjectiveResult(name, True, f"{count} for the fault{note}; nobody paged twice")
