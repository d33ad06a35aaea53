"""Signals over a window, hand-computed on small cases: ratios, percentiles, no data."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from firebreak.errors import Location
from firebreak.signals.columns import events_from_columns
from firebreak.signals.schema import Events
from firebreak.signals.windows import aggregate, signal_value


def make(rows: list[dict[str, Any]]) -> Events:
    base = {"service": "chat-api", "provider": "openai", "model": "gpt-4.1", "status": "ok"}
    full = [{**base, "time": 1000.0 + i, **r} for i, r in enumerate(rows)]
    names = {k for r in full for k in r}
    cols = {k: [r.get(k) for r in full] for k in names}
    return events_from_columns(cols, len(full), "test", lambda i: Location("test"))


def value(
    events: Events, signal: str, window_s: float = 60.0, min_requests: int | None = None
) -> float:
    zeros = np.zeros(len(events), dtype=np.int64)
    names = {
        "error_ratio": ("n", "err"),
        "throttle_ratio": ("n", "throttle"),
        "timeout_ratio": ("n", "timeout"),
        "latency_p50": ("lat",),
        "latency_p95": ("lat",),
        "quality_mean": ("q_n", "q_sum"),
        "cost_usd_rate": ("n", "cost"),
        "request_rate": ("n",),
        "tokens_per_request": ("tok_n", "tok"),
        "refusal_ratio": ("ref_n", "ref"),
    }[signal]
    sums = aggregate(events, zeros, zeros, 1, 1, names)
    return float(signal_value(signal, sums, window_s, min_requests)[0, 0])


def test_error_ratio_and_min_requests() -> None:
    ev = make([{"status": "error", "error_type": "500"}] + [{}] * 3)
    assert value(ev, "error_ratio") == 0.25
    assert value(ev, "error_ratio", min_requests=4) == 0.25
    assert math.isnan(value(ev, "error_ratio", min_requests=5))  # too few calls: no data


def test_throttles_and_timeouts_are_error_types() -> None:
    ev = make(
        [
            {"status": "error", "error_type": "429"},
            {"status": "error", "error_type": "529"},
            {"status": "error", "error_type": "timeout"},
            {},
        ]
    )
    assert value(ev, "throttle_ratio") == 0.5  # 429 and 529 both ask the caller to back off
    assert value(ev, "timeout_ratio") == 0.25


def test_no_data_is_nan_never_zero() -> None:
    ev = make([{}])
    zeros = np.zeros(1, dtype=np.int64)
    sums = aggregate(ev, zeros, zeros + 1, 1, 2, ("n", "err"))  # the event is in bucket 1
    values = signal_value("error_ratio", sums, 60.0)
    assert math.isnan(values[0, 0]) and values[0, 1] == 0.0
    assert math.isnan(signal_value("request_rate", sums, 60.0)[0, 0])


def test_latency_percentiles_within_bucket_precision() -> None:
    ev = make([{"latency_s": float(s)} for s in range(1, 101)])  # 1 s … 100 s
    assert value(ev, "latency_p50") == pytest.approx(50.0, rel=0.06)  # nearest rank: 50
    assert value(ev, "latency_p95") == pytest.approx(95.0, rel=0.06)


def test_means_rates_and_quality() -> None:
    ev = make(
        [
            {
                "quality": 0.9,
                "cost_usd": 0.5,
                "input_tokens": 100,
                "output_tokens": 50,
                "refusal": True,
            },
            {"quality": 0.7, "cost_usd": 1.0, "input_tokens": 300, "refusal": False},
            {"cost_usd": 1.5},
        ]
    )
    assert value(ev, "quality_mean") == pytest.approx(0.8)  # calls with no score left out
    assert value(ev, "cost_usd_rate", window_s=120) == pytest.approx(1.5)  # 3 USD / 2 min
    assert value(ev, "request_rate", window_s=60) == pytest.approx(0.05)
    assert value(ev, "tokens_per_request") == pytest.approx(225.0)  # 450 over 2 calls with tokens
    assert value(ev, "refusal_ratio") == 0.5


def test_standard_error_of_a_mean_and_a_ratio() -> None:
    from firebreak.signals.windows import standard_error

    ev = make(
        [
            {"input_tokens": t, "status": s, "error_type": "500"}
            for t, s in ((100, "ok"), (300, "error"), (100, "ok"), (300, "ok"))
        ]
    )
    zeros = np.zeros(len(ev), dtype=np.int64)
    sums = aggregate(ev, zeros, zeros, 1, 1, ("tok_n", "tok", "tok_sq", "n", "err"))
    # tokens 100, 300, 100, 300: mean 200, population sd 100, over sqrt(4) calls
    assert standard_error("tokens_per_request", sums, 60.0)[0, 0] == pytest.approx(50.0)
    # one error in four: sqrt(0.25 * 0.75 / 4)
    assert standard_error("error_ratio", sums, 60.0)[0, 0] == pytest.approx(0.2165, abs=1e-4)
