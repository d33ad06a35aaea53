"""PagerDuty REST API v2 exports → org sections.

Reads the bodies of ``GET /users?include[]=contact_methods``, ``/teams``, ``/schedules/{id}``
(with ``since``/``until``, so ``overrides_subschedule`` and ``final_schedule`` are rendered),
``/escalation_policies`` and ``/services``, in any files and any order. A schedule's layers
become firebreak ``layers``: PagerDuty lists the layer that takes precedence first, firebreak lets
the last one win, so the order is reversed. Rendered overrides become ``overrides``.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from firebreak.durations import format_duration
from firebreak.imports.common import At, ExportError, Ids, Imported, read_json

SOURCE = "pagerduty"
_SECTIONS = {
    "users": "users",
    "user": "users",
    "teams": "teams",
    "team": "teams",
    "schedules": "schedules",
    "schedule": "schedules",
    "escalation_policies": "escalation_policies",
    "escalation_policy": "escalation_policies",
    "services": "services",
    "service": "services",
}
_CONTACTS = {
    "email_contact_method": "email",
    "phone_contact_method": "phone",
    "sms_contact_method": "sms",
}
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_UNOWNED = "pagerduty-unowned"


def collect(paths: list[Path]) -> dict[str, list[tuple[At, dict[str, Any]]]]:
    """Every object of every export, by section, each with its place for messages."""
    found: dict[str, list[tuple[At, dict[str, Any]]]] = {s: [] for s in set(_SECTIONS.values())}
    for path in paths:
        data = read_json(path)
        top = At(str(path), "")
        if not isinstance(data, dict) or not any(k in data for k in _SECTIONS):
            raise top.fail(
                "expected a PagerDuty API response with one of the keys "
                + ", ".join(sorted(set(_SECTIONS)))
            )
        if data.get("more") is True:
            raise top.fail(
                '"more": true, so this is one page of several; export every page '
                "(offset=…) or use a larger limit, then import them together"
            )
        for key, section in _SECTIONS.items():
            if key not in data:
                continue
            if isinstance(data[key], list):
                found[section].extend(top.items(data, key, section))
            else:
                obj = top.get(data, key, dict, f"a {key} object")
                found[section].append((top.child(key, obj), obj))
    return found


def convert(paths: list[Path], prefix: str = "") -> Imported:
    found = collect(paths)
    out = Imported(SOURCE)
    ids = Ids(prefix)
    people: dict[str, dict[str, Any]] = {}
    for at, user in found["users"]:
        people[at.get(user, "id", str, "the user id")] = _person(at, user, ids, out)
    team_members: dict[str, list[str]] = {}
    for at, user in found["users"]:
        for t_at, ref in at.items(user, "teams", "team references") if "teams" in user else []:
            team_id = t_at.get(ref, "id", str, "the team id")
            team_members.setdefault(team_id, []).append(people[user["id"]]["id"])

    def person_ref(at: At, ref: dict[str, Any]) -> str:
        pd_id = at.get(ref, "id", str, "the user id")
        if pd_id not in people:
            name = ref.get("summary") if isinstance(ref.get("summary"), str) else pd_id
            people[pd_id] = {"id": ids.make("people", pd_id, str(name)), "name": name}
            out.unmapped.append(
                f"user {pd_id} ({name}) is referenced but not in the users export: "
                "created without contacts; import GET /users too"
            )
        return str(people[pd_id]["id"])

    for at, team in found["teams"]:
        team_id = at.get(team, "id", str, "the team id")
        name = at.get(team, "name", str, "the team name")
        out.teams.append(
            {
                "id": ids.make("teams", team_id, name),
                "name": name,
                "members": team_members.get(team_id, []),
            }
        )
    for at, sched in found["schedules"]:
        out.schedules.append(_schedule(at, sched, ids, out, person_ref))
    for at, policy in found["escalation_policies"]:
        out.escalation_policies.append(_policy(at, policy, ids, out, person_ref))
    for at, svc in found["services"]:
        out.services.append(_service(at, svc, ids, out, found))
    out.people.extend(people.values())
    return out


def _person(at: At, user: dict[str, Any], ids: Ids, out: Imported) -> dict[str, Any]:
    name = at.get(user, "name", str, "the user's name")
    person: dict[str, Any] = {"id": ids.make("people", user["id"], name), "name": name}
    tz = at.opt(user, "time_zone", str, "a time zone name")
    if tz:
        person["timezone"] = tz
    contacts: list[dict[str, Any]] = []
    skipped: list[str] = []
    for c_at, method in (
        at.items(user, "contact_methods", "contact methods") if "contact_methods" in user else []
    ):
        kind = c_at.get(method, "type", str, "the contact method type")
        if kind.endswith("_reference"):
            continue  # exported without include[]=contact_methods: only the email is known
        address = c_at.get(method, "address", str, "the contact address")
        if kind in _CONTACTS:
            code = method.get("country_code")
            if kind != "email_contact_method" and isinstance(code, int):
                address = f"+{code}{address}"
            contacts.append({"type": _CONTACTS[kind], "address": address})
        else:
            skipped.append(kind.removesuffix("_contact_method"))
    email = at.opt(user, "email", str, "an email address")
    if email and not any(c["address"] == email for c in contacts):
        contacts.insert(0, {"type": "email", "address": email})
    if skipped:
        out.unmapped.append(f"user {user['id']} ({name}): contact methods {', '.join(skipped)}")
    if "notification_rules" in user:
        out.unmapped.append(
            f"user {user['id']} ({name}): notification rules (per-urgency delays); "
            "set `delay:` on contacts if you relied on them"
        )
    person["contacts"] = contacts
    return person


def _schedule(
    at: At, sched: dict[str, Any], ids: Ids, out: Imported, person_ref: Any
) -> dict[str, Any]:
    pd_id = at.get(sched, "id", str, "the schedule id")
    name = at.get(sched, "name", str, "the schedule name")
    tz_name = at.get(sched, "time_zone", str, "an IANA time zone")
    try:
        tz = ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise at.child("time_zone").fail(f"unknown time zone {tz_name!r}") from None
    layers = []
    for l_at, layer in at.items(sched, "schedule_layers", "schedule layers"):
        layers.append(_layer(l_at, layer, tz, person_ref))
    if not layers:
        raise at.child("schedule_layers").fail("empty; a schedule needs at least one layer")
    result: dict[str, Any] = {
        "id": ids.make("schedules", pd_id, name),
        "name": name,
        "timezone": tz_name,
        "layers": list(reversed(layers)),
    }
    overrides = []
    sub = sched.get("overrides_subschedule")
    if isinstance(sub, dict) and sub.get("rendered_schedule_entries"):
        o_at = at.child("overrides_subschedule", sub)
        for e_at, entry in o_at.items(sub, "rendered_schedule_entries", "entries"):
            user = e_at.get(entry, "user", dict, "the user on call")
            overrides.append(
                {
                    "person": person_ref(e_at.child("user"), user),
                    "from": _local(e_at.time(entry, "start"), tz),
                    "to": _local(e_at.time(entry, "end"), tz),
                }
            )
    if overrides:
        result["overrides"] = overrides
    return result


def _layer(at: At, layer: dict[str, Any], tz: ZoneInfo, person_ref: Any) -> dict[str, Any]:
    members = []
    for u_at, entry in at.items(layer, "users", "layer users"):
        members.append(person_ref(u_at.child("user"), u_at.get(entry, "user", dict, "a user")))
    if not members:
        raise at.child("users").fail("empty; a layer needs at least one user")
    turn = at.get(layer, "rotation_turn_length_seconds", int, "a number of seconds")
    if turn <= 0:
        raise at.child("rotation_turn_length_seconds").fail(f"must be positive, got {turn}")
    virtual = at.time(layer, "rotation_virtual_start")
    start = at.time(layer, "start")
    end = at.time(layer, "end", optional=True)
    assert virtual is not None and start is not None
    rotation: dict[str, Any] = {
        "name": at.opt(layer, "name", str, "the layer name") or "",
        "members": members,
        "start": _local(virtual, tz),
        "shift": format_duration(turn),
    }
    if start > virtual:
        rotation["since"] = _local(start, tz)
    if end is not None:
        rotation["end"] = _local(end, tz)
    restrictions = []
    for r_at, item in (
        at.items(layer, "restrictions", "restrictions") if layer.get("restrictions") else []
    ):
        restriction = _restriction(r_at, item)
        if restriction is not None:
            restrictions.append(restriction)
    if restrictions:
        rotation["restrict"] = restrictions
    return rotation


def _restriction(at: At, item: dict[str, Any]) -> dict[str, Any] | None:
    kind = at.get(item, "type", str, "daily_restriction or weekly_restriction")
    seconds = at.get(item, "duration_seconds", int, "a number of seconds")
    text = at.get(item, "start_time_of_day", str, "a time of day HH:MM:SS")
    try:
        start = time.fromisoformat(text)
    except ValueError:
        raise at.child("start_time_of_day").fail(f"expected HH:MM:SS, got {text!r}") from None
    if kind == "daily_restriction":
        if seconds >= 86400:
            return None  # the whole day, every day: no restriction
        days = list(_WEEKDAYS)
    elif kind == "weekly_restriction":
        if seconds >= 7 * 86400:
            return None
        day = at.get(item, "start_day_of_week", int, "a day of the week, 1 (Monday) to 7")
        if not 1 <= day <= 7:
            raise at.child("start_day_of_week").fail(f"expected 1 (Monday) to 7, got {day}")
        days = [_WEEKDAYS[day - 1]]
    else:
        raise at.child("type").fail(
            f"expected daily_restriction or weekly_restriction, got {kind!r}"
        )
    if seconds <= 0:
        raise at.child("duration_seconds").fail(f"must be positive, got {seconds}")
    return {"days": days, "start": start.strftime("%H:%M:%S"), "duration": format_duration(seconds)}


def _policy(
    at: At, policy: dict[str, Any], ids: Ids, out: Imported, person_ref: Any
) -> dict[str, Any]:
    pd_id = at.get(policy, "id", str, "the escalation policy id")
    name = at.get(policy, "name", str, "the policy name")
    loops = at.opt(policy, "num_loops", int, "a number of loops") or 0
    if loops > 10:
        out.unmapped.append(f"escalation policy {pd_id} ({name}): num_loops {loops}, kept as 10")
    levels = []
    for r_at, rule in at.items(policy, "escalation_rules", "escalation rules"):
        delay = r_at.get(rule, "escalation_delay_in_minutes", int, "a number of minutes")
        targets = []
        for t_at, target in r_at.items(rule, "targets", "targets"):
            kind = t_at.get(target, "type", str, "the target type")
            if kind in ("user_reference", "user"):
                targets.append(f"person:{person_ref(t_at, target)}")
            elif kind in ("schedule_reference", "schedule"):
                sched_id = t_at.get(target, "id", str, "the schedule id")
                sched = ids.get("schedules", sched_id)
                if sched is None:
                    raise t_at.fail(
                        f"schedule {sched_id} is not in the exports; add GET /schedules/{sched_id}"
                    )
                targets.append(f"schedule:{sched}")
            else:
                raise t_at.child("type").fail(
                    f"expected user_reference or schedule_reference, got {kind!r}"
                )
        if not targets:
            raise r_at.child("targets").fail("empty; an escalation rule needs a target")
        levels.append({"targets": targets, "ack_within": format_duration(timedelta(minutes=delay))})
    if policy.get("on_call_handoff_notifications") not in (None, "if_has_services"):
        out.unmapped.append(
            f"escalation policy {pd_id} ({name}): on_call_handoff_notifications "
            f"{policy['on_call_handoff_notifications']}"
        )
    return {
        "id": ids.make("escalation_policies", pd_id, name),
        "name": name,
        "repeat": min(loops, 10),
        "levels": levels,
    }


def _service(
    at: At,
    svc: dict[str, Any],
    ids: Ids,
    out: Imported,
    found: dict[str, list[tuple[At, dict[str, Any]]]],
) -> dict[str, Any]:
    pd_id = at.get(svc, "id", str, "the service id")
    name = at.get(svc, "name", str, "the service name")
    result: dict[str, Any] = {"id": ids.make("services", pd_id, name), "name": name}
    team = None
    for t_at, ref in at.items(svc, "teams", "team references") if svc.get("teams") else []:
        team = ids.get("teams", t_at.get(ref, "id", str, "the team id"))
        if team:
            break
    policy_ref = at.opt(svc, "escalation_policy", dict, "an escalation policy reference")
    if policy_ref is not None:
        policy_id = at.child("escalation_policy").get(policy_ref, "id", str, "the policy id")
        result["escalation"] = ids.get("escalation_policies", policy_id)
        if result["escalation"] is None:
            raise at.child("escalation_policy").fail(
                f"policy {policy_id} is not in the escalation_policies export; import it too"
            )
        if team is None:
            team = _policy_team(policy_id, found, ids)
    if team is None:
        team = _unowned_team(out)
        out.unmapped.append(f"service {pd_id} ({name}) has no team: given team {_UNOWNED}")
    result["team"] = team
    if isinstance(svc.get("description"), str) and svc["description"]:
        result["description"] = svc["description"]
    for key, hint in (
        ("auto_resolve_timeout", "see [incidents] auto_resolve_after"),
        ("acknowledgement_timeout", "no equivalent"),
        ("incident_urgency_rule", "urgency maps to severity through [routing.severity]"),
        ("alert_grouping_parameters", "grouping is by labels, see docs/incidents.md"),
        ("support_hours", "no equivalent"),
        ("scheduled_actions", "no equivalent"),
    ):
        if svc.get(key) not in (None, [], {}):
            out.unmapped.append(f"service {pd_id} ({name}): {key} ({hint})")
    return result


def _policy_team(
    policy_id: str, found: dict[str, list[tuple[At, dict[str, Any]]]], ids: Ids
) -> str | None:
    for _, policy in found["escalation_policies"]:
        if policy.get("id") == policy_id:
            for ref in policy.get("teams") or []:
                team = ids.get("teams", ref.get("id", "")) if isinstance(ref, dict) else None
                if team:
                    return team
    return None


def _unowned_team(out: Imported) -> str:
    if not any(t["id"] == _UNOWNED for t in out.teams):
        out.teams.append({"id": _UNOWNED, "name": "Services PagerDuty gave no team", "members": []})
    return _UNOWNED


def _local(instant: datetime | None, tz: ZoneInfo) -> str:
    """A wall time in the schedule's zone, as the org file writes it."""
    if instant is None:
        raise ExportError("internal: a required time was missing")
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=ZoneInfo("UTC"))
    return instant.astimezone(tz).replace(tzinfo=None).isoformat(timespec="seconds")
