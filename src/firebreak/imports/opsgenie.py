"""Opsgenie REST API v2 exports → org sections.

Reads ``GET /v2/users`` (``?expand=contact`` per user for more than the username), ``/v2/teams/{id}``
(with members), ``/v2/schedules?expand=rotation``, ``/v2/escalations`` and ``/v1/services``: each
response is ``{"data": …}``, an object or a list, recognised by its fields. Opsgenie pages every
rotation of a schedule at once (cumulative), while a firebreak schedule names one person: each
rotation therefore becomes a schedule of its own, ``<schedule>-<rotation>``, and an escalation rule
that targets the Opsgenie schedule targets all of them in one level, which pages the same people.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from firebreak.durations import format_duration
from firebreak.imports.common import At, Ids, Imported, read_json

SOURCE = "opsgenie"
_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_UNITS = {"hourly": 3600, "daily": 86400, "weekly": 7 * 86400}
_CONTACTS = {"email": "email", "sms": "sms", "voice": "phone"}
_MINUTES = {"minutes": 60, "hours": 3600, "days": 86400}


def _kind(obj: dict[str, Any]) -> str:
    if "rules" in obj:
        return "escalations"
    if "rotations" in obj or ("timezone" in obj and "enabled" in obj):
        return "schedules"
    if "username" in obj:
        return "users"
    if "teamId" in obj:
        return "services"
    return "teams"


def collect(paths: list[Path]) -> dict[str, list[tuple[At, dict[str, Any]]]]:
    found: dict[str, list[tuple[At, dict[str, Any]]]] = {
        k: [] for k in ("users", "teams", "schedules", "escalations", "services")
    }
    for path in paths:
        data = read_json(path)
        top = At(str(path), "")
        if not isinstance(data, dict) or "data" not in data:
            raise top.fail('expected an Opsgenie API response: an object with "data"')
        paging = data.get("paging")
        if isinstance(paging, dict) and paging.get("next"):
            raise top.fail(
                '"paging.next" is set, so this is one page of several; export every page '
                "(offset=…) and import them together"
            )
        items = (
            top.items(data, "data", "objects")
            if isinstance(data["data"], list)
            else [(top.child("data", data["data"]), top.get(data, "data", dict, "an object"))]
        )
        for at, obj in items:
            found[_kind(obj)].append((at, obj))
    return found


def convert(paths: list[Path], prefix: str = "") -> Imported:
    found = collect(paths)
    out, ids = Imported(SOURCE), Ids(prefix)
    people: dict[str, str] = {}
    for at, user in found["users"]:
        person = _person(at, user, ids)
        people[user["id"]] = person["id"]
        out.people.append(person)

    def person_ref(at: At, ref: dict[str, Any]) -> str:
        ident = at.get(ref, "id", str, "the user id")
        if ident not in people:
            raise at.fail(f"user {ident} is not in the users export; add GET /v2/users")
        return people[ident]

    for at, team in found["teams"]:
        name = at.get(team, "name", str, "the team name")
        members = [
            person_ref(m_at.child("user"), m_at.get(m, "user", dict, "a user"))
            for m_at, m in (at.items(team, "members", "members") if "members" in team else [])
        ]
        if "members" not in team:
            out.unmapped.append(
                f"team {team.get('id')} ({name}): exported without members; "
                "use GET /v2/teams/{id} to carry them over"
            )
        out.teams.append(
            {"id": ids.make("teams", team["id"], name), "name": name, "members": members}
        )
    rotation_schedules: dict[str, list[str]] = {}
    for at, sched in found["schedules"]:
        made = _schedules(at, sched, ids, out, person_ref)
        rotation_schedules[sched["id"]] = [s["id"] for s in made]
        out.schedules.extend(made)
    for at, esc in found["escalations"]:
        out.escalation_policies.append(_policy(at, esc, ids, out, person_ref, rotation_schedules))
    for at, svc in found["services"]:
        name = at.get(svc, "name", str, "the service name")
        owner = ids.get("teams", at.get(svc, "teamId", str, "the owning team id"))
        if owner is None:
            raise at.child("teamId").fail(f"team {svc['teamId']} is not in the teams export")
        service: dict[str, Any] = {
            "id": ids.make("services", svc["id"], name),
            "name": name,
            "team": owner,
        }
        if svc.get("description"):
            service["description"] = str(svc["description"])
        out.services.append(service)
    if found["services"]:
        out.unmapped.append(
            "team routing rules (which escalation a service's alerts take): set "
            "`escalation:` on each service or [routing] routes"
        )
    return out


def _person(at: At, user: dict[str, Any], ids: Ids) -> dict[str, Any]:
    username = at.get(user, "username", str, "the username (an email address)")
    name = at.opt(user, "fullName", str, "the full name") or username
    person: dict[str, Any] = {"id": ids.make("people", user["id"], name), "name": name}
    tz = at.opt(user, "timeZone", str, "a time zone name")
    if tz:
        person["timezone"] = tz
    contacts = [{"type": "email", "address": username}]
    for c_at, contact in (
        at.items(user, "userContacts", "contacts") if user.get("userContacts") else []
    ):
        method = c_at.get(contact, "contactMethod", str, "email, sms, voice or mobile")
        to = c_at.get(contact, "to", str, "the address")
        if method in _CONTACTS and contact.get("enabled", True) and to != username:
            contacts.append({"type": _CONTACTS[method], "address": to})
    person["contacts"] = contacts
    return person


def _schedules(
    at: At, sched: dict[str, Any], ids: Ids, out: Imported, person_ref: Any
) -> list[dict[str, Any]]:
    name = at.get(sched, "name", str, "the schedule name")
    tz_name = at.get(sched, "timezone", str, "an IANA time zone")
    try:
        tz = ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise at.child("timezone").fail(f"unknown time zone {tz_name!r}") from None
    if "rotations" not in sched:
        raise at.child("rotations").fail("missing; export with GET /v2/schedules?expand=rotation")
    made = []
    for r_at, rot in at.items(sched, "rotations", "rotations"):
        rot_name = at.opt(rot, "name", str, "the rotation name") or str(rot.get("id", "rotation"))
        members = []
        for p_at, part in r_at.items(rot, "participants", "participants"):
            kind = p_at.get(part, "type", str, "user, team, escalation, group or none")
            if kind == "user":
                members.append(person_ref(p_at, part))
            else:
                out.unmapped.append(
                    f"schedule {name}, rotation {rot_name}: a {kind} participant is left out, so "
                    "the other participants take its turns (a firebreak rotation takes people)"
                )
        if not members:
            out.unmapped.append(
                f"schedule {name}, rotation {rot_name}: no user participants; skipped"
            )
            continue
        kind = r_at.get(rot, "type", str, "hourly, daily or weekly")
        if kind not in _UNITS:
            raise r_at.child("type").fail(f"expected hourly, daily or weekly, got {kind!r}")
        length = r_at.opt(rot, "length", int, "a whole number of turns") or 1
        start = r_at.time(rot, "startDate")
        end = r_at.time(rot, "endDate", optional=True)
        rotation: dict[str, Any] = {
            "name": rot_name,
            "members": members,
            "start": _local(start, tz),
            "shift": format_duration(_UNITS[kind] * length),
        }
        if end is not None:
            rotation["end"] = _local(end, tz)
        windows = _restrictions(r_at, rot)
        if windows:
            rotation["restrict"] = windows
        made.append(
            {
                "id": ids.make(
                    "schedules", f"{sched['id']}/{rot.get('id', rot_name)}", f"{name}-{rot_name}"
                ),
                "name": f"{name} / {rot_name}",
                "timezone": tz_name,
                "rotation": rotation,
            }
        )
    out.unmapped.append(
        f"schedule {name}: overrides are not in this export (GET /v2/schedules/{{id}}/overrides "
        "does not name its schedule); add them as `overrides:`"
    )
    return made


def _restrictions(at: At, rot: dict[str, Any]) -> list[dict[str, Any]]:
    spec = at.opt(rot, "timeRestriction", dict, "a time restriction")
    if spec is None:
        return []
    t_at = at.child("timeRestriction")
    kind = t_at.get(spec, "type", str, "time-of-day or weekday-and-time-of-day")
    if kind == "time-of-day":
        part = t_at.get(spec, "restriction", dict, "the restriction")
        start, end = (
            _hm(t_at.child("restriction"), part, "start"),
            _hm(t_at.child("restriction"), part, "end"),
        )
        return [{"start": _clock(start), "duration": format_duration(_span(start, end, 0, 0))}]
    if kind != "weekday-and-time-of-day":
        raise t_at.child("type").fail(
            f"expected time-of-day or weekday-and-time-of-day, got {kind!r}"
        )
    out = []
    for w_at, item in t_at.items(spec, "restrictions", "restrictions"):
        first = _day(w_at, item, "startDay")
        last = _day(w_at, item, "endDay")
        start, end = _hm(w_at, item, "start"), _hm(w_at, item, "end")
        out.append(
            {
                "days": [_DAYS[first][:3]],
                "start": _clock(start),
                "duration": format_duration(_span(start, end, first, last)),
            }
        )
    return out


def _hm(at: At, item: dict[str, Any], side: str) -> int:
    hour = at.get(item, f"{side}Hour", int, "an hour 0-23")
    minute = at.opt(item, f"{side}Min", int, "minutes 0-59") or 0
    if not (0 <= hour <= 24 and 0 <= minute <= 59):
        raise at.fail(f"{side}Hour/{side}Min out of range: {hour}:{minute}")
    return int(hour) * 60 + int(minute)


def _day(at: At, item: dict[str, Any], key: str) -> int:
    name = at.get(item, key, str, "a weekday such as monday").lower()
    if name not in _DAYS:
        raise at.child(key).fail(f"expected a weekday such as monday, got {name!r}")
    return _DAYS.index(name)


def _span(start: int, end: int, first: int, last: int) -> int:
    """Seconds from (first day, start minute) to (last day, end minute), wrapping the week/day."""
    total = ((last - first) % 7) * 1440 + end - start
    if total <= 0:
        total += 1440 if first == last else 7 * 1440
    return total * 60


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _policy(
    at: At,
    esc: dict[str, Any],
    ids: Ids,
    out: Imported,
    person_ref: Any,
    rotation_schedules: dict[str, list[str]],
) -> dict[str, Any]:
    name = at.get(esc, "name", str, "the escalation name")
    steps: dict[int, list[str]] = {}
    for r_at, rule in at.items(esc, "rules", "rules"):
        delay = r_at.get(rule, "delay", dict, "a delay {timeAmount}")
        amount = r_at.child("delay").get(delay, "timeAmount", int, "a number")
        seconds = amount * _MINUTES.get(str(delay.get("timeUnit", "minutes")), 60)
        recipient = r_at.get(rule, "recipient", dict, "a recipient")
        rec_at = r_at.child("recipient")
        kind = rec_at.get(recipient, "type", str, "user, schedule or team")
        targets = steps.setdefault(seconds, [])
        if kind == "user":
            targets.append(f"person:{person_ref(rec_at, recipient)}")
        elif kind == "schedule":
            ident = rec_at.get(recipient, "id", str, "the schedule id")
            if ident not in rotation_schedules:
                raise rec_at.fail(f"schedule {ident} is not in the schedules export")
            targets.extend(f"schedule:{s}" for s in rotation_schedules[ident])
        elif kind == "team":
            team = ids.get("teams", rec_at.get(recipient, "id", str, "the team id"))
            if team is None:
                raise rec_at.fail(f"team {recipient['id']} is not in the teams export")
            targets.append(f"team:{team}")
            out.unmapped.append(
                f"escalation {name}: team recipient {team} pages every member "
                "(Opsgenie would follow the team's routing rules)"
            )
        else:
            raise rec_at.child("type").fail(f"expected user, schedule or team, got {kind!r}")
        notify = rule.get("notifyType", "default")
        if notify != "default" or rule.get("condition", "if-not-acked") != "if-not-acked":
            out.unmapped.append(
                f"escalation {name}: a rule with notifyType {notify}, condition "
                f"{rule.get('condition')} (firebreak pages the target and stops at acknowledgement)"
            )
    if not steps:
        raise at.child("rules").fail("empty; an escalation needs a rule")
    raw_repeat = esc.get("repeat")
    repeat: dict[str, Any] = raw_repeat if isinstance(raw_repeat, dict) else {}
    wait = int(repeat.get("waitInterval") or 0) * 60
    times = sorted(steps)
    levels = []
    for i, t in enumerate(times):
        after = (times[i + 1] - t) if i + 1 < len(times) else (wait or 300)
        levels.append(
            {
                "targets": list(dict.fromkeys(steps[t])),
                "ack_within": format_duration(timedelta(seconds=max(after, 60))),
            }
        )
    count = int(repeat.get("count") or 0)
    if count > 10:
        out.unmapped.append(f"escalation {name}: repeats {count} times, kept as 10")
    return {
        "id": ids.make("escalation_policies", esc["id"], name),
        "name": name,
        "repeat": min(count, 10),
        "levels": levels,
    }


def _local(instant: Any, tz: ZoneInfo) -> str:
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=ZoneInfo("UTC"))
    return str(instant.astimezone(tz).replace(tzinfo=None).isoformat(timespec="seconds"))
