"""``firebreak report``: the three figures, baselines, and postmortem drafts from the store."""

from __future__ import annotations

import csv
import json
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from firebreak.cli.options import db_option, format_option, workspace_option
from firebreak.errors import InputError, WorkspaceError

if TYPE_CHECKING:
    from firebreak.metrics import Period
    from firebreak.store.db import Store

WHEN_HELP = "ISO date or time (UTC unless it says), or a duration back from now: 30d, 12h."


def parse_when(text: str, now: datetime, option: str) -> datetime:
    """``2026-11-01``, ``2026-11-01T09:00+01:00``, ``now`` or a duration meaning that long ago."""
    from firebreak.durations import parse_duration

    value = text.strip()
    if value == "now":
        return now
    try:
        return now - parse_duration(value)
    except ValueError:
        pass
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InputError(
            f"{option}: expected an ISO date (2026-11-01), a time (2026-11-01T09:00Z), "
            f"'now' or a duration such as 30d, got {text!r}"
        ) from None
    if len(value) == 10 and isinstance(date.fromisoformat(value), date):
        parsed = parsed.replace(tzinfo=UTC)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def open_report_store(workspace: str | None, db_url: str | None, *, create: bool = False) -> Store:
    """The store, from --db or the workspace's settings; a broken workspace elsewhere is fine.

    Reading never creates a SQLite file: a missing one is an empty store (no tables yet).
    """
    from sqlalchemy.engine import make_url

    from firebreak.cli.db_cmd import store_url
    from firebreak.store.db import open_store
    from firebreak.workspace import resolve_root

    if not db_url:
        root = resolve_root(workspace)
        if not root.is_dir():
            raise WorkspaceError(f"workspace folder not found: {root}; pass --workspace or --db")
    try:
        url = store_url(workspace, db_url)
    except InputError as exc:
        raise WorkspaceError(
            f"cannot read the store URL from the workspace: {exc}; fix it or pass --db URL"
        ) from None
    if not create and _missing_sqlite_file(url):
        click.echo(
            f"note: no store file at {make_url(url).database} yet: nothing recorded", err=True
        )
        return open_store("sqlite://")  # in memory, no tables: reads as an empty store
    return open_store(url)


def _missing_sqlite_file(url: str) -> bool:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError:
        return False  # open_store says what is wrong with it
    database = parsed.database or ""
    if parsed.get_backend_name() != "sqlite" or database in ("", ":memory:"):
        return False
    return not Path(database).exists()


def has_tables(store: Store) -> bool:
    """Whether the store was ever upgraded (a new store reads as empty, not as an error)."""
    from sqlalchemy import inspect
    from sqlalchemy.exc import OperationalError

    from firebreak.errors import StoreError

    try:
        return bool(inspect(store.engine).has_table("incidents"))
    except OperationalError as exc:
        first = str(getattr(exc, "orig", exc)).strip().splitlines()[0][:300]
        raise StoreError(f"cannot reach the store: {first}") from None


def _period(since: str | None, until: str | None) -> Period:
    from firebreak.clock import SystemClock
    from firebreak.metrics import Period

    # Periods read better in whole seconds; rounding now *up* keeps a drill or incident recorded
    # a moment ago inside the default period (``until`` is exclusive).
    clock_now = SystemClock().now()
    now = clock_now.replace(microsecond=0)
    if clock_now.microsecond:
        now += timedelta(seconds=1)
    start = parse_when(since, now, "--since") if since else None
    end = parse_when(until, now, "--until") if until else now
    if start is not None and start >= end:
        raise InputError(
            f"--since ({start:%Y-%m-%d %H:%M}) must come before --until ({end:%Y-%m-%d %H:%M})"
        )
    return Period(start, end)


def build_report(store: Store, period: Period, workspace: str | None) -> dict[str, Any]:
    """Read the period's records and compute every figure (empty when the store has no tables)."""
    from firebreak.metrics import compute
    from firebreak.metrics.load import figures_from_session

    if not has_tables(store):
        return compute([], [], period)
    with store.unit_of_work(readonly=True) as uow:
        return figures_from_session(
            uow.session, period, lambda wanted: _workspace_steps(workspace, wanted)
        )


def _workspace_steps(workspace: str | None, wanted: set[str]) -> dict[str, list[Any]]:
    """Steps of runbooks the store has no snapshot of, from the workspace when it loads."""
    from firebreak.metrics.load import runbook_steps
    from firebreak.workspace import load_workspace, resolve_root

    root = resolve_root(workspace)
    if not root.is_dir():
        return {}
    try:
        loaded = load_workspace(root).workspace
    except InputError:
        return {}
    return dict(runbook_steps(loaded.runbooks, wanted))


@click.group(invoke_without_command=True)
@workspace_option
@db_option
@click.option("--since", default=None, metavar="WHEN", help=f"Start of the period. {WHEN_HELP}")
@click.option("--until", default=None, metavar="WHEN", help="End of the period (default: now).")
@format_option("text", "json", "csv")
@click.option(
    "--compare", "compare_name", default=None, metavar="NAME", help="Compare with a saved baseline."
)
@click.pass_context
def report(
    ctx: click.Context,
    workspace: str | None,
    db_url: str | None,
    since: str | None,
    until: str | None,
    fmt: str,
    compare_name: str | None,
) -> None:
    """MTTA, MTTR, MTTD, false alarm rate and drill pass rate for a period.

    Incidents count in the period they opened in; drills are kept out of the production
    figures. Each time is given as mean, median and p90.

    \b
    Examples:
      firebreak report --since 30d
      firebreak report --since 2026-10-01 --until 2026-11-01 --format json
      firebreak report baseline save before-failover --since 30d
      firebreak report --since 30d --compare before-failover
      firebreak report postmortem 42 --out postmortem-42.md
    """
    ctx.obj = {"workspace": workspace, "db_url": db_url, "since": since, "until": until}
    if ctx.invoked_subcommand is not None:
        return
    period = _period(since, until)
    store = open_report_store(workspace, db_url)
    try:
        figures = build_report(store, period, workspace)
        comparison = _comparison(store, compare_name, figures) if compare_name else None
    finally:
        store.dispose()
    if fmt == "json":
        if comparison is not None:
            figures = {**figures, "comparison": comparison}
        click.echo(json.dumps(figures, indent=2))
    elif fmt == "csv":
        _write_csv(figures, comparison)
    else:
        from firebreak.cli.report_text import print_report

        print_report(figures, comparison)


def _comparison(store: Store, name: str, figures: dict[str, Any]) -> dict[str, Any]:
    from firebreak.errors import NotFound
    from firebreak.metrics import compare
    from firebreak.metrics.load import get_baseline

    if not has_tables(store):
        raise NotFound(f"no baseline named {name!r}; none is saved yet")
    with store.unit_of_work(readonly=True) as uow:
        saved = get_baseline(uow.session, name)
        baseline_figures = dict(saved.figures)
        saved_at = saved.created_at
    return {
        "baseline": saved.name,
        "saved_at": saved_at.isoformat(),
        "baseline_period": baseline_figures.get("period"),
        "figures": [c.to_json() for c in compare(baseline_figures, figures)],
    }


def _write_csv(figures: dict[str, Any], comparison: dict[str, Any] | None) -> None:
    from firebreak.metrics.tabular import (
        COMPARE_HEADER,
        CSV_HEADER,
        comparison_rows,
        figure_rows,
    )

    writer = csv.writer(sys.stdout, lineterminator="\n")
    if comparison is not None:
        writer.writerow(COMPARE_HEADER)
        writer.writerows(_blank(r) for r in comparison_rows(comparison["figures"]))
        return
    writer.writerow(CSV_HEADER)
    writer.writerows(_blank(r) for r in figure_rows(figures))


def _blank(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """CSV has no null: an unknown figure is an empty cell, never 0."""
    return tuple("" if v is None else v for v in row)


def _inherit(ctx: click.Context, **given: str | None) -> dict[str, str | None]:
    parent = ctx.find_root().obj or {}
    obj = ctx.obj or parent
    return {key: value if value is not None else obj.get(key) for key, value in given.items()}


@report.group()
def baseline() -> None:
    """Save the figures under a name before a change, to compare after it."""


@baseline.command("save")
@click.argument("name")
@workspace_option
@db_option
@click.option("--since", default=None, metavar="WHEN", help=f"Start of the period. {WHEN_HELP}")
@click.option("--until", default=None, metavar="WHEN", help="End of the period (default: now).")
@click.option("--replace", is_flag=True, help="Overwrite a baseline of the same name.")
@click.pass_context
def baseline_save(
    ctx: click.Context,
    name: str,
    workspace: str | None,
    db_url: str | None,
    since: str | None,
    until: str | None,
    replace: bool,
) -> None:
    """Save the period's figures as baseline NAME.

    \b
    Example:
      firebreak report baseline save before-failover --since 30d
    """
    from firebreak.clock import SystemClock
    from firebreak.metrics.load import check_name, save_baseline

    opts = _inherit(ctx, workspace=workspace, db_url=db_url, since=since, until=until)
    name = check_name(name)
    period = _period(opts["since"], opts["until"])
    store = open_report_store(opts["workspace"], opts["db_url"], create=True)
    try:
        store.upgrade()
        figures = build_report(store, period, opts["workspace"])
        with store.unit_of_work() as uow:
            save_baseline(uow.session, name, figures, SystemClock().now(), replace=replace)
    finally:
        store.dispose()
    click.echo(
        f"saved baseline {name!r}: {figures['incidents']} incident(s), "
        f"{figures['drills']['run']} drill(s)",
        err=True,
    )


@baseline.command("list")
@workspace_option
@db_option
@click.pass_context
def baseline_list(ctx: click.Context, workspace: str | None, db_url: str | None) -> None:
    """List saved baselines: name, when saved, and the period they cover."""
    from firebreak.metrics.load import list_baselines

    opts = _inherit(ctx, workspace=workspace, db_url=db_url)
    store = open_report_store(opts["workspace"], opts["db_url"])
    try:
        if not has_tables(store):
            rows = []
        else:
            with store.unit_of_work(readonly=True) as uow:
                rows = [
                    (b.name, b.created_at, b.figures.get("period") or {})
                    for b in list_baselines(uow.session)
                ]
    finally:
        store.dispose()
    if not rows:
        click.echo("no baseline saved yet", err=True)
    for name, created, period in rows:
        click.echo(
            f"{name}\tsaved {created:%Y-%m-%d %H:%M} UTC\t"
            f"{(period.get('since') or 'the start')[:16]} .. {(period.get('until') or 'now')[:16]}"
        )


@report.command("postmortem")
@click.argument("incident_id", type=int)
@workspace_option
@db_option
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False),
    default=None,
    help="Write the draft to FILE (default: standard output).",
)
@click.pass_context
def postmortem(
    ctx: click.Context,
    incident_id: int,
    workspace: str | None,
    db_url: str | None,
    out: str | None,
) -> None:
    """Write a postmortem draft in Markdown from INCIDENT_ID's record.

    \b
    Example:
      firebreak report postmortem 42 --out postmortems/42.md
    """
    opts = _inherit(ctx, workspace=workspace, db_url=db_url)
    store = open_report_store(opts["workspace"], opts["db_url"])
    try:
        text = postmortem_for(store, incident_id, opts["workspace"])
    finally:
        store.dispose()
    if out is None:
        click.echo(text, nl=False)
        return
    target = Path(out)
    if not target.parent.is_dir():
        raise InputError(f"--out: folder does not exist: {target.parent}")
    partial = target.with_name(target.name + ".partial")
    partial.write_text(text, encoding="utf-8")
    partial.replace(target)
    click.echo(f"wrote {target}", err=True)


def postmortem_for(store: Store, incident_id: int, workspace: str | None) -> str:
    """The postmortem draft of one stored incident."""
    from firebreak.errors import NotFound
    from firebreak.incidents.postmortem import postmortem_markdown
    from firebreak.metrics.load import incident_record

    if not has_tables(store):
        raise NotFound(f"incident {incident_id} does not exist (the store is empty)")
    with store.unit_of_work(readonly=True) as uow:
        row = uow.incidents.get(incident_id)
        timeline = list(uow.incidents.timeline(incident_id))
        roles = list(uow.incidents.roles(incident_id, history=True))
        steps = list(uow.incidents.steps(incident_id))
        pages = list(uow.notifications.for_incident(incident_id))
        record = incident_record(row, steps)
        runbook: Any = row.runbook
    if runbook is None and record.runbook_id:
        runbook = _workspace_runbook(workspace, record.runbook_id)
    return postmortem_markdown(record, timeline, roles, steps, runbook, pages)


def _workspace_runbook(workspace: str | None, runbook_id: str) -> Any:
    from firebreak.errors import InputError
    from firebreak.workspace import load_workspace, resolve_root

    root = resolve_root(workspace)
    if not root.is_dir():
        return None
    try:
        return load_workspace(root).workspace.runbook(runbook_id)
    except InputError:
        return None
