"""`firebreak oncall`: who is on call now (or at --at), the next handoffs and the gaps ahead."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import click

from firebreak.cli.options import format_option, workspace_option
from firebreak.durations import format_duration
from firebreak.org.board import ScheduleNow, board, name_of, to_json
from firebreak.org.model import Org
from firebreak.org.oncall import zone


def parse_at(value: str | None) -> datetime:
    """ISO 8601 (a naive time is UTC); the system clock only when no time is given."""
    if value is None:
        from firebreak.clock import SystemClock

        return SystemClock().now()
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise click.BadParameter(
            f"expected an ISO 8601 time such as 2026-12-24T18:00 or 2026-12-24T18:00+01:00, "
            f"got {value!r}",
            param_hint="--at",
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def parse_horizon(value: str | None) -> timedelta | None:
    if value is None:
        return None
    from firebreak.durations import parse_duration

    try:
        return parse_duration(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--horizon") from None


@click.command(
    epilog="""\b
Examples:
  firebreak oncall --workspace demo
  firebreak oncall --at 2026-12-24T18:00 --schedule ml-platform-primary --handoffs 5
  firebreak oncall --format json > oncall.json"""
)
@workspace_option
@click.option(
    "--at",
    "at",
    metavar="TIME",
    default=None,
    help="The instant to look at, ISO 8601; a time without offset is UTC (default: now).",
)
@click.option(
    "--schedule",
    "schedules",
    metavar="ID",
    multiple=True,
    help="Only this schedule (repeatable; default: every schedule).",
)
@click.option(
    "--handoffs",
    type=click.IntRange(0, 100),
    default=3,
    show_default=True,
    help="How many upcoming handoffs to show per schedule.",
)
@click.option(
    "--horizon",
    metavar="DURATION",
    default=None,
    help="How far ahead to look for gaps (default: lint.gap_horizon, 28d).",
)
@format_option("text", "json")
def oncall(
    workspace: str | None,
    at: str | None,
    schedules: tuple[str, ...],
    handoffs: int,
    horizon: str | None,
    fmt: str,
) -> None:
    """Who is on call now, the next handoffs, and the gaps ahead, per schedule.

    Times are shown in each schedule's own time zone.
    """
    from firebreak.workspace import require, resolve_root

    instant = parse_at(at)
    ahead = parse_horizon(horizon)
    ws = require(resolve_root(workspace))
    unknown = [s for s in schedules if s not in ws.org.schedules]
    if unknown:
        known = ", ".join(sorted(ws.org.schedules)) or "none"
        raise click.BadParameter(
            f"unknown schedule {unknown[0]!r} (known: {known})", param_hint="--schedule"
        )
    span = ahead or ws.settings.lint.gap_horizon
    items = board(ws.org, instant, list(schedules), handoffs, span)
    if fmt == "json":
        click.echo(json.dumps(to_json(ws.org, instant, span, items), indent=2))
        return
    click.echo(render(ws.org, instant, span, items))


# --- text output -------------------------------------------------------------------------------


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
