"""``firebreak detect``: score a timestamp,value series and flag alarms, one row per row."""

from __future__ import annotations

from pathlib import Path

import click

from firebreak.durations import parse_duration


@click.command()
@click.option(
    "--input",
    "input_path",
    required=True,
    type=click.Path(dir_okay=False),
    help="CSV with a header timestamp,value.",
)
@click.option(
    "--kind",
    type=click.Choice(["anomaly", "change", "threshold"]),
    default="anomaly",
    show_default=True,
    help="Detector.",
)
@click.option(
    "--output",
    "output",
    type=click.Path(dir_okay=False),
    default=None,
    help="Write timestamp,value,score,alarm here (default: standard output).",
)
@click.option("--above", type=float, default=None, help="threshold: alarm while value > X.")
@click.option("--below", type=float, default=None, help="threshold: alarm while value < X.")
@click.option(
    "--for",
    "for_",
    default=None,
    metavar="DURATION",
    help="threshold: the condition must hold this long (Prometheus `for`).",
)
@click.option(
    "--sensitivity",
    type=click.FloatRange(min=0.1),
    default=5.0,
    show_default=True,
    help="anomaly: noise sigmas beyond the recent range to alarm (higher: fewer alarms).",
)
def detect(
    input_path: str,
    kind: str,
    output: str | None,
    above: float | None,
    below: float | None,
    for_: str | None,
    sensitivity: float,
) -> None:
    """Score each row of a timestamp,value CSV and flag alarms (score >= 0, alarm 0 or 1).

    \b
    Examples:
      firebreak detect --input cpu.csv --output scored.csv
      firebreak detect --input errors.csv --kind threshold --above 0.05 --for 2m
    """
    from firebreak.detect.series import Options, read_series, score_series, write_output

    if kind == "threshold" and (above is None) == (below is None):
        raise click.UsageError("--kind threshold needs exactly one of --above or --below")
    if kind != "threshold" and (above is not None or below is not None or for_):
        raise click.UsageError("--above, --below and --for go with --kind threshold")
    try:
        for_s = parse_duration(for_).total_seconds() if for_ else None
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--for") from None
    series = read_series(Path(input_path))
    if series.repeated:
        click.echo(
            f"warning: {series.repeated} rows repeat an earlier timestamp; "
            "they are scored in input order",
            err=True,
        )
    options = Options(kind=kind, above=above, below=below, for_s=for_s, sensitivity=sensitivity)
    score, alarm = score_series(series, options)
    text = write_output(Path(output) if output else None, series, score, alarm)
    if text is not None:
        click.echo(text, nl=False)
    click.echo(f"{int(alarm.sum())} of {alarm.shape[0]} rows in alarm", err=True)
