"""The on-call board: per schedule, who is on call at an instant, the next handoffs, gaps ahead.

Shared by `firebreak oncall` and anything else that shows who is on call; pure over ``at``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from firebreak.org.model import Org, Schedule
from firebreak.org.oncall import Handoff, Interval, coverage, gaps, next_handoffs


@dataclass
class ScheduleNow:
    schedule: Schedule
    person: str | None  # on call at the board's instant
    since: datetime | None  # when the current holder (or gap) began; None: before the lookback
    until: datetime | None  # the next change, None when nothing changes in the search window
    handoffs: list[Handoff]
    gaps: list[Interval]


def board(
    org: Org, at: datetime, schedule_ids: list[str], handoffs: int, horizon: timedelta
) -> list[ScheduleNow]:
    """One entry per schedule (all of them when ``schedule_ids`` is empty), in id order."""
    chosen = schedule_ids or sorted(org.schedules)
    return [_now(org.schedules[ident], at, handoffs, horizon) for ident in chosen]


def _now(schedule: Schedule, at: datetime, count: int, horizon: timedelta) -> ScheduleNow:
    lookback = max(max(r.shift for r in schedule.rotations) * 2, timedelta(days=1))
    current = coverage(schedule, at - lookback, at + timedelta(seconds=1))[-1]
    upcoming = next_handoffs(schedule, at, max(count, 1))
    return ScheduleNow(
        schedule=schedule,
        person=current.person,
        since=current.start if current.start > at - lookback else None,
        until=upcoming[0].at if upcoming else None,
        handoffs=upcoming[:count],
        gaps=gaps(coverage(schedule, at, at + horizon)),
    )


def name_of(org: Org, person: str | None) -> str:
    if person is None:
        return "nobody"
    found = org.people.get(person)
    return found.display if found is not None else person


def to_json(org: Org, at: datetime, horizon: timedelta, items: list[ScheduleNow]) -> dict[str, Any]:
    """The JSON `firebreak oncall --format json` prints; instants are UTC ISO 8601."""

    def iso(value: datetime | None) -> str | None:
        return value.isoformat() if value is not None else None

    def person(ident: str | None) -> dict[str, str] | None:
        return None if ident is None else {"id": ident, "name": name_of(org, ident)}

    return {
        "at": iso(at),
        "horizon_s": int(horizon.total_seconds()),
        "schedules": [
            {
                "id": item.schedule.id,
                "name": item.schedule.name or item.schedule.id,
                "timezone": item.schedule.timezone,
                "on_call": person(item.person),
                "since": iso(item.since),
                "until": iso(item.until),
                "handoffs": [
                    {"at": iso(h.at), "from": person(h.before), "to": person(h.after)}
                    for h in item.handoffs
                ],
                "gaps": [{"start": iso(g.start), "end": iso(g.end)} for g in item.gaps],
            }
            for item in items
        ],
    }
