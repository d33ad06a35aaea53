"""Decay alarms: a figure that worsened past the threshold the team set in ``[review]``.

- ``mttr_worse_by``: the period's median MTTR is more than this fraction above the baseline's;
- ``false_alarm_rate_above``: the period's false alarm rate is above this;
- ``drill_pass_rate_below``: the period's drill pass rate is below this.

A figure with no value (no resolved incident, no drill run) raises no alarm: nothing measured
is not the same as worse.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from firebreak.settings import ReviewSection


def _median(figures: Mapping[str, Any] | None, key: str) -> float | None:
    if not figures:
        return None
    value = (figures.get(key) or {}).get("median")
    return float(value) if isinstance(value, int | float) else None


def _number(figures: Mapping[str, Any], key: str) -> float | None:
    value = figures.get(key)
    return float(value) if isinstance(value, int | float) else None


def decay_alarms(
    current: Mapping[str, Any], baseline: Mapping[str, Any] | None, review: ReviewSection
) -> list[dict[str, Any]]:
    """Each alarm as ``{"figure", "value", "limit", "message"}``; empty when nothing decayed."""
    alarms: list[dict[str, Any]] = []
    mttr_now, mttr_then = _median(current, "mttr_s"), _median(baseline, "mttr_s")
    if review.mttr_worse_by is not None and mttr_now is not None and mttr_then:
        limit = mttr_then * (1 + review.mttr_worse_by)
        if mttr_now > limit:
            alarms.append(
                {
                    "figure": "mttr_s.median",
                    "value": mttr_now,
                    "limit": limit,
                    "message": (
                        f"median MTTR {_dur(mttr_now)} is {mttr_now / mttr_then - 1:.0%} worse "
                        f"than the baseline's {_dur(mttr_then)} "
                        f"(alarm above {review.mttr_worse_by:.0%} worse)"
                    ),
                }
            )
    fa = _number(current, "false_alarm_rate")
    if (
        review.false_alarm_rate_above is not None
        and fa is not None
        and fa > review.false_alarm_rate_above
    ):
        alarms.append(
            {
                "figure": "false_alarm_rate",
                "value": fa,
                "limit": review.false_alarm_rate_above,
                "message": (
                    f"false alarm rate {fa:.0%} is above the limit of "
                    f"{review.false_alarm_rate_above:.0%}"
                ),
            }
        )
    dp = _number(current, "drill_pass_rate")
    if (
        review.drill_pass_rate_below is not None
        and dp is not None
        and dp < review.drill_pass_rate_below
    ):
        alarms.append(
            {
                "figure": "drill_pass_rate",
                "value": dp,
                "limit": review.drill_pass_rate_below,
                "message": (
                    f"drill pass rate {dp:.0%} is below the limit of "
                    f"{review.drill_pass_rate_below:.0%}"
                ),
            }
        )
    return alarms


def _dur(seconds: float) -> str:
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} h"
    if seconds >= 60:
        return f"{seconds / 60:.0f} min"
    return f"{seconds:.0f} s"
