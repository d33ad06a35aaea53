"""Printing for ``firebreak report``: rich tables for people."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.console import Console
from rich.table import Table

from firebreak.durations import format_duration


def seconds(value: float | None) -> str:
    return "–" if value is None else format_duration(round(value))


def percent(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}%"


def _period_text(period: Mapping[str, Any]) -> str:
    since = (period.get("since") or "the start")[:16].replace("T", " ")
    until = (period.get("until") or "now")[:16].replace("T", " ")
    return f"{since} → {until} UTC"


def print_report(figures: Mapping[str, Any], comparison: Mapping[str, Any] | None) -> None:
    console = Console(highlight=False)
    console.print(f"[bold]firebreak report[/bold]  {_period_text(figures['period'])}")
    if figures["incidents"] == 0 and figures["drills"]["run"] == 0:
        console.print("No incidents in the period, and no drills: nothing to measure yet.")
    else:
        _incidents(console, figures)
        _drills(console, figures)
        _skipped(console, figures)
    if comparison is not None:
        _comparison(console, comparison)


def _incidents(console: Console, figures: Mapping[str, Any]) -> None:
    if figures["incidents"] == 0:
        console.print("No incidents in the period (drills are counted apart).")
        return
    resolutions = ", ".join(f"{n} {k}" for k, n in figures["resolutions"].items())
    console.print(
        f"{figures['incidents']} incident(s): {figures['resolved']} resolved"
        + (f" ({resolutions})" if resolutions else "")
        + f", {figures['open']} open; {figures['drill_incidents']} drill incident(s) left out."
    )
    times = Table(title="Times", title_justify="left")
    for column in ("Figure", "Mean", "Median", "p90", "Count"):
        times.add_column(column, justify="left" if column == "Figure" else "right")
    for key, label in (
        ("mtta_s", "MTTA (to acknowledge)"),
        ("mttr_s", "MTTR (to resolve)"),
        ("mttd_s", "MTTD (to detect)"),
    ):
        s = figures[key]
        times.add_row(
            label, seconds(s["mean"]), seconds(s["median"]), seconds(s["p90"]), str(s["count"])
        )
    console.print(times)
    fa = figures["false_alarms"]
    console.print(
        f"False alarm rate: [bold]{percent(figures['false_alarm_rate'])}[/bold] "
        f"({fa['false_alarms']} of {fa['resolved']} resolved)"
    )
    for kind in ("runbook", "trigger"):
        _rates(
            console,
            f"False alarm rate per {kind}",
            figures[f"false_alarm_rate_per_{kind}"],
            "false_alarms",
            "resolved",
        )


def _drills(console: Console, figures: Mapping[str, Any]) -> None:
    drills = figures["drills"]
    if drills["run"] == 0:
        console.print("Drill pass rate: – (no drill run in the period)")
        return
    console.print(
        f"Drill pass rate: [bold]{percent(figures['drill_pass_rate'])}[/bold] "
        f"({drills['passed']} of {drills['run']} passed)"
    )
    for kind in ("scenario", "team"):
        _rates(
            console,
            f"Drill pass rate per {kind}",
            figures[f"drill_pass_rate_per_{kind}"],
            "passed",
            "run",
        )


def _rates(console: Console, title: str, rates: Mapping[str, Any], hits: str, total: str) -> None:
    if not rates:
        return
    table = Table(title=title, title_justify="left")
    table.add_column(title.rsplit(" ", 1)[-1].capitalize())
    table.add_column("Rate", justify="right")
    table.add_column(hits.replace("_", " ").capitalize(), justify="right")
    table.add_column(total.capitalize(), justify="right")
    for name, rate in rates.items():
        table.add_row(name, percent(rate["rate"]), str(rate[hits]), str(rate[total]))
    console.print(table)


def _skipped(console: Console, figures: Mapping[str, Any]) -> None:
    steps = figures["skipped_steps"]
    if not steps:
        return
    table = Table(title="Runbook steps most often skipped", title_justify="left")
    for column in ("Runbook", "Step", "What it says", "Skipped", "Of"):
        table.add_column(column, justify="right" if column in ("Skipped", "Of") else "left")
    for s in steps:
        text = s["text"] if len(s["text"]) <= 60 else s["text"][:59] + "…"
        table.add_row(s["runbook"], s["step"], text, str(s["skipped"]), str(s["incidents"]))
    console.print(table)


def _comparison(console: Console, comparison: Mapping[str, Any]) -> None:
    table = Table(
        title=f"Against baseline {comparison['baseline']!r} "
        f"(saved {comparison['saved_at'][:16].replace('T', ' ')} UTC)",
        title_justify="left",
    )
    for column in ("Figure", "Baseline", "Now", "Change", "%", "Verdict"):
        table.add_column(column, justify="left" if column in ("Figure", "Verdict") else "right")
    style = {"better": "green", "worse": "red", "same": "", "n/a": "dim"}
    for row in comparison["figures"]:
        show = percent if row["figure"].endswith("_rate") else seconds
        change = row["change"]
        change_text = (
            "–"
            if change is None
            else ("+" if change > 0 else "")
            + (f"{100 * change:.1f} pts" if show is percent else seconds(change))
        )
        pct = "–" if row["change_pct"] is None else f"{row['change_pct']:+.1f}%"
        verdict = row["verdict"]
        table.add_row(
            row["figure"],
            show(row["baseline"]),
            show(row["current"]),
            change_text,
            pct,
            f"[{style[verdict]}]{verdict}[/]" if style[verdict] else verdict,
        )
    console.print(table)
