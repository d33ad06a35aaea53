"""The request-event schema as columnar numpy arrays, with labels encoded to integer codes.

One row per model call (DESIGN.md, Signals). Labels (service, provider, …) are kept as
:class:`Cat`: an int32 code per row plus the list of distinct values, so grouping and
filtering run on integers. Numbers are float64 with NaN meaning "absent".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
I32 = npt.NDArray[np.int32]
B = npt.NDArray[np.bool_]

LABELS: tuple[str, ...] = ("service", "provider", "model", "operation", "error_type", "session")
NUMBERS: tuple[str, ...] = (
    "latency_s",
    "ttft_s",
    "input_tokens",
    "output_tokens",
    "cost_usd",
    "quality",
)
REQUIRED: tuple[str, ...] = ("time", "service", "provider", "model", "status")
COLUMNS: tuple[str, ...] = (
    "time",
    "service",
    "provider",
    "model",
    "operation",
    "status",
    "error_type",
    "latency_s",
    "ttft_s",
    "input_tokens",
    "output_tokens",
    "cost_usd",
    "quality",
    "refusal",
    "session",
)
THROTTLE_TYPES = frozenset({"429", "529"})
TIMEOUT_TYPES = frozenset({"timeout", "408", "504"})


@dataclass
class Cat:
    """A label column: ``codes[i]`` indexes ``levels``; -1 means the label is absent."""

    codes: I32
    levels: list[str]

    @classmethod
    def from_values(cls, values: Sequence[str | None]) -> Cat:
        levels = sorted({v for v in values if v is not None})
        index = {v: i for i, v in enumerate(levels)}
        codes = np.fromiter(
            (index[v] if v is not None else -1 for v in values), dtype=np.int32, count=len(values)
        )
        return cls(codes, levels)

    @classmethod
    def constant(cls, value: str | None, n: int) -> Cat:
        if value is None:
            return cls(np.full(n, -1, dtype=np.int32), [])
        return cls(np.zeros(n, dtype=np.int32), [value])

    def code_of(self, value: str) -> int:
        """The code of ``value``, or -2 (matches nothing) when it never occurs."""
        try:
            return self.levels.index(value)
        except ValueError:
            return -2

    def mask_in(self, values: frozenset[str]) -> B:
        hits = np.array([lv in values for lv in self.levels] + [False], dtype=bool)
        return hits[self.codes]  # code -1 picks the trailing False

    def value(self, i: int) -> str | None:
        code = int(self.codes[i])
        return self.levels[code] if code >= 0 else None

    def take(self, index: npt.NDArray[np.intp] | B) -> Cat:
        return Cat(self.codes[index], self.levels)


@dataclass
class Events:
    """Request events, sorted by time (seconds since the epoch, UTC)."""

    time: F64
    labels: dict[str, Cat]
    error: B
    numbers: dict[str, F64]
    refusal: F64  # 1.0 refused, 0.0 not, NaN unknown
    cache: dict[str, Any] = field(default_factory=dict, repr=False)  # derived columns

    def __len__(self) -> int:
        return int(self.time.shape[0])

    @classmethod
    def empty(cls) -> Events:
        n = 0
        return cls(
            np.zeros(n),
            {k: Cat.constant(None, n) for k in LABELS},
            np.zeros(n, dtype=bool),
            {k: np.zeros(n) for k in NUMBERS},
            np.zeros(n),
        )

    def take(self, index: npt.NDArray[np.intp] | B) -> Events:
        """The chosen rows; label and number columns are gathered when first read."""
        return Events(
            self.time[index],
            _Lazy(self.labels, lambda c: c.take(index)),
            self.error[index],
            _Lazy(self.numbers, lambda v: v[index]),
            self.refusal[index],
        )

    def sorted(self) -> Events:
        """Sorted by time (stable: rows with equal times keep their order)."""
        if len(self) < 2 or bool(np.all(np.diff(self.time) >= 0)):
            return self
        return self.take(np.argsort(self.time, kind="stable"))

    def error_kind(self, kinds: frozenset[str]) -> B:
        """Rows that failed with an error type in ``kinds`` (cached per set)."""
        key = "kind:" + ",".join(sorted(kinds))
        if key not in self.cache:
            self.cache[key] = self.error & self.labels["error_type"].mask_in(kinds)
        found: B = self.cache[key]
        return found

    def buckets(self, step_s: float) -> I64:
        """``floor(time / step)`` per row (cached per step)."""
        key = f"buckets:{step_s}"
        if key not in self.cache:
            self.cache[key] = np.floor(self.time / step_s).astype(np.int64)
        found: I64 = self.cache[key]
        return found


class _Lazy(dict[str, Any]):
    """A column dict whose columns are derived from another one on first access."""

    def __init__(self, base: dict[str, Any], derive: Any) -> None:
        super().__init__()
        self._base, self._derive = base, derive

    def __missing__(self, key: str) -> Any:
        value = self[key] = self._derive(self._base[key])
        return value

    def __contains__(self, key: object) -> bool:
        return key in self._base

    def __iter__(self) -> Any:
        return iter(self._base)

    def __len__(self) -> int:
        return len(self._base)

    def keys(self) -> Any:
        return self._base.keys()

    def items(self) -> Any:
        return [(k, self[k]) for k in self._base]

    def values(self) -> Any:
        return [self[k] for k in self._base]


def concat(parts: Sequence[Events]) -> Events:
    """Join event sets, merging label levels, and sort by time."""
    parts = [p for p in parts if len(p)]
    if not parts:
        return Events.empty()
    if len(parts) == 1:
        return parts[0].sorted()
    labels = {}
    for name in LABELS:
        levels = sorted({lv for p in parts for lv in p.labels[name].levels})
        index = {v: i for i, v in enumerate(levels)}
        codes = []
        for p in parts:
            cat = p.labels[name]
            remap = np.array([index[v] for v in cat.levels] + [-1], dtype=np.int32)
            codes.append(remap[cat.codes])
        labels[name] = Cat(np.concatenate(codes), levels)
    merged = Events(
        np.concatenate([p.time for p in parts]),
        labels,
        np.concatenate([p.error for p in parts]),
        {k: np.concatenate([p.numbers[k] for p in parts]) for k in NUMBERS},
        np.concatenate([p.refusal for p in parts]),
    )
    return merged.sorted()


@dataclass
class StatusEvents:
    """Provider status samples from status pages: 0 operational … 3 major outage."""

    time: F64
    provider: Cat
    level: F64

    def __len__(self) -> int:
        return int(self.time.shape[0])

    @classmethod
    def empty(cls) -> StatusEvents:
        return cls(np.zeros(0), Cat.constant(None, 0), np.zeros(0))

    @classmethod
    def from_rows(cls, rows: Sequence[tuple[float, str, float]]) -> StatusEvents:
        ordered = sorted(rows, key=lambda r: r[0])
        return cls(
            np.array([r[0] for r in ordered], dtype=np.float64),
            Cat.from_values([r[1] for r in ordered]),
            np.array([r[2] for r in ordered], dtype=np.float64),
        )

    def rows(self) -> list[tuple[float, str, float]]:
        return [
            (float(self.time[i]), self.provider.value(i) or "", float(self.level[i]))
            for i in range(len(self))
        ]


@dataclass
class Telemetry:
    """Everything the detectors read: request events and provider status samples."""

    events: Events = field(default_factory=Events.empty)
    status: StatusEvents = field(default_factory=StatusEvents.empty)

    def merge(self, other: Telemetry) -> Telemetry:
        status = StatusEvents.from_rows(self.status.rows() + other.status.rows())
        return Telemetry(concat([self.events, other.events]), status)

    def span(self) -> tuple[float, float] | None:
        """First and last time seen, over events and status samples."""
        times = [a for a in (self.events.time, self.status.time) if a.shape[0]]
        if not times:
            return None
        return min(float(a[0]) for a in times), max(float(a[-1]) for a in times)
