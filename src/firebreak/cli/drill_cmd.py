"""``firebreak drill``: rehearse scenarios on the drill clock, live against a server, or tabletop."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING

import click

from firebreak.cli.options import db_option, format_option, workspace_option
from firebreak.errors import InputError

if TYPE_CHECKING:
    from firebreak.drills.catalog import Entry
    from firebreak.drills.results import DrillResult
    from firebreak.store.db import Store
    from firebreak.workspace import Workspace


@click.command()
@click.argument("names", nargs=-1)
@click.option("--all", "run_all", is_flag=True, help="Run every drill (the default without NAME).")
@workspace_option
@db_option
@format_option("text", "json")
@click.option("--live", "live_url", metavar="URL", help="Send a drill alert to a running server.")
@click.option(
    "--key",
    envvar="FIREBREAK_INTEGRATION_KEY",
    show_envvar=True,
    metavar="KEY",
    help="Generic integration key of the server (for --live).",
)
@click.option(
    "--token",
    envvar="FIREBREAK_TOKEN",
    show_envvar=True,
    metavar="TOKEN",
    help="API token to follow the live drill's incident until it resolves.",
)
@click.option(
    "--wait",
    default="30m",
    show_default=True,
    help="How long to follow a live drill's incident (with --token).",
)
@click.option("--tabletop", is_flag=True, help="Walk a person through the drill in the terminal.")
@click.option(
    "--as",
    "person",
    metavar="PERSON",
    help="Who is walking through the tabletop (a person id), recorded as taking part.",
)
@click.option(
    "--coverage",
    is_flag=True,
    help="List who has not drilled a runbook they may be paged for (last 90 days).",
)
@click.option("--no-record", is_flag=True, help="Do not store the result in drill_runs.")
def drill(
    names: tuple[str, ...],
    run_all: bool,
    workspace: str | None,
    db_url: str | None,
    fmt: str,
    live_url: str | None,
    key: str | None,
    token: str | None,
    wait: str,
    tabletop: bool,
    person: str | None,
    coverage: bool,
    no_record: bool,
) -> None:
    """Rehearse scenarios through the real pipeline and grade them.

    Each drill runs on a simulated clock: generated traffic with the scenario's faults goes through
    the runbooks' triggers, the incident pipeline, escalation and a recording channel, and
    simulated responders acknowledge and work the runbook. The drill's incidents live in a
    throwaway in-memory store; only the verdict is recorded in the workspace's store (drill_runs).
    Exit status: 0 no drill failed (an unverified live drill is not a failure, nor a pass),
    1 one failed, 2 bad input.

    \b
    Examples:
      firebreak drill --all
      firebreak drill chat-api-total-outage --format json
      firebreak drill --tabletop provider-429-storm --as dana
      firebreak drill --coverage
      firebreak drill --live http://127.0.0.1:8080 --key $KEY chat-api-total-outage
    """
    from firebreak.drills.catalog import load_catalog, select
    from firebreak.drills.results import save
    from firebreak.workspace import require, resolve_root

    if run_all and names:
        raise click.UsageError("give drill names or --all, not both")
    if live_url and tabletop:
        raise click.UsageError("--live and --tabletop are different kinds of drill; choose one")
    if (live_url or tabletop) and len(names) != 1:
        raise click.UsageError("--live and --tabletop run exactly one drill: give its NAME")
    ws = require(resolve_root(workspace))
    if coverage:
        _coverage(ws, db_url, fmt)
        return
    if person is not None and person not in ws.org.people:
        raise click.BadParameter(f"unknown person {person!r}", param_hint="--as")
    entries = select(load_catalog(ws), list(names))
    store = None if no_record else _open_store(ws, db_url)  # a bad --db fails before the drill
    try:
        results = _run(entries, ws, fmt, (live_url, key, token, wait), tabletop, person)
        if store is not None:
            save(store, results)
    finally:
        if store is not None:
            store.dispose()
    _print(results, fmt)
    raise click.exceptions.Exit(1 if any(r.verdict == "failed" for r in results) else 0)


def _run(
    entries: Sequence[Entry],
    ws: Workspace,
    fmt: str,
    live_args: tuple[str | None, str | None, str | None, str],
    tabletop: bool,
    person: str | None,
) -> list[DrillResult]:
    live_url, key, token, wait = live_args
    if tabletop:
        results = [_tabletop(entries[0], ws, person, to_stderr=fmt == "json")]
    elif live_url:
        results = [_live(entries[0], ws, live_url, key, token, wait)]
    else:
        results = _simulate(entries, ws, fmt)
    return results


def _simulate(entries: Sequence[Entry], ws: Workspace, fmt: str) -> list[DrillResult]:
    from firebreak.clock import SystemClock
    from firebreak.drills.runner import run_drill

    clock = SystemClock()
    results = []
    for entry in entries:
        if fmt == "text":
            click.echo(f"running {entry.name} …", err=True)
        results.append(run_drill(entry, ws, clock.now(), clock))
    return results


def _tabletop(entry: Entry, ws: Workspace, person: str | None, *, to_stderr: bool) -> DrillResult:
    """Walk through one drill; with JSON output the conversation goes to standard error."""
    from firebreak.clock import SystemClock
    from firebreak.drills.catalog import team_of
    from firebreak.drills.results import DrillResult
    from firebreak.drills.tabletop import walk

    clock = SystemClock()
    started = clock.now()
    at = started

    def ask(prompt: str) -> str:
        try:
            return str(click.prompt(prompt, default="", show_default=False, err=to_stderr))
        except click.exceptions.Abort:
            raise InputError(
                "the tabletop ended before every question was answered; nothing was recorded"
            ) from None

    def say(text: str) -> None:
        click.echo(text, err=to_stderr)

    objectives, answers, runbook = walk(entry.scenario, ws, at, (ask, say, clock.monotonic))
    return DrillResult(
        name=entry.name,
        scenario=entry.scenario.scenario,
        team=team_of(entry.scenario, ws),
        objectives=objectives,
        started_at=started,
        finished_at=clock.now(),
        mode="tabletop",
        runbook=runbook.id,
        wall_s=answers.total_s,
        participants=[person] if person else [],
    )


def _live(
    entry: Entry, ws: Workspace, url: str, key: str | None, token: str | None, wait: str
) -> DrillResult:
    import httpx

    from firebreak.clock import SystemClock
    from firebreak.drills import live
    from firebreak.drills.catalog import team_of
    from firebreak.drills.results import DrillResult
    from firebreak.drills.tabletop import expected_runbook, paged_people
    from firebreak.durations import parse_duration

    if not key:
        raise click.UsageError("--live needs the server's generic integration key: --key KEY")
    try:
        patience = parse_duration(wait)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--wait") from None
    clock = SystemClock()
    started = clock.now()
    runbook = expected_runbook(entry.scenario, ws)
    target = live.LiveTarget(url, key, token)
    with httpx.Client(timeout=10.0) as client:
        objectives = [live.send(client, target, live.drill_alert(entry.scenario, runbook, started))]
        click.echo(
            f"drill alert sent to {url.rstrip('/')}; real people are being paged (DRILL)", err=True
        )
        incident = None
        if token:
            incident = live.follow(client, target, entry.scenario, started, clock, patience)
            objectives += live.grade_live(entry.scenario, incident)
        objectives.append(live.verified(token is not None, incident, wait))
    return DrillResult(
        name=entry.name,
        scenario=entry.scenario.scenario,
        team=team_of(entry.scenario, ws),
        objectives=objectives,
        started_at=started,
        finished_at=clock.now(),
        mode="live",
        runbook=runbook.id if runbook else None,
        participants=paged_people(entry.scenario, ws, runbook, started),
    )


def _coverage(ws: Workspace, db_url: str | None, fmt: str) -> None:
    from firebreak.clock import SystemClock
    from firebreak.drills.coverage import participations, undrilled

    store = _open_store(ws, db_url)
    try:
        gaps = undrilled(ws, participations(store), SystemClock().now())
    finally:
        store.dispose()
    if fmt == "json":
        click.echo(json.dumps({"undrilled": [g.as_json() for g in gaps]}, indent=2))
        return
    if not gaps:
        click.echo("everyone who may be paged has drilled each of their runbooks in 90 days")
        return
    click.echo("not drilled in the last 90 days (person, runbook, last drill):")
    for gap in gaps:
        last = gap.last_drilled.date().isoformat() if gap.last_drilled else "never"
        click.echo(f"  {gap.person:<12} {gap.runbook:<32} {last}")


def _open_store(ws: Workspace, db_url: str | None) -> Store:
    """The workspace's store (``--db`` wins), migrated, for the drill_runs rows."""
    from firebreak.store.db import open_store

    store = open_store(db_url or ws.db_url)
    try:
        store.upgrade()
    except BaseException:
        store.dispose()
        raise
    return store


def _print(results: Sequence[DrillResult], fmt: str) -> None:
    from firebreak.drills.results import pass_rate, report_json

    if fmt == "json":
        click.echo(json.dumps(report_json(results), indent=2))
        return
    for result in results:
        mark = {"passed": "PASS", "failed": "FAIL", "unverified": "UNVERIFIED"}[result.verdict]
        click.echo(f"{mark}  {result.name}  ({result.scenario}, {result.mode})")
        width = max((len(o.name) for o in result.objectives), default=0)
        for o in result.objectives:
            click.echo(f"  {'ok  ' if o.passed else 'FAIL'}  {o.name:<{width}}  {o.reason}")
    rate = pass_rate(results)
    passed = sum(r.passed for r in results)
    counted = [r for r in results if r.verdict != "unverified"]
    shown = f"{rate:.0%}" if rate is not None else "n/a"
    unverified = len(results) - len(counted)
    note = f"; {unverified} unverified, not counted" if unverified else ""
    click.echo(f"\ndrill pass rate: {passed}/{len(counted)} ({shown}{note})")
