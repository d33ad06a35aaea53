"""The generator: deterministic by seed whatever the chunking, with faults where asked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

from firebreak.signals.generate import Fault, TrafficGenerator
from firebreak.signals.schema import Events

START = datetime(2026, 11, 2, 8, tzinfo=UTC)


def test_same_seed_same_traffic_whatever_the_chunks() -> None:
    end = START + timedelta(hours=2)
    whole = TrafficGenerator(seed=4).events(START, end)
    gen = TrafficGenerator(seed=4)
    parts = [
        gen.events(START + timedelta(minutes=m), START + timedelta(minutes=min(m + 17, 120)))
        for m in range(0, 120, 17)
    ]
    assert np.array_equal(np.concatenate([p.time for p in parts]), whole.time)
    other = TrafficGenerator(seed=5).events(START, end)
    assert len(other) != len(whole) or not np.array_equal(other.time, whole.time)


def share(events: Events, mask: np.ndarray, error_type: str) -> float:  # type: ignore[type-arg]
    types = events.labels["error_type"]
    return float((events.error & (types.codes == types.code_of(error_type)))[mask].mean())


def test_provider_errors_hit_one_provider_and_show_on_its_status_page() -> None:
    fault = Fault(
        "provider_errors",
        START + timedelta(minutes=30),
        duration=timedelta(minutes=30),
        provider="anthropic",
        error_type="529",
        strength=0.5,
    )
    gen = TrafficGenerator(seed=1, faults=[fault])
    data = gen.telemetry(START, START + timedelta(hours=1, minutes=30))
    ev = data.events
    prov = ev.labels["provider"]
    inside = (ev.time >= fault.start.timestamp()) & (ev.time < fault.stop.timestamp())
    anthropic = prov.codes == prov.code_of("anthropic")
    assert 0.4 < share(ev, inside & anthropic, "529") < 0.6
    assert share(ev, inside & ~anthropic, "529") < 0.01
    assert share(ev, ~inside & anthropic, "529") < 0.01
    levels = {
        (p, lv)
        for t, p, lv in data.status.rows()
        if t == (fault.start + timedelta(minutes=20)).timestamp()
    }
    assert ("anthropic", 3.0) in levels and ("openai", 0.0) in levels


def test_agent_sessions_and_a_runaway() -> None:
    fault = Fault("runaway_agent", START, duration=timedelta(minutes=10))
    ev = TrafficGenerator(seed=2, faults=[fault]).events(START, START + timedelta(minutes=30))
    session = ev.labels["session"]
    counts = np.bincount(session.codes[session.codes >= 0])
    assert np.median(counts) <= 15 and counts.max() >= 150  # one session loops
    loop = session.codes == int(np.argmax(counts))
    spend = ev.numbers["cost_usd"][loop]
    assert spend[-1] > 5 * spend[0]  # its context, hence spend, grows each step


def test_gradual_quality_drop_ramps() -> None:
    fault = Fault(
        "quality_drop",
        START,
        duration=timedelta(hours=1),
        service="agent-runner",
        strength=0.3,
        gradual=True,
    )
    ev = TrafficGenerator(seed=3, faults=[fault]).events(START, START + timedelta(hours=1))
    svc = ev.labels["service"]
    q = np.where(svc.codes == svc.code_of("agent-runner"), ev.numbers["quality"], np.nan)
    first = np.nanmean(q[ev.time < START.timestamp() + 600])
    last = np.nanmean(q[ev.time > START.timestamp() + 3000])
    assert first > 0.8 and last < first - 0.15
