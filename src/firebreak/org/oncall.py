"""Who is on call on a schedule at an instant, coverage over a horizon, and who a reference pages.

All arithmetic on shifts happens in the schedule's local wall time: handoff ``k`` is at the wall
time ``rotation.start + k * shift``, converted to UTC in the schedule's zone. A weekly rotation that
hands off Mondays 09:00 Europe/Berlin therefore stays at 09:00 local across daylight-saving changes
(see docs/decisions/oncall-wall-time.md). Every function is pure: instants are aware datetimes,
handed in by the caller, and the results are in UTC.
"""

from __future__ import annotations

import bisect
import itertools
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from firebreak.org.model import Org, Restriction, Rotation, Schedule

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
END_OF_DAY = time(23, 59, 59)  # a restriction ending 23:59:59 (the default) runs to midnight
_HANDOFF_SEARCH_LIMIT = timedelta(days=366)  # next_handoffs looks at most a year ahead


@dataclass(frozen=True)
class Interval:
    """``[start, end)`` in UTC with the person on call, or None for a gap."""

    start: datetime
    end: datetime
    person: str | None

    @property
    def duration(self) -> timedelta:
        return self.end - self.start


@dataclass(frozen=True)
class Handoff:
    """At ``at`` (UTC) the on-call duty passes from ``before`` to ``after`` (None: nobody)."""

    at: datetime
    before: str | None
    after: str | None


@lru_cache(maxsize=256)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def wall(value: datetime, tz: ZoneInfo) -> datetime:
    """A naive local wall time; a value written with an offset is converted to the zone first."""
    if value.tzinfo is not None:
        return value.astimezone(tz).replace(tzinfo=None)
    return value


def to_utc(local: datetime, tz: ZoneInfo) -> datetime:
    """The UTC instant of a naive wall time in ``tz``.

    An ambiguous time (clocks going back) is its first occurrence; a time that does not exist
    (clocks going forward) is the instant the clocks jumped, so shifts stay in order.
    """
    if local.tzinfo is not None:
        return local.astimezone(UTC)
    earlier = local.replace(tzinfo=tz, fold=0).astimezone(UTC)
    if earlier.astimezone(tz).replace(tzinfo=None) == local:
        return earlier
    return _transition(local, tz)


def _transition(local: datetime, tz: ZoneInfo) -> datetime:
    """For a wall time inside a forward jump: the first instant after the jump."""
    a = local.replace(tzinfo=tz, fold=0).astimezone(UTC)
    b = local.replace(tzinfo=tz, fold=1).astimezone(UTC)
    lo, hi = min(a, b), max(a, b)
    before = lo.astimezone(tz).utcoffset()
    while hi - lo > timedelta(seconds=1):
        mid = lo + (hi - lo) / 2
        if mid.astimezone(tz).utcoffset() == before:
            lo = mid
        else:
            hi = mid
    return hi.replace(microsecond=0) if hi.microsecond else hi


def _require_aware(*instants: datetime) -> None:
    for instant in instants:
        if instant.tzinfo is None:
            raise ValueError("on-call functions need timezone-aware instants (UTC)")


# --- the rotation alone ------------------------------------------------------------------------


def _boundary(rot: Rotation, tz: ZoneInfo, k: int) -> datetime:
    """UTC start of shift ``k`` (shift 0 starts at rotation.start)."""
    return to_utc(wall(rot.start, tz) + k * rot.shift, tz)


def _shift_index(rot: Rotation, tz: ZoneInfo, at: datetime) -> int:
    """The ``k`` with ``boundary(k) <= at < boundary(k + 1)``."""
    k = (at - _boundary(rot, tz, 0)) // rot.shift
    while _boundary(rot, tz, k) > at:
        k -= 1
    while _boundary(rot, tz, k + 1) <= at:
        k += 1
    return k


def rotation_span(schedule: Schedule, index: int = 0) -> tuple[datetime, datetime | None]:
    """When rotation ``index`` of the schedule first and last puts someone on call (UTC)."""
    return _span(schedule.rotations[index], zone(schedule.timezone))


def _span(rot: Rotation, tz: ZoneInfo) -> tuple[datetime, datetime | None]:
    first = to_utc(wall(rot.start, tz), tz)
    if rot.since is not None:
        first = max(first, to_utc(wall(rot.since, tz), tz))
    end = to_utc(wall(rot.end, tz), tz) if rot.end is not None else None
    return first, end


def _rotation_segments(rot: Rotation, tz: ZoneInfo, lo: datetime, hi: datetime) -> list[Interval]:
    """Who the rotation puts on call over ``[lo, hi)``, before restrictions and overrides."""
    members = rot.members
    first, last = _span(rot, tz)
    a = max(lo, first)
    b = hi if last is None else min(hi, last)
    out: list[Interval] = []
    if a < b and len(set(members)) == 1:
        out.append(Interval(a, b, members[0]))  # one person: no boundary to walk
    elif a < b:
        k = _shift_index(rot, tz, a)
        t = a
        while t < b:
            nxt = min(_boundary(rot, tz, k + 1), b)
            if nxt > t:
                out.append(Interval(t, nxt, members[k % len(members)]))
                t = nxt
            k += 1
    if not out:
        return [Interval(lo, hi, None)]
    if out[0].start > lo:
        out.insert(0, Interval(lo, out[0].start, None))
    if out[-1].end < hi:
        out.append(Interval(out[-1].end, hi, None))
    return out


def _layer(rot: Rotation, tz_name: str, lo: datetime, hi: datetime) -> list[Interval]:
    """One rotation over ``[lo, hi)`` with its restrictions applied (gaps are None)."""
    intervals = _rotation_segments(rot, zone(tz_name), lo, hi)
    if rot.restrictions:
        windows: list[tuple[datetime, datetime]] = []
        for restriction in rot.restrictions:
            windows.extend(restriction_windows(restriction, tz_name, lo, hi))
        intervals = _within(intervals, _union(windows))
    return intervals


def _union(windows: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    out: list[tuple[datetime, datetime]] = []
    for start, end in sorted(windows):
        if out and out[-1][1] >= start:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


# --- restrictions and overrides ----------------------------------------------------------------


def restriction_windows(
    restriction: Restriction, tz_name: str, lo: datetime, hi: datetime
) -> list[tuple[datetime, datetime]]:
    """UTC windows inside ``[lo, hi)`` where a restricted rotation may put someone on call.

    A window opens on each listed day at ``start``; it closes at ``end`` the same day, or the
    next day when ``end`` is not after ``start`` (an overnight window). ``end`` 23:59:59 means
    midnight.
    """
    tz = zone(tz_name)
    days = {WEEKDAYS.index(d) for d in restriction.days}
    back = 8 if restriction.duration is not None else 1  # a window may open days before lo
    day = lo.astimezone(tz).date() - timedelta(days=back)
    last_day = hi.astimezone(tz).date()
    windows: list[tuple[datetime, datetime]] = []
    while day <= last_day:
        if day.weekday() in days:
            s, e = _window_walls(restriction, day)
            start, end = max(to_utc(s, tz), lo), min(to_utc(e, tz), hi)
            if start < end:
                if windows and windows[-1][1] >= start:
                    windows[-1] = (windows[-1][0], max(windows[-1][1], end))
                else:
                    windows.append((start, end))
        day += timedelta(days=1)
    return windows


def _window_walls(restriction: Restriction, day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, restriction.start)
    if restriction.duration is not None:
        return start, start + restriction.duration
    if restriction.end == END_OF_DAY:
        return start, datetime.combine(day + timedelta(days=1), time(0, 0))
    if restriction.end <= restriction.start:
        return start, datetime.combine(day + timedelta(days=1), restriction.end)
    return start, datetime.combine(day, restriction.end)


def _overlay(
    base: list[Interval], start: datetime, end: datetime, person: str | None
) -> list[Interval]:
    """``base`` with ``[start, end)`` (clipped to base's span) given to ``person``."""
    if not base:
        return base
    start, end = max(start, base[0].start), min(end, base[-1].end)
    if start >= end:
        return base
    out: list[Interval] = []
    placed = False
    for iv in base:
        if iv.end <= start or iv.start >= end:
            if iv.start >= end and not placed:
                out.append(Interval(start, end, person))
                placed = True
            out.append(iv)
            continue
        if iv.start < start:
            out.append(Interval(iv.start, start, iv.person))
        if not placed:
            out.append(Interval(start, end, person))
            placed = True
        if iv.end > end:
            out.append(Interval(end, iv.end, iv.person))
    return out


def _within(intervals: list[Interval], windows: list[tuple[datetime, datetime]]) -> list[Interval]:
    """``intervals`` with everything outside the (sorted, disjoint) windows given to nobody."""
    out: list[Interval] = []
    j = 0
    for iv in intervals:
        t = iv.start
        while t < iv.end:
            while j < len(windows) and windows[j][1] <= t:
                j += 1
            if j == len(windows) or windows[j][0] >= iv.end:
                out.append(Interval(t, iv.end, None))
                break
            w_start, w_end = windows[j]
            if w_start > t:
                out.append(Interval(t, w_start, None))
                t = w_start
            stop = min(w_end, iv.end)
            out.append(Interval(t, stop, iv.person))
            t = stop
    return out


def _merge(intervals: list[Interval]) -> list[Interval]:
    out: list[Interval] = []
    for iv in intervals:
        if iv.start >= iv.end:
            continue
        if out and out[-1].person == iv.person and out[-1].end == iv.start:
            out[-1] = Interval(out[-1].start, iv.end, iv.person)
        else:
            out.append(iv)
    return out


# --- public API --------------------------------------------------------------------------------


def coverage(schedule: Schedule, start: datetime, end: datetime) -> list[Interval]:
    """Who is on call over ``[start, end)``: contiguous intervals, gaps with ``person`` None.

    Order of precedence: an override (the last one listed wins where they overlap) replaces
    everything for its span; otherwise the last layer that puts someone on call then, each layer
    only inside its ``restrict`` windows.
    """
    _require_aware(start, end)
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    if start >= end:
        return []
    rotations = schedule.rotations
    intervals = _layer(rotations[0], schedule.timezone, start, end)
    for rot in rotations[1:]:
        for iv in _layer(rot, schedule.timezone, start, end):
            if iv.person is not None:
                intervals = _overlay(intervals, iv.start, iv.end, iv.person)
    tz = zone(schedule.timezone)
    for override in schedule.overrides:
        o_start = to_utc(wall(override.from_, tz), tz)
        o_end = to_utc(wall(override.to, tz), tz)
        intervals = _overlay(intervals, o_start, o_end, override.person)
    return _merge(intervals)


def on_call(schedule: Schedule, at: datetime) -> str | None:
    """The person on call at ``at``, or None when the schedule has a gap then."""
    return coverage(schedule, at, at + timedelta(seconds=1))[0].person


def person_at(intervals: list[Interval], at: datetime) -> str | None:
    """Who is on call at ``at`` in a precomputed coverage (None outside it or in a gap)."""
    starts = [iv.start for iv in intervals]
    i = bisect.bisect_right(starts, at) - 1
    if i < 0 or at >= intervals[i].end:
        return None
    return intervals[i].person


def gaps(intervals: list[Interval]) -> list[Interval]:
    return [iv for iv in intervals if iv.person is None]


def next_handoffs(schedule: Schedule, at: datetime, count: int) -> list[Handoff]:
    """The next ``count`` changes of who is on call after ``at`` (a change to None opens a gap)."""
    _require_aware(at)
    if count <= 0:
        return []
    settled = _settled_after(schedule)
    shift = min(rot.shift for rot in schedule.rotations)
    window = max(shift * (count + 1), timedelta(days=1))
    while True:
        window = min(window, _HANDOFF_SEARCH_LIMIT)
        cov = coverage(schedule, at, at + window)
        found = [Handoff(b.start, a.person, b.person) for a, b in itertools.pairwise(cov)]
        done = settled is not None and at + window > settled
        if len(found) >= count or window >= _HANDOFF_SEARCH_LIMIT or done:
            return found[:count]
        window *= 2


def _settled_after(schedule: Schedule) -> datetime | None:
    """When nothing changes any more (the rotation's end and every override are past), if ever."""
    tz = zone(schedule.timezone)
    lasts = [_span(rot, tz)[1] for rot in schedule.rotations]
    if any(last is None for last in lasts):
        return None
    ends = [to_utc(wall(o.to, tz), tz) for o in schedule.overrides]
    return max([*(last for last in lasts if last is not None), *ends])


def members(org: Org, ref: str) -> list[str]:
    """Everyone a reference may ever page: a schedule's rotation and override people, a team's
    members, or the person. Unknown ids give an empty list (the loader reports them)."""
    kind, _, ident = ref.partition(":")
    found: list[str] = []
    if kind == "person" and ident in org.people:
        found = [ident]
    elif kind == "team" and ident in org.teams:
        found = list(org.teams[ident].members)
    elif kind == "schedule" and ident in org.schedules:
        sched = org.schedules[ident]
        rotating = [m for rot in sched.rotations for m in rot.members]
        found = [*rotating, *(o.person for o in sched.overrides)]
    return [p for p in dict.fromkeys(found) if p in org.people]


def resolve(org: Org, ref: str, at: datetime) -> list[str]:
    """The people a reference pages at ``at``: a schedule pages whoever is on call (nobody in a
    gap), a team pages all its members, a person pages that person."""
    kind, _, ident = ref.partition(":")
    if kind == "schedule":
        sched = org.schedules.get(ident)
        person = on_call(sched, at) if sched is not None else None
        return [person] if person is not None and person in org.people else []
    return members(org, ref)


def reachable(org: Org, person_id: str) -> bool:
    """A person can be paged when they exist and have at least one contact."""
    person = org.people.get(person_id)
    return person is not None and bool(person.contacts)
