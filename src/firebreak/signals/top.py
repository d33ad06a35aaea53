"""``firebreak signals top``: a signal over the last minutes, split by labels, worst first."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from firebreak.errors import InputError
from firebreak.signals.schema import LABELS, Events, Telemetry
from firebreak.signals.windows import SESSION_SIGNALS, SIGNAL_STATS, aggregate, signal_value


@dataclass(frozen=True)
class TopRow:
    labels: dict[str, str]
    value: float | None
    requests: int


def top(
    telemetry: Telemetry,
    signal: str,
    by: list[str],
    last_s: float,
    where: dict[str, str],
    min_requests: int | None = None,
) -> tuple[float, list[TopRow]]:
    """(window end, rows sorted by value, worst first) over ``[end - last, end)``."""
    span = telemetry.span()
    if span is None:
        raise InputError("the telemetry holds no events")
    end = span[1] + 1e-6
    for name in [*by, *where]:
        if name not in LABELS:
            raise InputError(f"unknown label {name!r}; labels: {', '.join(LABELS)}")
    if signal == "provider_status":
        return end, _status_top(telemetry, end - last_s, end)
    known = set(SIGNAL_STATS) | SESSION_SIGNALS
    if signal not in known:
        raise InputError(
            f"unknown signal {signal!r}; known: {', '.join(sorted(known))}, provider_status"
        )
    events = telemetry.events
    mask = (events.time >= end - last_s) & (events.time < end)
    for name, value in where.items():
        cat = events.labels[name]
        mask &= cat.codes == cat.code_of(value)
    if signal in SESSION_SIGNALS:
        mask &= events.labels["session"].codes >= 0
        by = [*by, "session"]
    chosen = events.take(np.flatnonzero(mask))
    groups: dict[tuple[str, ...], list[int]] = {}
    cats = [chosen.labels[k] for k in by]
    for i in range(len(chosen)):
        key = tuple(c.value(i) or "" for c in cats)
        groups.setdefault(key, []).append(i)
    rows = [_row(chosen, signal, by, key, idx, last_s, min_requests) for key, idx in groups.items()]
    rows.sort(key=lambda r: (r.value is None, -(r.value or 0.0), -r.requests))
    return end, rows


def _row(
    events: Events,
    signal: str,
    by: list[str],
    key: tuple[str, ...],
    idx: list[int],
    last_s: float,
    min_requests: int | None,
) -> TopRow:
    part = events.take(np.array(idx, dtype=np.int64))
    n = len(part)
    if signal in SESSION_SIGNALS:
        cost = float(np.nansum(part.numbers["cost_usd"]))
        value: float | None = float(n) if signal == "session_steps_max" else cost
        return TopRow(dict(zip(by, key, strict=True)), value, n)
    names = tuple(s for s in SIGNAL_STATS[signal] if s is not None)
    zeros = np.zeros(n, dtype=np.int64)
    sums = aggregate(part, zeros, zeros, 1, 1, names)
    raw = float(signal_value(signal, sums, last_s, min_requests)[0, 0])
    return TopRow(dict(zip(by, key, strict=True)), None if np.isnan(raw) else raw, n)


def _status_top(telemetry: Telemetry, start: float, end: float) -> list[TopRow]:
    status = telemetry.status
    latest: dict[str, float] = {}
    for when, provider, level in status.rows():
        if start <= when < end:
            latest[provider] = level
    rows = [TopRow({"provider": p}, v, 1) for p, v in latest.items()]
    return sorted(rows, key=lambda r: -(r.value or 0.0))
