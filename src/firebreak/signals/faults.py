"""Faults injected into generated traffic, and the status pages providers show during them.

Fault kinds: ``outage`` (5xx errors), ``latency`` (slower calls), ``provider_errors`` (one
provider fails with ``error_type`` 429, 529 or timeout), ``quality_drop`` (eval quality falls and
refusals rise, abruptly or gradually), ``cost_spike`` (prompt bloat: input tokens grow) and
``runaway_agent`` (one agent session loops, its context and spend growing each step).
``strength`` is the size of the fault (see docs/signals.md for each kind's default and unit);
``gradual`` ramps it from zero at ``start`` to full strength at the end.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import numpy as np

from firebreak.signals.schema import Events
from firebreak.signals.statuspage import summary

Arr = np.ndarray[Any, np.dtype[Any]]

FaultKind = Literal[
    "outage", "latency", "provider_errors", "quality_drop", "cost_spike", "runaway_agent"
]
FAULT_KINDS: tuple[str, ...] = (
    "outage",
    "latency",
    "provider_errors",
    "quality_drop",
    "cost_spike",
    "runaway_agent",
)
DEFAULT_STRENGTH = {
    "outage": 0.5,
    "latency": 3.0,
    "provider_errors": 0.4,
    "quality_drop": 0.2,
    "cost_spike": 2.0,
    "runaway_agent": 1.0,
}
STATUS_LAG = timedelta(minutes=10)  # providers update their status page late …
STATUS_TAIL = timedelta(minutes=15)  # … and keep the incident open a while after


@dataclass(frozen=True)
class Fault:
    """A fault over ``[start, end)`` (``end`` or ``duration``; default 30 minutes)."""

    kind: FaultKind
    start: datetime
    duration: timedelta | None = None
    end: datetime | None = None
    strength: float | None = None
    service: str | None = None
    provider: str | None = None
    gradual: bool = False
    error_type: str | None = None  # provider_errors: "429" (default), "529" or "timeout"
    tags: dict[str, str] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; kinds: {', '.join(FAULT_KINDS)}")
        if self.start.tzinfo is None:
            raise ValueError("a fault's start needs a time zone (UTC)")

    @property
    def stop(self) -> datetime:
        if self.end is not None:
            return self.end
        return self.start + (self.duration or timedelta(minutes=30))

    @property
    def size(self) -> float:
        return DEFAULT_STRENGTH[self.kind] if self.strength is None else self.strength

    def intensity(self, t: Arr) -> Arr:
        """Strength at each time (0 outside the fault; ramping when gradual)."""
        lo, hi = self.start.timestamp(), self.stop.timestamp()
        inside = (t >= lo) & (t < hi)
        ramp = np.clip((t - lo) / max(hi - lo, 1e-9), 0, 1) if self.gradual else 1.0
        return np.where(inside, self.size * ramp, 0.0)


@dataclass
class Raw:
    """Traffic before it becomes Events: codes into fixed lists, plus uniforms for faults."""

    time: Arr
    service: str
    provider: Arr
    model: Arr
    operation: str
    session: Arr
    session_names: list[str]
    input_tokens: Arr
    output_tokens: Arr
    latency: Arr
    ttft: Arr
    quality: Arr
    refusal: Arr
    error_type: np.ndarray  # index into ERROR_TYPES, -1 none
    u_fault: Arr


def apply_faults(
    raw: Raw, faults: Any, providers: tuple[str, ...], errors: tuple[str, ...]
) -> None:
    """Change ``raw`` in place for every fault that touches its service."""
    for fault in faults:
        if fault.service not in (None, raw.service) or fault.kind == "runaway_agent":
            continue
        level = fault.intensity(raw.time)
        if fault.provider is not None:
            level = np.where(raw.provider == providers.index(fault.provider), level, 0.0)
        if not level.any():
            continue
        hit = raw.u_fault < level
        if fault.kind == "outage":
            raw.error_type[hit & (raw.error_type < 0)] = errors.index("503")
        elif fault.kind == "provider_errors":
            kind = fault.error_type or "429"
            raw.error_type[hit] = errors.index(kind)
            if kind == "timeout":
                raw.latency[hit] = 30.0 + 30.0 * raw.u_fault[hit]
        elif fault.kind == "latency":
            raw.latency *= 1 + level
            raw.ttft *= 1 + level
        elif fault.kind == "quality_drop":
            raw.quality = np.clip(raw.quality - level, 0.0, 1.0)
            raw.refusal = np.where(hit, 1.0, raw.refusal)
        elif fault.kind == "cost_spike":
            raw.input_tokens = np.rint(raw.input_tokens * (1 + level))


def runaway_session(fault: Fault, number: int, seed: int) -> dict[str, Any]:
    """One looping agent session: a step every 3 s / strength, context growing each step."""
    gap = 3.0 / max(fault.size, 0.01)
    lo, hi = fault.start.timestamp(), fault.stop.timestamp()
    rng = np.random.default_rng([seed, 7_000_000 + number])
    steps = int((hi - lo) // gap)
    time = lo + gap * np.arange(steps) + rng.uniform(0, gap / 2, steps)
    k = np.arange(steps)
    return {
        "time": time,
        "service": fault.service or "agent-runner",
        "provider": fault.provider or "anthropic",
        "session": f"runaway-{seed}-{number}",
        "input_tokens": np.minimum(3000.0 + 600.0 * k, 180_000.0),
        "output_tokens": rng.lognormal(np.log(300), 0.4, steps).round(),
        "quality": np.clip(rng.beta(12, 4, steps), 0, 1),
    }


def status_pages(
    start: datetime, end: datetime, every: timedelta, faults: Any, providers: tuple[str, ...]
) -> list[tuple[datetime, dict[str, Any]]]:
    """Polled Statuspage summaries: a provider fault on every caller shows (late) as an outage on
    its page; one that hits a single service's calls does not."""
    out = []
    step = every.total_seconds()
    t = datetime.fromtimestamp(np.ceil(start.timestamp() / step) * step, tz=UTC)
    while t < end:
        for provider in providers:
            out.append((t, summary(provider, t, _level(faults, provider, t))))
        t += every
    return out


def _level(faults: Any, provider: str, t: datetime) -> int:
    level = 0
    for fault in faults:
        if fault.service is not None:
            continue  # a fault on one caller's calls (a per-key quota) is not the provider's outage
        if fault.provider != provider or not (
            fault.start + STATUS_LAG <= t < fault.stop + STATUS_TAIL
        ):
            continue
        if fault.kind == "provider_errors":
            level = max(level, 3 if fault.size >= 0.5 else 2)
        elif fault.kind == "outage":
            level = max(level, 3)
        elif fault.kind == "latency":
            level = max(level, 1)
    return level


__all__ = [
    "FAULT_KINDS",
    "Events",
    "Fault",
    "Raw",
    "apply_faults",
    "runaway_session",
    "status_pages",
]
