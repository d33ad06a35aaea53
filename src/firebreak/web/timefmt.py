"""Times as the viewer reads them: in their time zone (the person's, else the workspace's), with
the zone shown, the date, and a relative hint ("3 min ago")."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from markupsafe import Markup

from firebreak.workspace import Workspace


def viewer_zone(workspace: Workspace, person_id: str | None) -> ZoneInfo:
    """The person's time zone when the viewer is a person of the org, else the workspace's."""
    person = workspace.org.people.get(person_id or "")
    name = person.timezone if person is not None else workspace.settings.workspace.timezone
    return ZoneInfo(name)


def relative(value: datetime, now: datetime) -> str:
    """'just now', '3 min ago', '2 h 5 min ago', '3 days ago', or 'in 4 min' for the future."""
    seconds = (value - now).total_seconds()
    future, seconds = seconds > 0, abs(seconds)
    if seconds < 45:
        return "just now" if not future else "in a few seconds"
    if seconds < 3600:
        text = f"{round(seconds / 60) or 1} min"
    elif seconds < 172800:
        hours, minutes = int(seconds // 3600), int(seconds % 3600 // 60)
        text = f"{hours} h {minutes} min" if minutes else f"{hours} h"
    else:
        text = f"{int(seconds // 86400)} days"
    return f"in {text}" if future else f"{text} ago"


def absolute(value: datetime, zone: ZoneInfo, seconds: bool = False) -> str:
    """'Tue 1 Dec 10:13 CET' in ``zone``."""
    local = value.astimezone(zone)
    clock = "%H:%M:%S" if seconds else "%H:%M"
    return f"{local:%a} {local.day} {local:%b} {local.strftime(clock)} {local.tzname()}"


def parse(value: str | datetime | None) -> datetime | None:
    if value is None or value == "":
        return None
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def time_html(
    value: str | datetime | None, zone: ZoneInfo, now: datetime | None, seconds: bool = False
) -> Markup:
    """A ``<time>`` element: the absolute time in ``zone`` and, given ``now``, the relative hint
    beside it."""
    moment = parse(value)
    if moment is None:
        return Markup("—")
    hint = Markup(' <span class="rel">({})</span>').format(relative(moment, now)) if now else ""
    return Markup('<time datetime="{iso}" title="{utc}">{text}{hint}</time>').format(
        iso=moment.astimezone(UTC).isoformat(),
        utc=f"{moment.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC",
        text=absolute(moment, zone, seconds),
        hint=hint,
    )
