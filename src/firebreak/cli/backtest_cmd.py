"""``firebreak backtest``: replay telemetry through a workspace's triggers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from firebreak.cli.options import format_option, workspace_option

PROGRESS_FROM = 200_000  # events: show a progress bar on input at least this long


@click.command()
@workspace_option
@click.option(
    "--telemetry",
    "-t",
    multiple=True,
    type=click.Path(dir_okay=False),
    help="Telemetry file (repeatable), for the triggers on signals.",
)
@click.option(
    "--since",
    metavar="TIME",
    default=None,
    help="With --until: backtest the promql triggers over query_range of [sources.prometheus] "
    "(ISO 8601, UTC unless an offset is given).",
)
@click.option("--until", metavar="TIME", default=None, help="End of the promql backtest.")
@click.option(
    "--labels",
    type=click.Path(dir_okay=False),
    default=None,
    help="Labelled incidents: CSV start,end,service,scenario (UTC ISO 8601).",
)
@click.option(
    "--max-false-per-week",
    type=click.FloatRange(min=0),
    default=1.0,
    show_default=True,
    help="False alarm budget for suggested thresholds.",
)
@click.option("--step", default="30s", show_default=True, help="Evaluation interval.")
@format_option("text", "json")
def backtest(
    workspace: str | None,
    telemetry: tuple[str, ...],
    labels: str | None,
    max_false_per_week: float,
    step: str,
    fmt: str,
    since: str | None,
    until: str | None,
) -> None:
    """Show when each trigger would have fired over the telemetry, and how well.

    \b
    Examples:
      firebreak backtest --workspace demo --telemetry calls.jsonl --labels incidents.csv
      firebreak backtest --workspace demo --since 2026-11-24T00:00 --until 2026-12-01T00:00
    """
    from firebreak.detect.backtest import read_labels
    from firebreak.durations import parse_duration
    from firebreak.workspace import require, resolve_root

    root = resolve_root(workspace)
    ws = require(root)
    try:
        interval = parse_duration(step)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--step") from None
    if (since is None) != (until is None):
        raise click.UsageError("give --since and --until together")
    if not telemetry and since is None:
        raise click.UsageError("give --telemetry FILE, or --since and --until for promql triggers")
    incidents = read_labels(Path(labels)) if labels else None
    result: dict[str, Any] = {"triggers": []}
    if telemetry:
        result = _events(ws, root, telemetry, incidents, max_false_per_week, interval)
    if since is not None and until is not None:
        result["triggers"] += _promql(ws, since, until, interval, incidents)
    if fmt == "json":
        click.echo(json.dumps(result, indent=2))
    else:
        _print(result)


def _promql(ws: Any, since: str, until: str, step: Any, incidents: Any) -> list[dict[str, Any]]:
    from firebreak.cli.oncall_cmd import parse_at
    from firebreak.detect.backtest import promql_report
    from firebreak.detect.promql import backtest, client_for, promql_plans

    start, end = parse_at(since), parse_at(until)
    if end <= start:
        raise click.BadParameter("must be after --since", param_hint="--until")
    if not promql_plans(ws.runbooks):
        return []
    source = ws.settings.sources.prometheus
    if source is None:
        raise click.UsageError(
            "the promql triggers need [sources.prometheus] url in firebreak.toml"
        )
    client = client_for(source)
    try:
        results = backtest(ws.runbooks, client, start, end, step)
    finally:
        client.close()
    return promql_report(results, incidents, start.timestamp(), end.timestamp())


def _events(
    ws: Any, root: Path, telemetry: tuple[str, ...], incidents: Any, max_false: float, interval: Any
) -> dict[str, Any]:
    from firebreak.detect.backtest import report
    from firebreak.detect.batch import evaluate
    from firebreak.detect.plan import compile_plans
    from firebreak.signals.readers import read_many

    prices = root / "prices.yaml"
    data = read_many([Path(p) for p in telemetry], prices if prices.is_file() else None)
    plans = compile_plans(ws.runbooks, interval)
    with _progress(len(data.events) >= PROGRESS_FROM, 2 * len(plans)) as advance:
        outcomes = [evaluate(plan, data, progress=advance) for plan in plans]
        return report(outcomes, data, incidents, max_false, advance)


class _progress:
    """A rich progress bar on standard error, or nothing on short input."""

    def __init__(self, show: bool, total: int) -> None:
        self.show, self.total = show, total
        self.bar: Any = None

    def __enter__(self) -> Any:
        if not self.show:
            return lambda n: None
        from rich.console import Console
        from rich.progress import Progress

        self.bar = Progress(console=Console(stderr=True), transient=True)
        self.bar.start()
        task = self.bar.add_task("backtest", total=self.total)
        return lambda n: self.bar.advance(task, n)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()


def _print(result: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="backtest")
    for name in (
        "runbook",
        "#",
        "signal",
        "kind",
        "firings",
        "precision",
        "recall",
        "false/week",
        "delay p50",
        "suggested",
    ):
        table.add_column(name)

    def show(value: Any, fmt: str = "{:.2f}") -> str:
        return "-" if value is None else fmt.format(value)

    for t in result["triggers"]:
        table.add_row(
            t["runbook"],
            str(t["trigger"] + 1),
            t["signal"],
            t["kind"],
            str(len(t["firings"])),
            show(t["precision"]),
            show(t["recall"]),
            show(t["false_alarms_per_week"]),
            show(t["detection_delay_s"]["median"], "{:.0f}s"),
            show(t.get("suggested_threshold"), "{:g}"),
        )
    console = Console()
    if not console.is_terminal:
        console = Console(width=200)
    console.print(table)
