"""Baselines: the figures captured under a name before a change, compared after it.

A baseline is the JSON of :func:`firebreak.metrics.figures.compute`. Comparing lines up the
headline figures of two such JSONs and says, for each, whether it got better or worse: lower
times and a lower false alarm rate are better, a higher drill pass rate is better.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

Direction = Literal["lower", "higher"]
Verdict = Literal["better", "worse", "same", "n/a"]

# (figure, how it is read from the report JSON, which way is better)
FIGURES: tuple[tuple[str, tuple[str, ...], Direction], ...] = tuple(
    [
        (f"{name}.{stat}", (name, stat), "lower")
        for name in ("mtta_s", "mttr_s", "mttd_s")
        for stat in ("mean", "median", "p90")
    ]
    + [
        ("false_alarm_rate", ("false_alarm_rate",), "lower"),
        ("drill_pass_rate", ("drill_pass_rate",), "higher"),
    ]
)


def headline(report: Mapping[str, Any]) -> dict[str, float | None]:
    """The figures a baseline compares, read from a report JSON (missing ones are None)."""
    out: dict[str, float | None] = {}
    for name, path, _ in FIGURES:
        value: Any = report
        for part in path:
            value = value.get(part) if isinstance(value, Mapping) else None
        out[name] = float(value) if isinstance(value, int | float) else None
    return out


@dataclass(frozen=True)
class Comparison:
    figure: str
    baseline: float | None
    current: float | None
    better: Direction

    @property
    def change(self) -> float | None:
        if self.baseline is None or self.current is None:
            return None
        return self.current - self.baseline

    @property
    def change_pct(self) -> float | None:
        """The change as a percentage of the baseline; None when the baseline is 0 or unknown."""
        if self.change is None or not self.baseline:
            return None
        return 100.0 * self.change / abs(self.baseline)

    @property
    def verdict(self) -> Verdict:
        change = self.change
        if change is None:
            return "n/a"
        if change == 0:
            return "same"
        improved = change < 0 if self.better == "lower" else change > 0
        return "better" if improved else "worse"

    def to_json(self) -> dict[str, Any]:
        return {
            "figure": self.figure,
            "baseline": self.baseline,
            "current": self.current,
            "change": self.change,
            "change_pct": self.change_pct,
            "better_when": self.better,
            "verdict": self.verdict,
        }


def compare(baseline: Mapping[str, Any], current: Mapping[str, Any]) -> list[Comparison]:
    """For each headline figure: the baseline value, the current value and which way it moved."""
    before = headline(baseline)
    after = headline(current)
    return [Comparison(name, before[name], after[name], way) for name, _, way in FIGURES]
