"""`firebreak lint`: check runbooks, org and escalation chains; thin over firebreak.lint.run."""

from __future__ import annotations

import sys
from datetime import date

import click

from firebreak.cli.options import workspace_option


def _today(value: str | None) -> date:
    if value is None:
        from firebreak.clock import SystemClock

        return SystemClock().now().date()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"expected a date YYYY-MM-DD, got {value!r}", param_hint="--today"
        ) from None


@click.command(
    epilog="""\b
Examples:
  firebreak lint demo
  firebreak lint runbooks/ --select FB4 --fail-on warning
  firebreak lint --today 2026-12-01 --format json > findings.json
  firebreak lint one-runbook.md --format github"""
)
@click.argument("paths", nargs=-1, type=click.Path())
@workspace_option
@click.option(
    "--select",
    multiple=True,
    metavar="CODES",
    help="Only these codes or prefixes, comma-separated (FB2,FB401).",
)
@click.option(
    "--ignore",
    multiple=True,
    metavar="CODES",
    help="Skip these codes or prefixes, comma-separated.",
)
@click.option(
    "--fail-on",
    type=click.Choice(["error", "warning", "info"]),
    default="error",
    show_default=True,
    help="Exit 1 when a finding is at or above this severity.",
)
@click.option(
    "--today",
    metavar="YYYY-MM-DD",
    default=None,
    help="The day staleness is judged on (default: today, UTC).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "sarif", "github"]),
    default="text",
    show_default=True,
    help="Output format.",
)
def lint(
    paths: tuple[str, ...],
    workspace: str | None,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    fail_on: str,
    today: str | None,
    fmt: str,
) -> None:
    """Check runbooks, org and escalation chains.

    Each PATH is a workspace folder (firebreak.toml, org/ or runbooks/), a folder of loose .md
    runbooks, or a .md file; loose runbooks skip the org reference checks. Without PATH the
    workspace is linted. Exit status: 0 clean, 1 findings at or above --fail-on, 2 nothing could
    be read.
    """
    from firebreak.lint.output import RENDERERS, render_text
    from firebreak.lint.run import lint_paths, parse_codes
    from firebreak.workspace import resolve_root

    try:
        chosen, skipped = parse_codes(select), parse_codes(ignore)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    report = lint_paths(
        list(paths), resolve_root(workspace), _today(today), chosen, skipped, parallel=True
    )
    if fmt == "text":
        text = render_text(report, color=sys.stdout.isatty())
    else:
        text = RENDERERS[fmt](report)
    if text is not None:
        click.echo(text, nl=False)
    if not report.read_anything:
        click.echo("error: nothing could be read", err=True)
        raise click.exceptions.Exit(2)
    raise click.exceptions.Exit(1 if report.at_or_above(fail_on) else 0)
