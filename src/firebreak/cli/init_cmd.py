"""``firebreak init``: write the example workspace."""

from __future__ import annotations

from pathlib import Path

import click


@click.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path), default=".")
@click.option("--force", is_flag=True, help="Overwrite files the example would replace.")
def init(directory: Path, force: bool) -> None:
    """Write a working example workspace into DIRECTORY (default: the current folder).

    It covers the four scenarios (inference outage, quality anomaly, cost spike, third-party
    model-API failure) with people, teams, schedules in three time zones, escalation policies,
    runbooks and drills, and lints clean.

    \b
    Example:
      firebreak init demo && firebreak lint demo
    """
    from firebreak.clock import SystemClock
    from firebreak.examples import write_example

    if (directory / "firebreak.toml").is_file() and not force:
        click.echo(
            f"{directory}/ already holds a workspace; left as it is "
            "(pass --force to rewrite the example's files)",
            err=True,
        )
        return
    today = SystemClock().now().date()
    written = write_example(directory, today, force=force)
    click.echo(f"wrote {len(written)} files to {directory}/", err=True)
    click.echo(f"next: firebreak lint {directory}", err=True)
