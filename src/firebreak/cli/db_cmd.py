"""``firebreak db``: manage the store."""

from __future__ import annotations

import click

from firebreak.cli.options import db_option, workspace_option


def store_url(workspace: str | None, db_url: str | None) -> str:
    """The store URL: ``--db``, else the workspace's firebreak.toml, else its firebreak.db file."""
    if db_url:
        return db_url
    from firebreak.settings import load_settings
    from firebreak.workspace import resolve_root

    root = resolve_root(workspace)
    settings = load_settings(root / "firebreak.toml")
    return settings.store.url or f"sqlite:///{root.resolve() / 'firebreak.db'}"


@click.group()
def db() -> None:
    """Manage the store (SQLite file or PostgreSQL)."""


@db.command()
@workspace_option
@db_option
def upgrade(workspace: str | None, db_url: str | None) -> None:
    """Create or migrate the store's tables to the latest version.

    \b
    Example:
      firebreak db upgrade --workspace demo
      firebreak db upgrade --db postgresql://firebreak@db.internal/firebreak
    """
    from firebreak.store.db import open_store

    store = open_store(store_url(workspace, db_url))
    before = store.current_revision()
    store.upgrade()
    after = store.current_revision()
    store.dispose()
    if before == after:
        click.echo(f"store is up to date (revision {after})", err=True)
    else:
        click.echo(f"store upgraded from {before or 'empty'} to revision {after}", err=True)
