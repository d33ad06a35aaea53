"""The report as rows: one per figure, for CSV and for the text tables."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

CSV_HEADER = ("figure", "scope", "statistic", "value", "count")
COMPARE_HEADER = ("figure", "baseline", "current", "change", "change_pct", "verdict")
DURATIONS = ("mtta_s", "mttr_s", "mttd_s")


def figure_rows(report: Mapping[str, Any]) -> Iterator[tuple[str, str, str, Any, Any]]:
    """``(figure, scope, statistic, value, count)`` for every figure of a report JSON."""
    yield ("incidents", "all", "opened", report["incidents"], report["incidents"])
    yield ("incidents", "all", "resolved", report["resolved"], report["resolved"])
    yield ("incidents", "all", "open", report["open"], report["open"])
    for name in DURATIONS:
        summary = report[name]
        for stat in ("mean", "median", "p90"):
            yield (name, "all", stat, summary[stat], summary["count"])
    yield (
        "false_alarm_rate",
        "all",
        "rate",
        report["false_alarm_rate"],
        report["false_alarms"]["resolved"],
    )
    for kind in ("runbook", "trigger"):
        for scope, rate in report[f"false_alarm_rate_per_{kind}"].items():
            yield ("false_alarm_rate", f"{kind}:{scope}", "rate", rate["rate"], rate["resolved"])
    yield ("drill_pass_rate", "all", "rate", report["drill_pass_rate"], report["drills"]["run"])
    for kind in ("scenario", "team"):
        for scope, rate in report[f"drill_pass_rate_per_{kind}"].items():
            yield ("drill_pass_rate", f"{kind}:{scope}", "rate", rate["rate"], rate["run"])
    for step in report["skipped_steps"]:
        scope = f"runbook:{step['runbook']}#{step['step']}"
        yield ("skipped_step", scope, "skipped", step["skipped"], step["incidents"])


def comparison_rows(comparison: list[Mapping[str, Any]]) -> Iterator[tuple[Any, ...]]:
    for row in comparison:
        yield tuple(row[key] for key in COMPARE_HEADER)
