"""Text rendering for `firebreak oncall`: each schedule in its own time zone."""

from __future__ import annotations

from datetime import datetime, timedelta

from firebreak.durations import format_duration
from firebreak.org.board import ScheduleNow, name_of
from firebreak.org.model import Org
from firebreak.org.oncall import zone


def local(instant: datetime, tz: str) -> str:
    return instant.astimezone(zone(tz)).strftime("%a %Y-%m-%d %H:%M %Z")


def render(org: Org, at: datetime, horizon: timedelta, items: list[ScheduleNow]) -> str:
    lines = [f"On call at {local(at, 'UTC')}", ""]
    if not items:
        lines.append("No schedules in this workspace (add them under schedules: in org/).")
    for item in items:
        lines.extend(_schedule(org, at, horizon, item))
        lines.append("")
    return "\n".join(lines).rstrip()


def _schedule(org: Org, at: datetime, horizon: timedelta, item: ScheduleNow) -> list[str]:
    tz = item.schedule.timezone
    title = f"{item.schedule.id}  {item.schedule.name}" if item.schedule.name else item.schedule.id
    lines = [f"{title} ({tz}, local time {local(at, tz)})"]
    who = name_of(org, item.person)
    who = f"{who} ({item.person})" if item.person else "nobody (gap)"
    since = f" since {local(item.since, tz)}" if item.since else ""
    until = f", until {local(item.until, tz)}" if item.until else ""
    lines.append(f"  now      {who}{since}{until}")
    if not item.handoffs and item.until is None:
        lines.append("  next     no handoff ahead")
    for i, handoff in enumerate(item.handoffs):
        label = "next" if i == 0 else ""
        before, after = name_of(org, handoff.before), name_of(org, handoff.after)
        lines.append(f"  {label:<8} {local(handoff.at, tz)}  {before} -> {after}")
    span = format_duration(horizon)
    if not item.gaps:
        lines.append(f"  gaps     none in the next {span}")
    for i, gap in enumerate(item.gaps[:5]):
        label = "gaps" if i == 0 else ""
        length = format_duration(gap.duration)
        lines.append(f"  {label:<8} {local(gap.start, tz)} to {local(gap.end, tz)} ({length})")
    if len(item.gaps) > 5:
        lines.append(f"           … and {len(item.gaps) - 5} more in the next {span}")
    return lines
