"""Built-in signals over a window: per-step integer statistics and the values derived from them.

Events are bucketed to the evaluation step and summed per (series, step) with ``np.bincount``.
Every statistic is an integer (counts; cost in nano-USD; quality in billionths; latencies as
counts per logarithmic bucket), so sums over any window are exact. A signal over a window is
computed from the window's sums; a window with fewer than ``min_requests`` calls (or none) is
no data: NaN, never zero.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from firebreak.signals.schema import F64, I64, THROTTLE_TYPES, TIMEOUT_TYPES, Events

SCALE = 1_000_000_000
SQ_SCALE = 1_000_000_000_000  # squared quality, so a bucket's sum stays exact in a float64
# 120 logarithmic latency buckets from 1 ms to 1000 s: a percentile is read to within ±6%.
LATENCY_EDGES: F64 = np.logspace(-3, 3, 121)
LATENCY_MIDDLES: F64 = np.sqrt(LATENCY_EDGES[:-1] * LATENCY_EDGES[1:])
HIST_STATS = frozenset({"lat", "ttft"})

SIGNAL_STATS: dict[str, tuple[str, str | None]] = {
    # signal: (denominator count, numerator)
    "request_rate": ("n", None),
    "error_ratio": ("n", "err"),
    "timeout_ratio": ("n", "timeout"),
    "throttle_ratio": ("n", "throttle"),
    "refusal_ratio": ("ref_n", "ref"),
    "quality_mean": ("q_n", "q_sum"),
    "cost_usd_rate": ("n", "cost"),
    "tokens_per_request": ("tok_n", "tok"),
    "latency_p50": ("lat", None),
    "latency_p95": ("lat", None),
    "latency_p99": ("lat", None),
    "ttft_p95": ("ttft", None),
}
QUANTILES = {"latency_p50": 0.50, "latency_p95": 0.95, "latency_p99": 0.99, "ttft_p95": 0.95}
SESSION_SIGNALS = frozenset({"session_steps_max", "session_cost_max"})
UNITS = {
    "request_rate": "requests/s",
    "cost_usd_rate": "USD/min",
    "tokens_per_request": "tokens",
    "latency_p50": "s",
    "latency_p95": "s",
    "latency_p99": "s",
    "ttft_p95": "s",
}


def stats_for(signal: str) -> tuple[str, ...]:
    den, num = SIGNAL_STATS[signal]
    return (den,) if num is None else (den, num)


def _weights(events: Events, stat: str) -> npt.NDArray[np.float64] | None:
    """Per-event integer contribution of ``stat`` (as float64 for bincount), None for a count."""
    key = f"weights:{stat}"
    if key not in events.cache:
        events.cache[key] = _compute_weights(events, stat)
    found: npt.NDArray[np.float64] | None = events.cache[key]
    return found


def _compute_weights(events: Events, stat: str) -> npt.NDArray[np.float64] | None:
    nums = events.numbers
    if stat == "n":
        return None
    if stat == "err":
        return events.error.astype(np.float64)
    if stat == "timeout":
        return events.error_kind(TIMEOUT_TYPES).astype(np.float64)
    if stat == "throttle":
        return events.error_kind(THROTTLE_TYPES).astype(np.float64)
    if stat == "ref_n":
        return (~np.isnan(events.refusal)).astype(np.float64)
    if stat == "ref":
        return np.nan_to_num(events.refusal)
    if stat == "q_n":
        return (~np.isnan(nums["quality"])).astype(np.float64)
    if stat == "q_sum":
        return np.rint(np.nan_to_num(nums["quality"]) * SCALE)
    if stat == "cost":
        return np.rint(np.nan_to_num(nums["cost_usd"]) * SCALE)
    if stat == "tok_n":
        known = ~(np.isnan(nums["input_tokens"]) & np.isnan(nums["output_tokens"]))
        return known.astype(np.float64)
    if stat == "tok":
        return np.rint(np.nan_to_num(nums["input_tokens"]) + np.nan_to_num(nums["output_tokens"]))
    if stat == "tok_sq":
        tokens = _weights(events, "tok")
        assert tokens is not None
        return tokens * tokens
    if stat == "q_sq":
        quality = np.nan_to_num(nums["quality"])
        return np.rint(quality * quality * SQ_SCALE)
    raise KeyError(stat)


FLAG_STATS = frozenset({"err", "timeout", "throttle", "ref_n", "ref", "q_n", "tok_n"})


def _flag(events: Events, stat: str) -> npt.NDArray[np.bool_]:
    """Rows counted by a 0/1 statistic (cached on the events)."""
    key = f"flag:{stat}"
    if key not in events.cache:
        nums = events.numbers
        if stat == "err":
            flag = events.error
        elif stat == "timeout":
            flag = events.error_kind(TIMEOUT_TYPES)
        elif stat == "throttle":
            flag = events.error_kind(THROTTLE_TYPES)
        elif stat == "ref_n":
            flag = ~np.isnan(events.refusal)
        elif stat == "ref":
            flag = events.refusal == 1.0
        elif stat == "q_n":
            flag = ~np.isnan(nums["quality"])
        else:
            flag = ~(np.isnan(nums["input_tokens"]) & np.isnan(nums["output_tokens"]))
        events.cache[key] = flag
    found: npt.NDArray[np.bool_] = events.cache[key]
    return found


def bucket_key(rows: I64, buckets: I64, n_series: int, n_buckets: int) -> I64:
    """``row * n_buckets + bucket`` per event; events outside the chunk get the spare slot."""
    size = n_series * n_buckets
    key = rows * n_buckets + buckets
    if key.shape[0] and (rows.min() < 0 or buckets.min() < 0 or buckets.max() >= n_buckets):
        keep = (rows >= 0) & (buckets >= 0) & (buckets < n_buckets)
        key = np.where(keep, key, size)
    return key


def aggregate(
    events: Events,
    rows: I64,
    buckets: I64,
    n_series: int,
    n_buckets: int,
    stats: tuple[str, ...],
    key: I64 | None = None,
) -> dict[str, I64]:
    """Per (series, bucket) integer sums of each statistic; histograms get a third axis.

    Rows of -1 (events the trigger does not select) and buckets outside the chunk are left out.
    """
    size = n_series * n_buckets
    if key is None:
        key = bucket_key(rows, buckets, n_series, n_buckets)
    out: dict[str, I64] = {}
    for stat in stats:
        if stat in HIST_STATS:
            bins = LATENCY_MIDDLES.shape[0]
            out[stat] = _histogram(events, stat, key, size).reshape(n_series, n_buckets, bins)
            continue
        if stat == "n":
            sums = np.bincount(key, minlength=size + 1)[:size]
        elif stat in FLAG_STATS:
            sums = np.bincount(key[_flag(events, stat)], minlength=size + 1)[:size]
        else:
            sums = np.bincount(key, weights=_weights(events, stat), minlength=size + 1)[:size]
            sums = np.rint(sums)
        out[stat] = sums.astype(np.int64).reshape(n_series, n_buckets)
    return out


def _histogram(events: Events, stat: str, key: I64, size: int) -> I64:
    values = events.numbers["latency_s" if stat == "lat" else "ttft_s"]
    known = ~np.isnan(values) & (key < size)
    n_bins = LATENCY_MIDDLES.shape[0]
    bins = np.clip(np.searchsorted(LATENCY_EDGES, values[known], side="right") - 1, 0, n_bins - 1)
    counts = np.bincount(key[known] * n_bins + bins, minlength=size * n_bins)
    return counts.astype(np.int64)


def signal_value(
    signal: str, sums: dict[str, I64], window_s: float, min_requests: int | None = None
) -> F64:
    """The signal from window sums; NaN where the window holds no data or too few calls."""
    den_name, num_name = SIGNAL_STATS[signal]
    den = sums[den_name]
    if den_name in HIST_STATS:
        return _quantile(den, QUANTILES[signal], min_requests)
    floor = max(min_requests or 1, 1)
    enough = den >= floor
    safe = np.where(enough, den, 1).astype(np.float64)
    if signal == "request_rate":
        value = den / window_s
    elif signal == "cost_usd_rate":
        value = sums["cost"] / SCALE / window_s * 60.0
    elif signal == "quality_mean":
        value = sums["q_sum"] / SCALE / safe
    else:
        assert num_name is not None
        value = sums[num_name] / safe
    return np.where(enough, value, np.nan)


def standard_error(signal: str, sums: dict[str, I64], window_s: float) -> F64 | None:
    """Sampling noise of the signal over a window of calls (None: not estimated).

    Ratios: binomial; request_rate: Poisson; means: the calls' own spread over the root of
    their number. The anomaly detector never calls a deviation smaller than this news.
    """
    den_name, num_name = SIGNAL_STATS[signal]
    if den_name in HIST_STATS or signal == "cost_usd_rate":
        return None
    n = sums[den_name].astype(np.float64)
    safe = np.maximum(n, 1.0)
    if signal == "request_rate":
        return np.sqrt(n) / window_s
    if signal in SECOND_MOMENT:
        if SECOND_MOMENT[signal] not in sums:
            return None
        scale, sq_scale = (SCALE, SQ_SCALE) if signal == "quality_mean" else (1.0, 1.0)
        mean = sums[str(num_name)] / scale / safe
        var = np.maximum(sums[SECOND_MOMENT[signal]] / sq_scale / safe - mean * mean, 0.0)
        return np.sqrt(var / safe)
    p = sums[str(num_name)] / safe
    return np.sqrt(np.clip(p * (1 - p), 0.0, None) / safe)


SECOND_MOMENT = {"tokens_per_request": "tok_sq", "quality_mean": "q_sq"}


def _quantile(hist: I64, q: float, min_requests: int | None) -> F64:
    total = hist.sum(axis=-1)
    rank = np.maximum(np.ceil(q * total), 1)
    cum = np.cumsum(hist, axis=-1)
    index = np.argmax(cum >= rank[..., None], axis=-1)
    value = LATENCY_MIDDLES[index]
    return np.where(total >= max(min_requests or 1, 1), value, np.nan)
