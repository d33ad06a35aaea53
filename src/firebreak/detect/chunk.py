"""What an evaluator sees and returns: one trigger's telemetry over a run of evaluation steps
(``Chunk``), and per series and step the value and whether it fires (``Result``). Every trigger
kind's evaluator (``detect.kinds``, ``detect.sessions``) takes the one and returns the other;
``detect.engine`` cuts the chunks."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from firebreak.signals.schema import F64, I64, B, Events, StatusEvents
from firebreak.signals.windows import aggregate, bucket_key


@dataclass
class Chunk:
    """The telemetry one trigger sees for buckets ``b0 … b0 + n_buckets - 1``."""

    events: Events
    rows: I64
    buckets: I64  # relative to b0
    status: StatusEvents
    status_rows: I64
    status_buckets: I64
    n_series: int
    b0: int
    n_buckets: int
    step_s: float
    tag: str | None = None  # set when the rows are shared with other triggers

    def stats(self, names: tuple[str, ...]) -> dict[str, I64]:
        """Per (series, bucket) sums, shared by the triggers that select the same events."""
        if self.tag is None:
            return aggregate(
                self.events, self.rows, self.buckets, self.n_series, self.n_buckets, names
            )
        tag = f"stats:{self.tag}:{self.n_series}:{self.b0}:{self.n_buckets}:"
        missing = tuple(n for n in names if tag + n not in self.events.cache)
        if missing:
            if tag + "key" not in self.events.cache:
                self.events.cache[tag + "key"] = bucket_key(
                    self.rows, self.buckets, self.n_series, self.n_buckets
                )
            found = aggregate(
                self.events,
                self.rows,
                self.buckets,
                self.n_series,
                self.n_buckets,
                missing,
                self.events.cache[tag + "key"],
            )
            for name, value in found.items():
                self.events.cache[tag + name] = value
        return {n: self.events.cache[tag + n] for n in names}


@dataclass
class Result:
    """Per series (rows) and step (columns): the signal value and whether the trigger fires."""

    value: F64
    firing: B
    notes: dict[int, str] = field(default_factory=dict)  # row -> detail for the summary


class Evaluator(Protocol):
    def run(self, chunk: Chunk) -> Result: ...
