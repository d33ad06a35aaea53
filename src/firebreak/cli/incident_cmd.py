"""``firebreak incident``: change an incident from the command line (as the API does)."""

from __future__ import annotations

import click

from firebreak.cli.options import db_option, workspace_option


@click.group()
def incident() -> None:
    """Change an incident in the store."""


@incident.command("fault-start")
@click.argument("incident_id", type=click.IntRange(min=1))
@click.option(
    "--at",
    "when",
    required=True,
    metavar="WHEN",
    help="When the fault began: an ISO time (UTC unless it has an offset) or a duration ago (25m).",
)
@click.option("--as", "actor", default=None, metavar="PERSON", help="Who says so (a person id).")
@workspace_option
@db_option
def fault_start(
    incident_id: int, when: str, actor: str | None, workspace: str | None, db_url: str | None
) -> None:
    """Set when the fault behind an incident began, for MTTD.

    \b
    Example:
      firebreak incident fault-start 42 --at 2026-12-01T09:14:00Z --as dana
      firebreak incident fault-start 42 --at 40m
    """
    from firebreak.cli.db_cmd import store_url
    from firebreak.cli.report_cmd import parse_when
    from firebreak.clock import SystemClock
    from firebreak.incidents import actions
    from firebreak.store.db import open_store

    now = SystemClock().now()
    at = parse_when(when, now, "--at")
    store = open_store(store_url(workspace, db_url))
    try:
        with store.unit_of_work() as uow:
            actions.set_fault_start(uow, incident_id, at, actor or "cli", now)
    finally:
        store.dispose()
    click.echo(f"incident {incident_id}: fault started at {at.isoformat()}", err=True)
