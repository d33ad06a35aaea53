"""`firebreak import`: bring in what a team already has (schedules, policies, alert rules)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from firebreak.cli.options import format_option, workspace_option


@click.group(name="import")
def import_() -> None:
    """Import org data or alert rules from other tools into the workspace.

    \b
    Examples:
      firebreak import pagerduty users.json schedules.json escalation_policies.json --workspace demo
      firebreak import prometheus-rules rules/*.yaml --workspace demo
    """


def _org_command(source: str, module: str, tool: str) -> click.Command:
    @click.command(
        name=source,
        help=f"Import users, teams, schedules, escalation policies and services from {tool}'s "
        f"REST API JSON (see docs/import.md for the curl that exports each) into "
        f"org/imported-{source}.yaml. What has no equivalent is listed, never dropped. "
        "Nothing is written unless the whole result loads.",
        epilog=f"\b\nExample:\n  firebreak import {source} exports/*.json --workspace demo",
    )
    @click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
    @workspace_option
    @click.option(
        "--prefix",
        default="",
        metavar="TEXT",
        help="Put TEXT before every imported id (pd- gives pd-dana), to avoid ids already in org/.",
    )
    @format_option("text", "json")
    def command(files: tuple[str, ...], workspace: str | None, prefix: str, fmt: str) -> None:
        import importlib

        from firebreak.imports.common import write_org
        from firebreak.workspace import resolve_root

        convert: Callable[[list[Path], str], Any] = importlib.import_module(module).convert
        imported = convert([Path(f) for f in files], prefix)
        root = resolve_root(workspace)
        target = write_org(root, imported)
        shown = target.relative_to(root) if target.is_relative_to(root) else target
        if fmt == "json":
            click.echo(
                json.dumps(
                    {
                        "path": str(shown),
                        "counts": imported.counts(),
                        "unmapped": imported.unmapped,
                    },
                    indent=2,
                )
            )
            return
        counts = ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in imported.counts().items())
        click.echo(f"wrote {shown}: {counts}")
        if imported.unmapped:
            click.echo(f"not carried over ({len(imported.unmapped)}, also listed in the file):")
            for line in imported.unmapped:
                click.echo(f"  - {line}")

    return command


import_.add_command(_org_command("pagerduty", "firebreak.imports.pagerduty", "PagerDuty"))
import_.add_command(_org_command("opsgenie", "firebreak.imports.opsgenie", "Opsgenie"))
import_.add_command(
    _org_command("grafana-oncall", "firebreak.imports.grafana_oncall", "Grafana OnCall")
)


@import_.command(
    name="prometheus-rules",
    epilog="""\b
Examples:
  firebreak import prometheus-rules rules/*.yaml --workspace demo
  firebreak lint demo --select FB1,FB2,FB4""",
)
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@workspace_option
@format_option("text", "json")
def prometheus_rules(files: tuple[str, ...], workspace: str | None, fmt: str) -> None:
    """Turn each alerting rule into runbooks/imported/<alertname>.md with a promql trigger.

    Its `for`, labels, severity and runbook_url are kept; the sections a person must still write
    are marked TODO, and `firebreak lint` lists them. Recording rules are reported and skipped.
    Rule files (groups:) and Prometheus Operator PrometheusRule objects are read.
    """
    from firebreak.imports.prometheus_rules import read_rules, write_runbooks
    from firebreak.workspace import resolve_root

    root = resolve_root(workspace)
    imported = read_rules([Path(f) for f in files])
    written = write_runbooks(root, imported)
    shown = [str(p.relative_to(root)) if p.is_relative_to(root) else str(p) for p in written]
    if fmt == "json":
        report = {"runbooks": shown, "recording_rules": imported.recording, "notes": imported.notes}
        click.echo(json.dumps(report, indent=2))
        return
    click.echo(f"wrote {len(shown)} runbook(s) under runbooks/imported/:")
    for path in shown:
        click.echo(f"  {path}")
    if imported.recording:
        click.echo(f"skipped {len(imported.recording)} recording rule(s) (no alert to page on):")
        for name in imported.recording:
            click.echo(f"  {name}")
    for note in imported.notes:
        click.echo(f"not carried over: {note}")
    click.echo("next: firebreak lint (it lists what each runbook still needs)")
