"""Batch and streaming share the evaluation code: on random data they give the same intervals."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from detect_helpers import T0, make_events, make_runbook
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from firebreak.detect.batch import intervals, run_batch
from firebreak.detect.stream import StreamingDetector
from firebreak.signals.schema import StatusEvents, Telemetry

TRIGGERS: list[dict[str, Any]] = [
    {
        "signal": "error_ratio",
        "by": ["provider"],
        "above": 0.3,
        "window": "1m",
        "for": "30s",
        "min_requests": 2,
    },
    {"signal": "throttle_ratio", "above": 0.2, "window": "90s"},
    {"signal": "latency_p95", "by": ["service"], "above": 2.0, "window": "2m", "for": "1m"},
    {"signal": "request_rate", "where": {"service": "a"}, "below": 0.05, "window": "1m"},
    {
        "signal": "error_ratio",
        "burn_rate": {
            "objective": 90,
            "pairs": [
                {"long": "5m", "short": "1m", "factor": 2},
                {"long": "10m", "short": "2m", "factor": 1.5, "action": "ticket"},
            ],
        },
    },
    {"signal": "quality_mean", "by": ["service"], "change": {"direction": "down", "shift": 0.2}},
    {"signal": "tokens_per_request", "anomaly": {"baseline": "1d", "sensitivity": 2}},
    {"signal": "cost_usd_rate", "budget": {"usd": 5, "per": "1h"}, "window": "5m"},
    {"signal": "session_steps_max", "runaway": {"factor": 2, "min_steps": 3}, "window": "5m"},
    {"signal": "session_cost_max", "above": 0.5, "window": "3m"},
    {"signal": "provider_status", "by": ["provider"], "above": 1.5, "for": "1m"},
]

SPAN = 3600.0  # one hour of random traffic

event = st.fixed_dictionaries(
    {
        "time": st.floats(0, SPAN - 1, allow_nan=False).map(lambda s: T0 + round(s, 1)),
        "service": st.sampled_from(["a", "b"]),
        "provider": st.sampled_from(["p", "q"]),
        "status": st.sampled_from(["ok", "ok", "error"]),
        "error_type": st.sampled_from(["500", "429", None]),
        "latency_s": st.sampled_from([0.5, 1.0, 3.0, 9.0]),
        "input_tokens": st.integers(10, 2000),
        "quality": st.sampled_from([0.2, 0.5, 0.9, None]),
        "cost_usd": st.sampled_from([0.01, 0.1, 0.4]),
        "session": st.sampled_from(["s1", "s2", "s3", "s4", None]),
    }
)
status = st.tuples(
    st.floats(0, SPAN - 1, allow_nan=False),
    st.sampled_from(["p", "q"]),
    st.sampled_from([0.0, 1.0, 2.0, 3.0]),
)


def at(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


def firing_set(
    plans_alerts: dict[tuple[str, int, str], list[Any]], plans: dict[Any, Any]
) -> set[Any]:
    out = set()
    for key, alerts in plans_alerts.items():
        for f in intervals(plans[key], alerts):
            out.add((key, tuple(sorted(f.labels.items())), f.start, f.end))
    return out


@pytest.mark.slow
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.lists(event, min_size=1, max_size=250),
    samples=st.lists(status, max_size=40),
    cuts=st.lists(st.floats(1, SPAN + 120, allow_nan=False), max_size=12),
)
def test_stream_equals_batch(
    rows: list[dict[str, Any]], samples: list[Any], cuts: list[float]
) -> None:
    runbook = make_runbook(*TRIGGERS, service="a")
    telemetry = Telemetry(
        events=make_events(rows),
        status=StatusEvents.from_rows([(T0 + t, p, lv) for t, p, lv in samples]),
    )
    end = T0 + SPAN + 120
    batch = {
        (o.plan.runbook_id, o.plan.index, o.plan.tier): o.alerts
        for o in run_batch([runbook], telemetry, end=end)
    }

    detector = StreamingDetector([runbook], step=timedelta(seconds=30))
    streamed: dict[tuple[str, int, str], list[Any]] = defaultdict(list)
    ticks = sorted({T0 + c for c in cuts} | {end})
    sent = 0.0
    ordered = sorted(rows, key=lambda r: r["time"])
    for tick in ticks:
        # add what has happened by this tick (a real feed delivers in time order), then tick
        now_rows = [r for r in ordered if sent <= r["time"] < tick - tick % 30]
        now_status = [(T0 + t, p, lv) for t, p, lv in samples if sent <= T0 + t < tick - tick % 30]
        sent = tick - tick % 30
        if now_rows or now_status:
            detector.add(
                Telemetry(
                    events=make_events(now_rows) if now_rows else Telemetry().events,
                    status=StatusEvents.from_rows(now_status),
                )
            )
        for alert in detector.tick(at(tick)):
            streamed[(alert.runbook_id, alert.trigger_index, alert.tier)].append(alert)
    plans = {(p.runbook_id, p.index, p.tier): p for p in detector.plans}
    assert detector.late == 0
    assert firing_set(streamed, plans) == firing_set(batch, plans)
