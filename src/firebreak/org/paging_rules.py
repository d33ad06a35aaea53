"""Rules on the page path itself: FB606 an alert that can find no policy, FB607 a contact type
with no channel to send it.

Both are about the whole workspace rather than one runbook: a team can pass every runbook rule
and still page nobody when an alert names a service without a policy, or when every page to a
person goes out on a contact type that ``firebreak.toml`` gives no channel.
"""

from __future__ import annotations

from firebreak.errors import Location
from firebreak.org.chain_rules import _pageable
from firebreak.org.context import Context, at_key
from firebreak.runbooks.model import Runbook
from firebreak.settings import locate_setting
from firebreak.workspace import Workspace

# Contact types sent through a [channels.<type>] url; webhook and apprise carry their own address.
CHANNEL_TYPES = ("email", "slack", "sms", "phone")


def _settings_at(workspace: Workspace, *loc: object) -> Location:
    path = workspace.root / "firebreak.toml"
    if not path.is_file():
        return Location("firebreak.toml")
    text = path.read_text(encoding="utf-8", errors="replace")
    line, col = locate_setting(text, tuple(loc))
    return Location("firebreak.toml", line, col)


def check_policy_coverage(ctx: Context, workspace: Workspace) -> None:
    """FB606: with no ``[routing] default_escalation``, alerts that find no policy page nobody."""
    routing = ctx.settings.routing
    if routing.default_escalation is not None:
        return
    org = ctx.org
    ctx.add(
        "FB606",
        "no [routing] default_escalation: an alert whose service gives no policy (an "
        "Alertmanager alert without a service label, from an integration created without "
        '--service) pages nobody; set `default_escalation = "<policy id>"` under [routing]',
        _settings_at(workspace, "routing", "default_escalation"),
    )
    for index, entry in enumerate(routing.routes):
        service = entry.set.get("service")
        if service is None or "escalation" in entry.set or service not in org.services:
            continue
        if org.services[service].escalation in org.escalation_policies:
            continue
        ctx.add(
            "FB606",
            f"route #{index + 1} sends alerts to service {service!r}, which has no escalation "
            "policy, and there is no default: they page nobody; give the service `escalation:` "
            'or the route `set = {escalation = "<policy id>"}`',
            _settings_at(workspace, "routing", "routes", index, "set"),
        )
    for svc in org.services.values():
        if svc.escalation is None:
            ctx.add(
                "FB606",
                f"service {svc.id!r} has no escalation policy and there is no default: its "
                "alerts page nobody unless a runbook names one; add `escalation: <policy id>`",
                at_key(svc),
            )


def check_channels(ctx: Context, runbooks: list[Runbook]) -> None:
    """FB607: people can be paged on a contact type that has no ``[channels.<type>]``."""
    configured = set(ctx.settings.channels)
    if "*" in configured:
        return
    missing: dict[str, list[tuple[str, int]]] = {}
    for person_id in _pageable(ctx, runbooks):
        person = ctx.org.people[person_id]
        for index, contact in enumerate(person.contacts):
            if contact.type in CHANNEL_TYPES and contact.type not in configured:
                missing.setdefault(contact.type, []).append((person_id, index))
    for kind, uses in sorted(missing.items()):
        people = ", ".join(dict.fromkeys(p for p, _ in uses))
        first, index = uses[0]
        ctx.add(
            "FB607",
            f"{kind} contacts of people who can be paged ({people}) have no channel: every "
            f'page to them fails; add `[channels.{kind}] url = "..."` to firebreak.toml '
            '(an Apprise URL, or "console")',
            at_key(ctx.org.people[first], "contacts", index),
        )
