"""``firebreak token`` and ``firebreak integration``: create, list and revoke secrets.

``create`` prints the new secret once, alone on standard output; everything else goes to
standard error, so ``TOKEN=$(firebreak token create --role viewer)`` captures just the secret.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

import click

from firebreak.cli.db_cmd import store_url
from firebreak.cli.options import db_option, workspace_option
from firebreak.incidents.model import INTEGRATION_KINDS

T = TypeVar("T")


def _with_store(workspace: str | None, db_url: str | None, work: Callable[[Any], T]) -> T:
    from firebreak.store.db import open_store

    store = open_store(store_url(workspace, db_url))
    try:
        store.upgrade()
        with store.unit_of_work() as uow:
            return work(uow)
    finally:
        store.dispose()


@click.group()
def token() -> None:
    """Create, list and revoke API tokens (roles viewer < responder < admin)."""


@token.command("create")
@click.option("--role", type=click.Choice(["viewer", "responder", "admin"]), required=True)
@click.option("--name", default="", help="A label for the token (who or what uses it).")
@click.option(
    "--person",
    default=None,
    help="A person id from the org: the token signs in as them (actions read person:ID).",
)
@workspace_option
@db_option
def token_create(
    role: str, name: str, person: str | None, workspace: str | None, db_url: str | None
) -> None:
    """Create a token and print it once on standard output.

    \b
    Example:
      firebreak token create --person dana --role responder --workspace demo
    """
    from firebreak.clock import utcnow
    from firebreak.web.credentials import create_token

    if person is not None:
        _check_person(workspace, person)
    ident, secret = _with_store(
        workspace, db_url, lambda uow: create_token(uow, role, name, utcnow(), person)
    )
    who = f" for person:{person}" if person else ""
    click.echo(f"created {role} token {ident}{who}; it is shown once, store it now", err=True)
    click.echo(secret)


def _check_person(workspace: str | None, person: str) -> None:
    """The person must be in the workspace's org (so the token can act as someone real)."""
    from firebreak.workspace import require, resolve_root

    people = require(resolve_root(workspace).resolve()).org.people
    if person not in people:
        known = ", ".join(sorted(people)) or "none"
        raise click.ClickException(f"--person: {person!r} is not in the org; people: {known}")


@token.command("list")
@workspace_option
@db_option
def token_list(workspace: str | None, db_url: str | None) -> None:
    """List tokens (id, name, role, last use); secrets are never shown."""
    from firebreak.web.credentials import list_tokens

    click.echo(json.dumps(_with_store(workspace, db_url, list_tokens), indent=2))


@token.command("revoke")
@click.argument("token_id", type=int)
@workspace_option
@db_option
def token_revoke(token_id: int, workspace: str | None, db_url: str | None) -> None:
    """Revoke a token by id; requests with it are refused from then on."""
    from firebreak.clock import utcnow
    from firebreak.web.credentials import revoke_token

    done = _with_store(workspace, db_url, lambda uow: revoke_token(uow, token_id, utcnow()))
    if not done:
        raise click.ClickException(f"no live token with id {token_id}")
    click.echo(f"token {token_id} revoked", err=True)


@click.group()
def integration() -> None:
    """Create, list and revoke intake integration keys (one per sender)."""


@integration.command("create")
@click.option("--kind", type=click.Choice(INTEGRATION_KINDS), required=True)
@click.option("--name", default="", help="A label for the sender, e.g. 'prod alertmanager'.")
@click.option("--service", default=None, help="Bind its alerts to this service (an org id).")
@click.option(
    "--escalation", default=None, help="Bind its alerts to this escalation policy (an org id)."
)
@workspace_option
@db_option
def integration_create(
    kind: str,
    name: str,
    service: str | None,
    escalation: str | None,
    workspace: str | None,
    db_url: str | None,
) -> None:
    """Create an integration and print its key once on standard output.

    Its alerts get the bound service and policy unless a label or a route says otherwise.

    \b
    Example:
      firebreak integration create --kind alertmanager --name prod --service chat-api
    """
    from firebreak.clock import utcnow
    from firebreak.web.credentials import create_integration

    if service or escalation:
        _check_binding(workspace, service, escalation)
    ident, key = _with_store(
        workspace,
        db_url,
        lambda uow: create_integration(
            uow, kind, name, utcnow(), service=service, escalation=escalation
        ),
    )
    bound = ", ".join(
        f"{what} {value}" for what, value in (("service", service), ("policy", escalation)) if value
    )
    click.echo(
        f"created {kind} integration {ident}{f' bound to {bound}' if bound else ''}; "
        "the key is shown once",
        err=True,
    )
    click.echo(key)


def _check_binding(workspace: str | None, service: str | None, escalation: str | None) -> None:
    """Refuse a binding to ids the workspace's org does not define."""
    from firebreak.workspace import load_workspace, resolve_root

    org = load_workspace(resolve_root(workspace)).workspace.org
    if service and service not in org.services:
        known = ", ".join(sorted(org.services)) or "none"
        raise click.BadParameter(
            f"no service {service!r} in org/ (known: {known})", param_hint="--service"
        )
    if escalation and escalation not in org.escalation_policies:
        known = ", ".join(sorted(org.escalation_policies)) or "none"
        raise click.BadParameter(
            f"no escalation policy {escalation!r} in org/ (known: {known})",
            param_hint="--escalation",
        )


@integration.command("list")
@workspace_option
@db_option
def integration_list(workspace: str | None, db_url: str | None) -> None:
    """List integrations (id, kind, name); keys are never shown."""
    from firebreak.web.credentials import list_integrations

    click.echo(json.dumps(_with_store(workspace, db_url, list_integrations), indent=2))


@integration.command("revoke")
@click.argument("integration_id", type=int)
@workspace_option
@db_option
def integration_revoke(integration_id: int, workspace: str | None, db_url: str | None) -> None:
    """Revoke an integration by id; its key is refused from then on."""
    from firebreak.clock import utcnow
    from firebreak.web.credentials import revoke_integration

    done = _with_store(
        workspace, db_url, lambda uow: revoke_integration(uow, integration_id, utcnow())
    )
    if not done:
        raise click.ClickException(f"no live integration with id {integration_id}")
    click.echo(f"integration {integration_id} revoked", err=True)
