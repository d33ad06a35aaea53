"""``firebreak handoff``, ``firebreak review`` and ``firebreak baseline``: the maintenance loop."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from firebreak.cli.options import db_option, format_option, workspace_option
from firebreak.errors import InputError

if TYPE_CHECKING:
    from firebreak.store.db import Store
    from firebreak.workspace import Workspace


def _duration(text: str, option: str) -> timedelta:
    from firebreak.durations import parse_duration

    try:
        return parse_duration(text)
    except ValueError as exc:
        raise InputError(f"{option}: {exc}") from None


def _open(workspace: str | None, db_url: str | None) -> tuple[Workspace, Store, bool]:
    """The workspace, its store, and whether the store holds any history yet.

    A store that was never written reads as an empty history (an upgraded in-memory store), so
    a new workspace gets every section, empty, rather than an error.
    """
    from firebreak.cli.report_cmd import has_tables, open_report_store
    from firebreak.store.db import open_store
    from firebreak.workspace import require, resolve_root

    ws = require(resolve_root(workspace))
    store = open_report_store(workspace, db_url)
    if not has_tables(store):
        store.dispose()
        store = open_store("sqlite://")
        store.upgrade()
        return ws, store, False
    return ws, store, True


def _emit(data: dict[str, Any], fmt: str, markdown: str) -> None:
    if fmt == "json":
        click.echo(json.dumps(data, indent=2))
    else:
        click.echo(markdown, nl=False)


@click.command()
@workspace_option
@db_option
@click.option("--since", default="12h", show_default=True, help="How far back the shift goes.")
@format_option("markdown", "json", default="markdown")
def handoff(workspace: str | None, db_url: str | None, since: str, fmt: str) -> None:
    """The shift handoff: incidents and where they stand, follow-ups, noisy triggers, steps
    skipped, who is on call next, stale runbooks and drills due.

    \b
    Examples:
      firebreak handoff --since 12h
      firebreak handoff --since 7d --format json
    """
    from firebreak.clock import SystemClock
    from firebreak.review.handoff import build_handoff
    from firebreak.review.render import handoff_markdown

    span = _duration(since, "--since")
    ws, store, recorded = _open(workspace, db_url)
    try:
        with store.unit_of_work(readonly=True) as uow:
            data = build_handoff(ws, uow.session, SystemClock().now(), span)
    finally:
        store.dispose()
    if not recorded:
        click.echo("note: no history recorded yet: the store is empty", err=True)
    _emit(data, fmt, handoff_markdown(data))


@click.command()
@workspace_option
@db_option
@click.option(
    "--period", default="7d", show_default=True, help="The period reviewed, back from now."
)
@click.option("--weeks", default=6, show_default=True, type=int, help="Weeks of trend shown.")
@click.option(
    "--baseline",
    "baseline_name",
    default=None,
    metavar="NAME",
    help="Compare with this saved baseline (default: [review] baseline, else the newest).",
)
@click.option(
    "--baseline-file",
    default=None,
    type=click.Path(dir_okay=False),
    help="Compare with a file of `firebreak report --format json` instead.",
)
@click.option(
    "--telemetry",
    "-t",
    multiple=True,
    type=click.Path(dir_okay=False),
    help="Telemetry to backtest the noisy triggers on, for suggested thresholds.",
)
@click.option("--send", is_flag=True, help="Post the review to [review] to through the channels.")
@format_option("markdown", "json", default="markdown")
def review(
    workspace: str | None,
    db_url: str | None,
    period: str,
    weeks: int,
    baseline_name: str | None,
    baseline_file: str | None,
    telemetry: tuple[str, ...],
    send: bool,
    fmt: str,
) -> None:
    """The weekly review against the baseline: decay alarms first, the three figures and their
    trend, stale runbooks, drills not run, execution gaps, drill coverage per person, triggers by
    false alarms per week, key-person risk.

    \b
    Examples:
      firebreak review
      firebreak review --period 14d --format json
      firebreak review --telemetry last-week.jsonl --send
    """
    from firebreak.clock import SystemClock
    from firebreak.review.render import review_markdown
    from firebreak.review.weekly import backtest_suggestions, build_review, read_baseline_file

    span = _duration(period, "--period")
    if baseline_name and baseline_file:
        raise InputError("--baseline and --baseline-file: give one of them")
    chosen = read_baseline_file(Path(baseline_file)) if baseline_file else None
    ws, store, recorded = _open(workspace, db_url)
    try:
        suggestions = backtest_suggestions(ws, [Path(t) for t in telemetry]) if telemetry else None
        with store.unit_of_work() as uow:
            data = build_review(
                ws,
                uow.session,
                SystemClock().now(),
                span,
                weeks=weeks,
                baseline_name=baseline_name,
                baseline=chosen,
                suggestions=suggestions,
            )
    finally:
        store.dispose()
    if not recorded:
        click.echo("note: no history recorded yet: the store is empty", err=True)
    for name in data["baselines_saved_now"]:
        click.echo(f"baseline capture {name!r} completed and saved", err=True)
    text = review_markdown(data)
    if send:
        _send(ws, data, text)
    _emit(data, fmt, text)


def _send(ws: Workspace, data: dict[str, Any], text: str) -> None:
    from firebreak.errors import FirebreakError
    from firebreak.notify.live import live_channels
    from firebreak.review.send import send_review

    results = send_review(ws, data, text, live_channels(ws.settings.channels))
    failed = [r for r in results if not r.ok]
    for r in results:
        state = "sent" if r.ok else f"FAILED ({r.error})"
        click.echo(f"review to {r.person} via {r.contact_type}: {state}", err=True)
    if failed and len(failed) == len(results):
        raise FirebreakError("--send: the review reached nobody; see the lines above")


@click.group()
def baseline() -> None:
    """Capture a baseline over a period before changing anything (two weeks by default)."""


@baseline.command("start")
@click.argument("name", default="baseline")
@workspace_option
@db_option
@click.option("--over", default="14d", show_default=True, help="How long the capture runs.")
def baseline_start(name: str, workspace: str | None, db_url: str | None, over: str) -> None:
    """Start capturing baseline NAME from now; the service saves it when the period ends.

    \b
    Example:
      firebreak baseline start before-new-runbooks --over 14d
    """
    from firebreak.cli.report_cmd import open_report_store
    from firebreak.clock import SystemClock
    from firebreak.review.capture import start_capture

    span = _duration(over, "--over")
    store = open_report_store(workspace, db_url, create=True)
    try:
        store.upgrade()
        with store.unit_of_work() as uow:
            row = start_capture(uow.session, name, SystemClock().now(), span)
            ends = row.ends_at
    finally:
        store.dispose()
    click.echo(
        f"capturing baseline {name!r} until {ends:%Y-%m-%d %H:%M} UTC; `firebreak serve` saves "
        "it then, and `firebreak review` compares with it",
        err=True,
    )


@baseline.command("status")
@workspace_option
@db_option
@format_option("text", "json")
def baseline_status(workspace: str | None, db_url: str | None, fmt: str) -> None:
    """List baseline captures and where each stands."""
    from firebreak.clock import SystemClock
    from firebreak.review.capture import captures

    _ws, store, _ = _open(workspace, db_url)
    try:
        with store.unit_of_work(readonly=True) as uow:
            rows = captures(uow.session, SystemClock().now())
    finally:
        store.dispose()
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        click.echo("no baseline capture started", err=True)
    for r in rows:
        click.echo(f"{r['name']}\t{r['state']}\t{r['since'][:16]} .. {r['until'][:16]}")
