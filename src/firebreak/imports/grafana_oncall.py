"""Grafana OnCall public API v1 exports → org sections.

Reads ``GET /api/v1/users``, ``/teams``, ``/schedules``, ``/on_call_shifts``, ``/escalation_chains``,
``/escalation_policies`` (the steps of the chains) and ``/integrations``; each response is
``{"results": [...], "next": …}``, and each object is recognised by its fields. A schedule's
shifts become its ``layers``, ordered by ``level`` (a higher level wins, as in OnCall); override
shifts become ``overrides``; integrations become services with their default route's chain.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from firebreak.durations import format_duration, parse_duration
from firebreak.imports.common import At, Ids, Imported, read_json

SOURCE = "grafana-oncall"
_UNIT = {"hourly": 3600, "daily": 86400, "weekly": 7 * 86400}
_DAYS = {"MO": "mon", "TU": "tue", "WE": "wed", "TH": "thu", "FR": "fri", "SA": "sat", "SU": "sun"}
_UNOWNED = "grafana-oncall-unowned"
Found = dict[str, list[tuple[At, dict[str, Any]]]]


def _kind(obj: dict[str, Any]) -> str:
    if "escalation_chain_id" in obj and "position" in obj:
        return "steps"
    if "default_route" in obj:
        return "integrations"
    if "rolling_users" in obj or ("duration" in obj and "level" in obj):
        return "shifts"
    if "time_zone" in obj and ("shifts" in obj or "ical_url_primary" in obj or "type" in obj):
        return "schedules"
    if "email" in obj and "username" in obj:
        return "users"
    if "grafana_id" in obj or "avatar_url" in obj:
        return "teams"
    return "chains"


def collect(paths: list[Path]) -> Found:
    found: Found = {
        k: [] for k in ("users", "teams", "schedules", "shifts", "chains", "steps", "integrations")
    }
    for path in paths:
        data = read_json(path)
        top = At(str(path), "")
        if not isinstance(data, dict) or "results" not in data:
            raise top.fail('expected a Grafana OnCall API response: an object with "results"')
        if data.get("next"):
            raise top.fail('"next" is set, so this is one page of several; export every page')
        for at, obj in top.items(data, "results", "objects"):
            found[_kind(obj)].append((at, obj))
    return found


def convert(paths: list[Path], prefix: str = "") -> Imported:
    found = collect(paths)
    out, ids = Imported(SOURCE), Ids(prefix)
    people: dict[str, str] = {}
    members: dict[str, list[str]] = {}
    for at, user in found["users"]:
        email = at.get(user, "email", str, "an email address")
        name = at.opt(user, "username", str, "the username") or email
        ident = ids.make("people", at.get(user, "id", str, "the user id"), name)
        people[user["id"]] = ident
        entry: dict[str, Any] = {
            "id": ident,
            "name": name,
            "contacts": [{"type": "email", "address": email}],
        }
        if user.get("timezone"):
            entry["timezone"] = str(user["timezone"])
        out.people.append(entry)
        for team in user.get("teams") or []:
            members.setdefault(str(team), []).append(ident)

    def person(at: At, user_id: Any) -> str:
        if user_id not in people:
            raise at.fail(f"user {user_id} is not in the users export; add GET /api/v1/users")
        return people[user_id]

    for at, team in found["teams"]:
        name = at.get(team, "name", str, "the team name")
        out.teams.append(
            {
                "id": ids.make("teams", team["id"], name),
                "name": name,
                "members": members.get(team["id"], []),
            }
        )
    shifts = {str(s.get("id")): (at, s) for at, s in found["shifts"]}
    for at, sched in found["schedules"]:
        made = _schedule(at, sched, shifts, ids, out, person)
        if made is not None:
            out.schedules.append(made)
    for at, chain in found["chains"]:
        out.escalation_policies.append(_chain(at, chain, found["steps"], ids, out, person))
    for at, integ in found["integrations"]:
        out.services.append(_service(at, integ, ids, out))
    return out


def _schedule(
    at: At,
    sched: dict[str, Any],
    shifts: dict[str, tuple[At, dict[str, Any]]],
    ids: Ids,
    out: Imported,
    person: Any,
) -> dict[str, Any] | None:
    name = at.get(sched, "name", str, "the schedule name")
    tz_name = at.opt(sched, "time_zone", str, "a time zone") or "UTC"
    try:
        tz = ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise at.child("time_zone").fail(f"unknown time zone {tz_name!r}") from None
    if sched.get("ical_url_primary") or sched.get("ical_url_overrides"):
        out.unmapped.append(
            f"schedule {name}: shifts from an iCal URL (export them as on-call shifts)"
        )
    listed = [str(s) for s in sched.get("shifts") or []]
    mine = [shifts[s] for s in listed if s in shifts]
    mine += [
        v for k, v in shifts.items() if v[1].get("schedule") == sched["id"] and k not in listed
    ]
    missing = [s for s in listed if s not in shifts]
    if missing:
        raise at.child("shifts").fail(f"shift {missing[0]} is not in the on_call_shifts export")
    layers: list[tuple[int, dict[str, Any]]] = []
    overrides = []
    for s_at, shift in mine:
        kind = s_at.get(
            shift, "type", str, "rolling_users, recurrent_event, single_event or override"
        )
        if kind in ("override", "single_event"):
            users = [person(s_at, u) for u in shift.get("users") or []]
            start = _time(s_at, shift, "start", tz)
            seconds = s_at.get(shift, "duration", int, "a number of seconds")
            if kind == "single_event":
                out.unmapped.append(
                    f"schedule {name}: single event {shift.get('name')} kept as an override"
                )
            for user in users[:1]:
                overrides.append(
                    {
                        "person": user,
                        "from": _wall(start),
                        "to": _wall(start + timedelta(seconds=seconds)),
                    }
                )
            continue
        layers.append((int(shift.get("level") or 0), _layer(s_at, shift, tz, name, out, person)))
    if not layers:
        out.unmapped.append(f"schedule {name}: no rotation shifts to import; skipped")
        return None
    result: dict[str, Any] = {
        "id": ids.make("schedules", sched["id"], name),
        "name": name,
        "timezone": tz_name,
        "layers": [layer for _, layer in sorted(layers, key=lambda item: item[0])],
    }
    if overrides:
        result["overrides"] = overrides
    return result


def _layer(
    at: At, shift: dict[str, Any], tz: ZoneInfo, sched: str, out: Imported, person: Any
) -> dict[str, Any]:
    kind = shift["type"]
    label = shift.get("name") or shift.get("id")
    frequency = at.get(shift, "frequency", str, "hourly, daily or weekly")
    if frequency not in _UNIT:
        raise at.child("frequency").fail(f"expected hourly, daily or weekly, got {frequency!r}")
    interval = at.opt(shift, "interval", int, "a whole number") or 1
    if kind == "rolling_users":
        groups = at.get(shift, "rolling_users", list, "a list of user groups")
    else:
        groups = [at.get(shift, "users", list, "a list of user ids")]
    turns = []
    for i, group in enumerate(groups):
        if not isinstance(group, list) or not group:
            raise at.child("rolling_users").child(i).fail("expected a non-empty list of user ids")
        turns.append(person(at.child("rolling_users").child(i), group[0]))
        if len(group) > 1:
            out.unmapped.append(
                f"schedule {sched}, shift {label}: {len(group)} people on call together; "
                "the first of them is kept"
            )
    first = int(shift.get("start_rotation_from_user_index") or 0) % len(turns)
    turns = turns[first:] + turns[:first]
    if kind != "rolling_users":
        turns = turns[:1]
    start = _time(at, shift, "start", tz)
    rotation_start = _time(at, shift, "rotation_start", tz, optional=True)
    until = _time(at, shift, "until", tz, optional=True)
    seconds = at.get(shift, "duration", int, "a number of seconds")
    period = _UNIT[frequency] * interval
    layer: dict[str, Any] = {
        "name": str(label),
        "members": turns,
        "start": _wall(start),
        "shift": format_duration(period),
    }
    if rotation_start is not None and rotation_start > start:
        layer["since"] = _wall(rotation_start)
    if until is not None:
        layer["end"] = _wall(until)
    days = [_DAYS[d] for d in shift.get("by_day") or [] if d in _DAYS]
    if seconds < _UNIT[frequency] or days:
        window: dict[str, Any] = {
            "start": start.strftime("%H:%M:%S"),
            "duration": format_duration(min(seconds, 7 * 86400)),
        }
        if days:
            window["days"] = days
        layer["restrict"] = [window]
    if days and frequency == "daily":
        out.unmapped.append(
            f"schedule {sched}, shift {label}: OnCall hands over on each listed day; firebreak "
            "hands over every day, so turns on unlisted days are skipped"
        )
    if shift.get("by_month") or shift.get("by_monthday"):
        out.unmapped.append(f"schedule {sched}, shift {label}: by_month / by_monthday")
    return layer


def _chain(
    at: At,
    chain: dict[str, Any],
    steps: list[tuple[At, dict[str, Any]]],
    ids: Ids,
    out: Imported,
    person: Any,
) -> dict[str, Any]:
    name = at.get(chain, "name", str, "the chain name")
    mine = sorted(
        ((s_at, s) for s_at, s in steps if s.get("escalation_chain_id") == chain["id"]),
        key=lambda item: int(item[1].get("position") or 0),
    )
    levels: list[dict[str, Any]] = []
    pending: list[str] = []
    repeat = 0
    for s_at, step in mine:
        kind = s_at.get(step, "type", str, "the step type")
        if kind == "wait":
            seconds = s_at.get(step, "duration", int, "a number of seconds")
            if pending:
                levels.append({"targets": pending, "ack_within": format_duration(max(seconds, 60))})
                pending = []
            elif levels:
                prev = levels[-1]
                prev["ack_within"] = format_duration(_seconds(prev["ack_within"]) + seconds)
        elif kind in ("notify_persons", "notify_person_next_each_time"):
            key = (
                "persons_to_notify"
                if kind == "notify_persons"
                else "persons_to_notify_next_each_time"
            )
            pending += [f"person:{person(s_at, u)}" for u in step.get(key) or []]
            if kind == "notify_person_next_each_time":
                out.unmapped.append(
                    f"escalation chain {name}: 'notify next person each time' pages them all"
                )
        elif kind == "notify_on_call_from_schedule":
            sched = ids.get("schedules", str(step.get("notify_on_call_from_schedule")))
            if sched is None:
                raise s_at.fail(
                    f"schedule {step.get('notify_on_call_from_schedule')} is not in the exports"
                )
            pending.append(f"schedule:{sched}")
        elif kind == "notify_team_members":
            team = ids.get("teams", str(step.get("notify_to_team_members")))
            if team is None:
                raise s_at.fail(
                    f"team {step.get('notify_to_team_members')} is not in the teams export"
                )
            pending.append(f"team:{team}")
        elif kind == "repeat_escalation":
            repeat = 1
        else:
            out.unmapped.append(f"escalation chain {name}: step {step.get('position')} {kind}")
    if pending:
        levels.append({"targets": pending, "ack_within": "5m"})
        out.unmapped.append(f"escalation chain {name}: its last step has no wait after it; 5m kept")
    if not levels:
        raise at.fail(f"escalation chain {name} has no step that pages anyone")
    return {
        "id": ids.make("escalation_policies", chain["id"], name),
        "name": name,
        "repeat": repeat,
        "levels": levels,
    }


def _service(at: At, integ: dict[str, Any], ids: Ids, out: Imported) -> dict[str, Any]:
    name = at.get(integ, "name", str, "the integration name")
    result: dict[str, Any] = {"id": ids.make("services", integ["id"], name), "name": name}
    route = at.get(integ, "default_route", dict, "the default route")
    chain = route.get("escalation_chain_id")
    if chain:
        policy = ids.get("escalation_policies", str(chain))
        if policy is None:
            raise at.child("default_route").fail(f"escalation chain {chain} is not in the exports")
        result["escalation"] = policy
    team = ids.get("teams", str(integ.get("team_id"))) if integ.get("team_id") else None
    if team is None:
        if not any(t["id"] == _UNOWNED for t in out.teams):
            out.teams.append({"id": _UNOWNED, "name": "Integrations with no team", "members": []})
        team = _UNOWNED
    result["team"] = team
    out.unmapped.append(
        f"integration {name}: its type ({integ.get('type')}) and routes other than the default "
        "(point the sender at firebreak intake; see docs/intake.md)"
    )
    return result


def _time(at: At, obj: dict[str, Any], key: str, tz: ZoneInfo, optional: bool = False) -> Any:
    value = at.time(obj, key, optional=optional)
    if value is None:
        return None
    if value.tzinfo is None:
        shift_tz = obj.get("time_zone")
        zone = ZoneInfo(shift_tz) if isinstance(shift_tz, str) and shift_tz else tz
        value = value.replace(tzinfo=zone)
    return value.astimezone(tz)


def _wall(value: datetime) -> str:
    return value.replace(tzinfo=None).isoformat(timespec="seconds")


def _seconds(text: str) -> int:

    return int(parse_duration(text).total_seconds())
