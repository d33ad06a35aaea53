"""``firebreak route test``: where an alert with these labels would go, using the real router.

Like ``amtool config routes test``: the same ``incidents.routing.route`` the pipeline calls, so
the answer is what ``serve`` would do with the workspace as it is on disk.
"""

from __future__ import annotations

import json
from typing import Any

import click

from firebreak.cli.db_cmd import store_url
from firebreak.cli.options import db_option, format_option, workspace_option


def parse_labels(values: tuple[str, ...]) -> dict[str, str]:
    """``k=v[,k=v...]`` (the option may repeat) as a mapping; BadParameter names a bad pair."""
    labels: dict[str, str] = {}
    for value in values:
        for pair in value.split(","):
            if not pair.strip():
                continue
            name, sep, text = pair.partition("=")
            if not sep or not name.strip():
                raise click.BadParameter(
                    f"{pair!r} is not a label: expected name=value, e.g. alertname=DiskFull",
                    param_hint="--labels",
                )
            labels[name.strip()] = text.strip()
    return labels


def _binding(workspace: str | None, db_url: str | None, name: str) -> Any:
    from firebreak.incidents.routing import binding_named
    from firebreak.store.db import open_store

    store = open_store(store_url(workspace, db_url))
    try:
        store.upgrade()
        with store.unit_of_work(readonly=True) as uow:
            found = binding_named(uow, name)
    finally:
        store.dispose()
    if found is None:
        raise click.BadParameter(
            f"no live integration named {name!r} (see `firebreak integration list`)",
            param_hint="--integration",
        )
    return found


def _inhibited_by(decision: Any, ws: Any, workspace: str | None, db_url: str | None) -> Any:
    """The open incident (in the store) whose ``[[inhibit]]`` rule would hold this alert, as
    ``{"incident", "rule", "text"}``; None without rules or when no open incident applies."""
    from sqlalchemy import select

    from firebreak.incidents import inhibit
    from firebreak.store.db import open_store
    from firebreak.store.tables import Incident

    rules = list(ws.settings.inhibit)
    if not rules:
        return None
    store = open_store(store_url(workspace, db_url))
    try:
        store.upgrade()
        with store.unit_of_work(readonly=True) as uow:
            rows = uow.session.scalars(
                select(Incident).where(Incident.status != "resolved", Incident.drill.is_(False))
            ).all()
            open_now = [inhibit.OpenIncident(r.id, r.labels or {}) for r in rows]
    finally:
        store.dispose()
    providers = {s.id: tuple(s.providers) for s in ws.org.services.values()}
    found = inhibit.inhibited_by(decision.labels, open_now, rules, providers)
    return found.as_json() if found is not None else None


def _shown(inhibition: dict[str, Any] | None) -> str:
    if inhibition is None:
        return "-"
    return f"incident #{inhibition['incident']} by [[inhibit]] #{inhibition['rule']}: {inhibition['text']}"


@click.group()
def route() -> None:
    """Test where alerts go (integration binding, labels, routes, policies, default)."""


@route.command("test")
@click.option(
    "--labels",
    "labels",
    multiple=True,
    required=True,
    metavar="K=V[,K=V...]",
    help="The alert's labels.",
)
@click.option("--integration", default=None, help="The integration (by name) it arrives on.")
@click.option("--severity", default=None, help="The sender's severity field (PagerDuty's).")
@format_option("text", "json")
@workspace_option
@db_option
def route_test(
    labels: tuple[str, ...],
    integration: str | None,
    severity: str | None,
    fmt: str,
    workspace: str | None,
    db_url: str | None,
) -> None:
    """Print where an alert with these labels would go.

    \b
    Example:
      firebreak route test --labels alertname=ChatAPIHighErrorRate,severity=critical
    """
    from firebreak.incidents.routing import route as route_alert
    from firebreak.workspace import require, resolve_root

    wanted = parse_labels(labels)
    ws = require(resolve_root(workspace))
    binding = _binding(workspace, db_url, integration) if integration else None
    decision = route_alert(wanted, ws, binding, severity)
    result = decision.as_json(_inhibited_by(decision, ws, workspace, db_url))
    if fmt == "json":
        click.echo(json.dumps(result, indent=2))
        return
    via = f" (from the {decision.escalation_via})" if decision.escalation else ""
    if decision.route is not None:
        entry = ws.settings.routing.routes[decision.route]
        shown = ", ".join(f"{k}={v}" for k, v in entry.match.items())
        matched = f"#{decision.route + 1} [[routing.routes]] match {{{shown}}}"
    else:
        matched = "none matched"
    rows = [
        ("service", decision.service or "-"),
        ("scenario", decision.scenario or "-"),
        ("severity", decision.severity or "-"),
        ("runbook", decision.runbook or "-"),
        ("escalation", (decision.escalation or "NONE: nobody is paged") + via),
        ("route", matched),
        ("inhibited_by", _shown(result["inhibited_by"])),
    ]
    for name, value in rows:
        click.echo(f"{name:<13}{value}")
    for note in decision.notes:
        click.echo(f"note: {note}", err=True)
