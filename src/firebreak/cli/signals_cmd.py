"""``firebreak signals``: look at signals in telemetry, and generate telemetry to try detectors."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import click

from firebreak.cli.options import format_option, workspace_option
from firebreak.durations import format_duration, parse_duration
from firebreak.errors import InputError

TELEMETRY_NAMES = ("telemetry.jsonl", "telemetry.parquet", "telemetry.csv", "telemetry.json")


@click.group()
def signals() -> None:
    """Compute signals from telemetry, or generate telemetry with faults.

    \b
    Examples:
      firebreak signals top error_ratio --telemetry calls.jsonl --service chat-api \\
          --by provider,model --last 15m
      firebreak signals generate --out calls.jsonl --hours 6 --fault outage@2h:30m
    """


def telemetry_paths(given: tuple[str, ...], workspace: str | None) -> list[Path]:
    """--telemetry files, else the workspace's telemetry.* or telemetry/ folder."""
    if given:
        return [Path(p) for p in given]
    from firebreak.workspace import resolve_root

    root = resolve_root(workspace)
    found = [root / n for n in TELEMETRY_NAMES if (root / n).is_file()]
    folder = root / "telemetry"
    if folder.is_dir():
        found += sorted(
            p for p in folder.iterdir() if p.suffix in (".jsonl", ".parquet", ".csv", ".json")
        )
    if not found:
        raise click.UsageError(
            f"no telemetry: pass --telemetry FILE (or put telemetry.jsonl in {root})"
        )
    return found


def prices_path(workspace: str | None) -> Path | None:
    from firebreak.workspace import resolve_root

    path = resolve_root(workspace) / "prices.yaml"
    return path if path.is_file() else None


@signals.command("top")
@click.argument("signal")
@click.option(
    "--telemetry",
    "-t",
    multiple=True,
    envvar="FIREBREAK_TELEMETRY",
    help="Telemetry file (repeatable). Default: the workspace's telemetry.*",
)
@workspace_option
@click.option("--service", default=None, help="Only this service.")
@click.option(
    "--by", default="provider,model", show_default=True, help="Labels to split by, comma-separated."
)
@click.option(
    "--last", "last", default="15m", show_default=True, help="Window ending at the last event."
)
@click.option(
    "--min-requests",
    type=click.IntRange(min=1),
    default=None,
    help="Rows with fewer calls show no data.",
)
@format_option("text", "json")
def top_cmd(
    signal: str,
    telemetry: tuple[str, ...],
    workspace: str | None,
    service: str | None,
    by: str,
    last: str,
    min_requests: int | None,
    fmt: str,
) -> None:
    """Show SIGNAL over the last window for each label set, worst first.

    \b
    Example:
      firebreak signals top error_ratio --service chat-api --by provider,model --last 15m
    """
    from firebreak.signals.readers import read_many
    from firebreak.signals.top import top

    try:
        window = parse_duration(last)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--last") from None
    data = read_many(telemetry_paths(telemetry, workspace), prices_path(workspace))
    labels = [b.strip() for b in by.split(",") if b.strip()]
    where = {"service": service} if service else {}
    end, rows = top(data, signal, labels, window.total_seconds(), where, min_requests)
    if fmt == "json":
        click.echo(
            json.dumps(
                {
                    "signal": signal,
                    "window": format_duration(window),
                    "end": datetime.fromtimestamp(end, tz=UTC).isoformat(),
                    "rows": [
                        {"labels": r.labels, "value": r.value, "requests": r.requests} for r in rows
                    ],
                },
                indent=2,
            )
        )
        return
    from firebreak.signals.windows import SESSION_SIGNALS

    if signal in SESSION_SIGNALS:
        labels.append("session")
    _print_top(signal, labels, rows, window, end)


def _print_top(
    signal: str, labels: list[str], rows: list[Any], window: timedelta, end: float
) -> None:
    from rich.console import Console
    from rich.table import Table

    stamp = datetime.fromtimestamp(end, tz=UTC).strftime("%Y-%m-%d %H:%M:%SZ")
    table = Table(title=f"{signal} over the {format_duration(window)} before {stamp}")
    for name in labels or ["(all)"]:
        table.add_column(name)
    table.add_column(signal, justify="right")
    table.add_column("calls", justify="right")
    for row in rows[:50]:
        shown = "no data" if row.value is None else f"{row.value:.4g}"
        cells = [row.labels.get(n, "") for n in labels] or ["all"]
        table.add_row(*cells, shown, str(row.requests))
    console = Console()
    if not console.is_terminal:
        console = Console(width=200)
    console.print(table)


@signals.command("generate")
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(dir_okay=False),
    help="Output file: .jsonl (events and status pages) or .parquet.",
)
@click.option(
    "--hours",
    type=click.FloatRange(min=0.01, max=24 * 60),
    default=24.0,
    show_default=True,
    help="Length of the traffic.",
)
@click.option(
    "--start", default=None, help="UTC start (ISO 8601); default: 7 days before now, at midnight."
)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option(
    "--scale",
    type=click.FloatRange(min=0.01, max=1000),
    default=1.0,
    show_default=True,
    help="Multiply every traffic rate.",
)
@click.option(
    "--fault",
    "faults",
    multiple=True,
    metavar="KIND@OFFSET[:DURATION][/k=v,…]",
    help="Inject a fault, e.g. provider_errors@2h:30m/provider=openai,error_type=429.",
)
def generate_cmd(
    out: str, hours: float, start: str | None, seed: int, scale: float, faults: tuple[str, ...]
) -> None:
    """Write generated AI-service telemetry, with faults, to try the detectors on.

    \b
    Example:
      firebreak signals generate --out calls.jsonl --hours 12 --fault quality_drop@6h:1h/gradual
    """
    from firebreak.clock import utcnow
    from firebreak.signals.generate import TrafficGenerator
    from firebreak.signals.writers import write

    if start is None:
        begin = (utcnow() - timedelta(days=7)).replace(hour=0, minute=0, second=0, microsecond=0)
    else:
        begin = _parse_start(start)
    end = begin + timedelta(hours=hours)
    parsed = [parse_fault(spec, begin) for spec in faults]
    gen = TrafficGenerator(seed=seed, faults=parsed, scale=scale)
    events = gen.events(begin, end)
    summaries = [s for _, s in gen.status(begin, end)]
    written = write(Path(out), events, summaries)
    click.echo(
        f"wrote {len(events)} calls and {len(summaries)} status samples from "
        f"{begin.isoformat()} to {end.isoformat()} into "
        f"{', '.join(str(p) for p in written)}",
        err=True,
    )


def _parse_start(text: str) -> datetime:
    try:
        stamp = datetime.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(
            f"{text!r} is not an ISO 8601 time", param_hint="--start"
        ) from None
    return stamp.replace(tzinfo=UTC) if stamp.tzinfo is None else stamp.astimezone(UTC)


def parse_fault(spec: str, begin: datetime) -> Any:
    """``KIND@OFFSET[:DURATION][/key=value,…]`` into a Fault (offset from the start)."""
    from firebreak.signals.generate import FAULT_KINDS, Fault

    head, _, extras = spec.partition("/")
    kind, at, when = head.partition("@")
    if kind not in FAULT_KINDS or not at:
        raise click.BadParameter(
            f"{spec!r}: expected KIND@OFFSET[:DURATION] with KIND one of {', '.join(FAULT_KINDS)}",
            param_hint="--fault",
        )
    offset, _, length = when.partition(":")
    options: dict[str, Any] = {}
    for item in filter(None, extras.split(",")):
        key, eq, value = item.partition("=")
        if key == "gradual" and not eq:
            options["gradual"] = True
        elif key in ("service", "provider", "error_type"):
            options[key] = value
        elif key == "strength":
            options[key] = float(value)
        else:
            raise click.BadParameter(
                f"{spec!r}: unknown option {key!r} (service, provider, "
                "error_type, strength, gradual)",
                param_hint="--fault",
            )
    try:
        start = begin + parse_duration(offset)
        duration = parse_duration(length) if length else None
        return Fault(kind, start, duration=duration, **options)  # type: ignore[arg-type]
    except (ValueError, InputError) as exc:
        raise click.BadParameter(f"{spec!r}: {exc}", param_hint="--fault") from None
