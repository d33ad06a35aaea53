"""Summary statistics: mean, median and p90 with one interpolation rule, and rates.

Percentiles interpolate linearly between the two nearest ranks (the rule of numpy's default
and of ``statistics.quantiles(method="inclusive")``), so the median of an even count is the
mean of the middle two. Empty input gives None, never 0.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any


def percentile(sorted_values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0..100) of already sorted values; None when there are none."""
    if not sorted_values:
        return None
    if not 0 <= q <= 100:
        raise ValueError(f"a percentile is between 0 and 100, got {q}")
    position = (len(sorted_values) - 1) * q / 100
    low = math.floor(position)
    high = min(low + 1, len(sorted_values) - 1)
    fraction = position - low
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * fraction


@dataclass(frozen=True)
class Summary:
    """Mean, median and p90 of a set of durations in seconds (None when the set is empty)."""

    count: int
    mean: float | None
    median: float | None
    p90: float | None

    @classmethod
    def of(cls, values: Iterable[float]) -> Summary:
        ordered = sorted(values)
        if not ordered:
            return cls(0, None, None, None)
        return cls(
            count=len(ordered),
            mean=sum(ordered) / len(ordered),
            median=percentile(ordered, 50),
            p90=percentile(ordered, 90),
        )

    def to_json(self) -> dict[str, Any]:
        return {"mean": self.mean, "median": self.median, "p90": self.p90, "count": self.count}


@dataclass(frozen=True)
class Rate:
    """A share: ``hits`` out of ``total``; the value is None when ``total`` is 0."""

    hits: int
    total: int

    @property
    def value(self) -> float | None:
        return self.hits / self.total if self.total else None

    def to_json(self) -> dict[str, Any]:
        return {"rate": self.value, "hits": self.hits, "total": self.total}
