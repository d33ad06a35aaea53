"""A telemetry generator for tests, drills and benchmarks: AI-service traffic with faults.

Traffic has daily seasonality (quiet nights, busy afternoons UTC, calmer weekends), several
services, providers and models, log-normal token counts and latencies, Beta-distributed eval
quality, refusals, priced calls, and agent sessions of 5 to 15 steps whose context grows.
Faults (:class:`Fault`) are injected at chosen times and strengths. Output is deterministic for a
seed, whatever the chunking: traffic is drawn per hour block from a seed derived from
``(seed, hour, service)``, so ``events(a, c)`` equals ``events(a, b)`` followed by ``events(b, c)``.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from firebreak.errors import Location
from firebreak.signals import traffic
from firebreak.signals.faults import FAULT_KINDS, Fault, apply_faults, runaway_session, status_pages
from firebreak.signals.providers import PROVIDERS as PROVIDERS
from firebreak.signals.schema import Events, StatusEvents, Telemetry, concat
from firebreak.signals.statuspage import status_sample

Arr = np.ndarray[Any, np.dtype[Any]]

__all__ = ["FAULT_KINDS", "Fault", "ServiceProfile", "TrafficGenerator", "generate"]

MODELS: dict[str, dict[str, float]] = {
    "openai": {"gpt-4.1": 0.6, "gpt-4.1-mini": 0.4},
    "anthropic": {"claude-sonnet-4-5": 0.7, "claude-haiku-4-5": 0.3},
    "google": {"gemini-2.5-flash": 1.0},
    "mistral": {"mistral-large": 1.0},
}
PRICES: dict[str, tuple[float, float]] = {  # USD per million input, output tokens
    "gpt-4.1": (2.0, 8.0),
    "gpt-4.1-mini": (0.4, 1.6),
    "claude-sonnet-4-5": (3.0, 15.0),
    "claude-haiku-4-5": (1.0, 5.0),
    "gemini-2.5-flash": (0.3, 2.5),
    "mistral-large": (2.0, 6.0),
}
MODEL_LIST = tuple(m for p in PROVIDERS for m in MODELS[p])
SECONDS_PER_TOKEN = {
    "gpt-4.1": 0.012,
    "gpt-4.1-mini": 0.006,
    "claude-sonnet-4-5": 0.014,
    "claude-haiku-4-5": 0.007,
    "gemini-2.5-flash": 0.005,
    "mistral-large": 0.01,
}
ERROR_TYPES = ("429", "500", "503", "529", "timeout")
BASE_ERRORS = {"500": 0.0008, "429": 0.0004, "timeout": 0.0004, "529": 0.0002}


@dataclass(frozen=True)
class ServiceProfile:
    """One service's normal traffic."""

    name: str
    peak_rps: float
    providers: dict[str, float]
    operation: str = "chat"
    input_median: float = 600.0
    output_median: float = 250.0
    quality_share: float = 1.0  # share of calls with an eval score
    sessions: bool = False  # agent sessions of several steps


DEFAULT_SERVICES: tuple[ServiceProfile, ...] = (
    ServiceProfile("chat-api", 6.0, {"openai": 0.65, "anthropic": 0.35}, quality_share=0.1),
    ServiceProfile(
        "agent-runner",
        1.2,
        {"anthropic": 0.7, "openai": 0.3},
        "invoke_agent",
        input_median=2200.0,
        output_median=300.0,
        sessions=True,
    ),
    ServiceProfile(
        "model-gateway",
        3.0,
        {"openai": 0.4, "anthropic": 0.3, "google": 0.2, "mistral": 0.1},
        input_median=900.0,
        quality_share=0.0,
    ),
)


def daily_shape(t: Arr) -> Arr:
    """Traffic as a share of the peak: 0.3 at 03:00 UTC, 1.0 at 15:00; weekends at 75%."""
    hours = (t % 86400) / 3600
    shape = 0.3 + 0.7 * (0.5 + 0.5 * np.cos(2 * np.pi * (hours - 15) / 24))
    weekday = ((t // 86400).astype(np.int64) + 3) % 7  # 0 = Monday (1970-01-01 was a Thursday)
    return shape * np.where(weekday >= 5, 0.75, 1.0)


@dataclass
class TrafficGenerator:
    """Deterministic traffic for ``services`` with ``faults``; ``scale`` multiplies every rate."""

    seed: int = 0
    faults: Sequence[Fault] = ()
    services: Sequence[ServiceProfile] = DEFAULT_SERVICES
    scale: float = 1.0
    _cache: dict[tuple[int, int], Events] = field(default_factory=dict, repr=False)

    def events(self, start: datetime, end: datetime) -> Events:
        """Request events with time in ``[start, end)``, sorted."""
        lo, hi = _ts(start), _ts(end)
        parts = []
        for block in range(math.floor(lo / 3600) - 1, math.ceil(hi / 3600)):
            for index, profile in enumerate(self.services):
                block_events = self._block(block, index, profile)
                keep = (block_events.time >= lo) & (block_events.time < hi)
                parts.append(block_events.take(keep))
        for number, fault in enumerate(self.faults):
            if fault.kind == "runaway_agent":
                catalog = sys.modules[__name__]
                run = traffic.runaway_to_events(runaway_session(fault, number, self.seed), catalog)
                parts.append(run.take((run.time >= lo) & (run.time < hi)))
        return concat(parts)

    def status(
        self, start: datetime, end: datetime, every: timedelta = timedelta(minutes=1)
    ) -> list[tuple[datetime, dict[str, Any]]]:
        """Statuspage summaries polled every ``every`` for each provider in ``[start, end)``."""
        return status_pages(start, end, every, self.faults, PROVIDERS)

    def telemetry(self, start: datetime, end: datetime) -> Telemetry:

        rows = [status_sample(s, Location("generator")) for _, s in self.status(start, end)]
        return Telemetry(self.events(start, end), StatusEvents.from_rows(rows))

    def chunks(self, start: datetime, end: datetime, every: timedelta) -> Iterator[Telemetry]:
        """The same telemetry cut into consecutive ``[t, t + every)`` pieces, for streaming."""
        t = start
        while t < end:
            stop = min(t + every, end)
            yield self.telemetry(t, stop)
            t = stop

    def _block(self, block: int, index: int, profile: ServiceProfile) -> Events:
        key = (block, index)
        if key not in self._cache:
            if len(self._cache) > 4 * len(self.services) + 8:  # keep the recent hours
                for old in sorted(self._cache)[: len(self._cache) // 2]:
                    del self._cache[old]

            rng = np.random.default_rng([self.seed, block + 10**7, index])
            catalog = sys.modules[__name__]
            raw = traffic.block_raw(rng, block, profile, self.scale, catalog)
            apply_faults(raw, self.faults, PROVIDERS, ERROR_TYPES)
            self._cache[key] = traffic.raw_to_events(raw, catalog)
        return self._cache[key]


def generate(
    start: datetime,
    end: datetime,
    faults: Sequence[Fault] = (),
    seed: int = 0,
    scale: float = 1.0,
) -> Telemetry:
    """Telemetry (request events and provider status samples) for ``[start, end)``."""
    return TrafficGenerator(seed=seed, faults=faults, scale=scale).telemetry(start, end)


def _ts(moment: datetime) -> float:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()
