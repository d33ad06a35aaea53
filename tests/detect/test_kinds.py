"""Every trigger kind on small, readable cases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from detect_helpers import T0, make_events, make_runbook

from firebreak.detect.anomaly import AnomalyCore
from firebreak.detect.batch import run_batch
from firebreak.detect.cores import BudgetCore, ChangeCore
from firebreak.detect.plan import compile_plans
from firebreak.detect.stream import StreamingDetector
from firebreak.errors import InputError
from firebreak.signals.schema import StatusEvents, Telemetry


def at(offset: float) -> datetime:
    return datetime.fromtimestamp(T0 + offset, tz=UTC)


def steady(
    minutes: int, per_bucket: int, bad: dict[int, int] | None = None, **extra: object
) -> Telemetry:
    """``per_bucket`` calls every 30 s; ``bad`` maps bucket index -> how many of them fail."""
    rows = []
    for k in range(minutes * 2):
        for i in range(per_bucket):
            failed = i < (bad or {}).get(k, 0)
            rows.append(
                {
                    "time": T0 + 30 * k + i * 30 / per_bucket,
                    **extra,
                    "status": "error" if failed else "ok",
                    "error_type": "500",
                }
            )
    return Telemetry(events=make_events(rows))


BURN = {
    "signal": "error_ratio",
    "where": {"service": "chat-api"},
    "burn_rate": {"objective": 99.0, "pairs": [{"long": "10m", "short": "1m", "factor": 10}]},
}


def test_burn_rate_fires_only_when_both_windows_burn() -> None:
    # 20% errors from minute 10 on: the 1m window burns at once (20x), the 10m window only
    # once it holds more than 10% errors, i.e. after more than 10 of its 20 buckets.
    bad = {k: 2 for k in range(20, 60)}
    (out,) = run_batch([make_runbook(BURN)], steady(30, 10, bad))
    assert [f.start for f in out.firings] == [at(30 * 31)]
    assert "10m/1m windows burn over 10x (page)" in out.alerts[0].summary


def test_burn_rate_ignores_a_short_spike() -> None:
    bad = {k: 10 for k in range(20, 22)}  # one minute of total failure: 10% over 10 minutes
    (out,) = run_batch([make_runbook(BURN)], steady(30, 10, bad))
    assert out.firings == []


def test_default_burn_pairs_page_on_a_fast_burn() -> None:
    trig = {
        "signal": "error_ratio",
        "where": {"service": "chat-api"},
        "burn_rate": {"objective": 99.5},
    }
    bad = {k: 5 for k in range(60, 120)}  # 50% errors: 100x burn
    out, _ticket = run_batch([make_runbook(trig)], steady(60, 10, bad))
    assert out.plan.tier == "page"
    assert out.firings and out.firings[0].start <= at(30 * 70)


def seasonal(days: int, step: float, rng: np.random.Generator) -> np.ndarray:  # type: ignore[type-arg]
    t = np.arange(int(days * 86400 / step)) * step
    return 100 + 40 * np.sin(2 * np.pi * t / 86400) + rng.normal(0, 2, t.shape[0])


def test_anomaly_follows_the_daily_cycle_and_flags_a_spike() -> None:
    step = 300.0
    x = seasonal(5, step, np.random.default_rng(1))
    spike = slice(int(4.5 * 288), int(4.5 * 288) + 6)  # 30 minutes on day 5
    x[spike] += 60
    # it speaks once it has seen a whole day: before that, each morning is new ground
    core = AnomalyCore(7 * 288, 5.0, "both", need_on=2, need_off=3, warmup=288)
    score, firing, _ = core.extend(x[None, :])
    fired = np.flatnonzero(firing[0])
    assert fired.size and fired.min() >= spike.start and fired.max() < spike.stop + 4
    assert score[0, spike.start] > 5  # the first spiking row is far outside the day's range


def test_anomaly_copes_with_a_level_shift() -> None:
    step = 300.0
    x = seasonal(4, step, np.random.default_rng(2))
    x[3 * 288 :] += 30  # a permanent step up on day 4
    core = AnomalyCore(7 * 288, 5.0, "up", need_on=2, need_off=3, warmup=288)
    _, firing, _ = core.extend(x[None, :])
    fired = np.flatnonzero(firing[0])
    assert fired.size  # the shift is news …
    assert fired.max() < 3 * 288 + 8 * 12  # … for a few hours, not for ever: one alarm
    edges = np.flatnonzero(np.diff(firing[0].astype(int)) == 1)
    assert edges.size == 1


def test_change_catches_a_gradual_decline_and_not_noise() -> None:
    step = 30.0
    rng = np.random.default_rng(3)
    n = 8 * 120  # 8 hours
    x = 0.85 + rng.normal(0, 0.005, n)
    quiet = ChangeCore(step, 0.08, "down", 1, 20)
    assert not quiet.extend(x[None, :])[1].any()
    ramp = np.clip((np.arange(n) - 4 * 120) / 240, 0, 1) * 0.2  # -0.2 over 2 hours from 4h
    core = ChangeCore(step, 0.08, "down", 1, 20)
    _, firing, _ = core.extend((x - ramp)[None, :])
    first = int(np.flatnonzero(firing[0])[0])
    assert 4 * 120 < first < 4 * 120 + 120  # within the first hour of the decline


def test_budget_fires_on_the_forecast_long_before_the_breach() -> None:
    step = 60.0
    per_bucket = np.full((1, 1440), 2_000_000_000)  # 2 USD a minute, in nano-USD
    core = BudgetCore(step, usd=2000.0, per_s=86400, need_on=1, need_off=1)
    rate = np.full((1, 1440), 2.0 / 60)
    b0 = int(1793577600 / step)  # 2026-11-02T00:00Z
    forecast, firing = core.extend(per_bucket, rate, b0, 1e9)
    breach = int(np.flatnonzero(np.cumsum(per_bucket[0]) / 1e9 > 2000)[0])  # after 1000 min
    assert firing[0, 0] and breach > 900
    assert forecast[0, 0] == pytest.approx(2 + 2 * 1439)


def test_budget_trigger_end_to_end() -> None:
    trig = {
        "signal": "cost_usd_rate",
        "where": {"service": "chat-api"},
        "budget": {"usd": 100, "per": "1d"},
        "window": "10m",
    }
    tel = steady(40, 2, cost_usd=0.05)  # 0.2 USD/min: 288 USD/day at this rate
    (out,) = run_batch([make_runbook(trig)], tel)
    assert out.firings and out.firings[0].start < at(40 * 60)
    assert out.firings[0].peak is not None and out.firings[0].peak > 100


def agent_rows(minutes: int, loop_from: int | None) -> list[dict[str, object]]:
    rows = []
    for s in range(minutes):  # a 6-step session starting every minute
        for k in range(6):
            rows.append(
                {
                    "time": T0 + 60 * s + 5 * k,
                    "service": "agent-runner",
                    "session": f"s{s}",
                    "cost_usd": 0.01,
                }
            )
    if loop_from is not None:
        for k in range(300):  # one session looping every 2 s
            rows.append(
                {
                    "time": T0 + 60 * loop_from + 2 * k,
                    "service": "agent-runner",
                    "session": "loop-7",
                    "cost_usd": 0.01 * (1 + k),
                }
            )
    return rows


RUNAWAY = {
    "signal": "session_steps_max",
    "where": {"service": "agent-runner"},
    "runaway": {"factor": 10, "min_steps": 40},
}


def test_runaway_session_fires_and_is_named() -> None:
    rb = make_runbook(RUNAWAY, service="agent-runner", scenario="cost_spike")
    tel = Telemetry(events=make_events(agent_rows(40, loop_from=10)))
    (out,) = run_batch([rb], tel)
    assert len(out.firings) == 1
    assert "session loop-7" in out.alerts[0].summary
    # 61 steps (> 10 x the peers' median of 6) at 2 s a step: about 2 minutes in
    assert at(600 + 90) <= out.firings[0].start <= at(600 + 150)


def test_no_runaway_among_ordinary_sessions() -> None:
    rb = make_runbook(RUNAWAY, service="agent-runner", scenario="cost_spike")
    (out,) = run_batch([rb], Telemetry(events=make_events(agent_rows(40, None))))
    assert out.firings == []


def test_provider_status_threshold_per_provider() -> None:
    trig = {"signal": "provider_status", "by": ["provider"], "above": 1.5, "for": "2m"}
    rows = []
    for m in range(30):
        rows.append((T0 + 60 * m, "openai", 2.0 if 10 <= m < 20 else 0.0))
        rows.append((T0 + 60 * m, "anthropic", 0.0))
    tel = Telemetry(status=StatusEvents.from_rows(rows))
    (out,) = run_batch([make_runbook(trig)], tel)
    assert [f.labels["provider"] for f in out.firings] == ["openai"]
    assert out.firings[0].start == at(600 + 30 + 120)


def test_a_trigger_no_machine_can_evaluate_is_refused() -> None:
    with pytest.raises(InputError, match="unknown signal 'error_rate'"):
        compile_plans([make_runbook({"signal": "error_rate", "above": 1})])
    with pytest.raises(InputError, match="label 'region'"):
        compile_plans([make_runbook({"signal": "error_ratio", "above": 1, "by": ["region"]})])


def test_stream_alert_fingerprint_is_stable_per_series() -> None:
    trig = {"signal": "error_ratio", "by": ["provider"], "above": 0.5, "window": "30s"}
    rows = [
        {"time": T0 + i, "provider": p, "status": "error"}
        for i in range(3)
        for p in ("openai", "anthropic")
    ]
    det = StreamingDetector([make_runbook(trig)])
    det.add(make_events(rows))
    alerts = det.tick(at(30) + timedelta(seconds=1))
    prints = {a.labels["provider"]: a.fingerprint for a in alerts}
    assert len(set(prints.values())) == 2
    assert all(a.at.tzinfo is not None for a in alerts)
