"""The must-show: each scenario's fault, injected in generated telemetry, is detected by the
example workspace's triggers; seven days of fault-free traffic raise no alarm."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from firebreak.detect.batch import Outcome, run_batch
from firebreak.signals.generate import Fault, TrafficGenerator
from firebreak.workspace import load_workspace

START = datetime(2026, 11, 2, tzinfo=UTC)  # a Monday
FAULT_AT = START + timedelta(hours=5)  # after the change detector's reference has filled


def backtest(
    workspace: Path, faults: list[Fault], hours: float, scale: float = 0.5, seed: int = 11
) -> list[Outcome]:
    result = load_workspace(workspace)
    assert not result.errors
    gen = TrafficGenerator(seed=seed, faults=faults, scale=scale)
    data = gen.telemetry(START, START + timedelta(hours=hours))
    return run_batch(result.workspace.runbooks, data)


def fired(outcomes: list[Outcome], fault: Fault) -> dict[str, list[str]]:
    """Runbook id -> the kinds of its triggers that fired during the fault (or just after)."""
    out: dict[str, list[str]] = {}
    for o in outcomes:
        for f in o.firings:
            if fault.start <= f.start <= fault.stop + timedelta(minutes=15):
                out.setdefault(o.plan.runbook_id, []).append(f"{o.plan.kind}:{o.plan.signal}")
    return out


SCENARIOS = [
    (
        "chat-api-inference-outage",
        Fault("outage", FAULT_AT, duration=timedelta(minutes=30), service="chat-api"),
    ),
    (
        "agent-quality-anomaly",
        Fault(
            "quality_drop",
            FAULT_AT,
            duration=timedelta(hours=1),
            service="agent-runner",
            strength=0.15,
            gradual=True,
        ),
    ),
    (
        "agent-cost-spike",
        Fault("cost_spike", FAULT_AT, duration=timedelta(minutes=45), service="agent-runner"),
    ),
    ("agent-cost-spike", Fault("runaway_agent", FAULT_AT, duration=timedelta(minutes=30))),
    (
        "provider-api-failure",
        Fault(
            "provider_errors",
            FAULT_AT,
            duration=timedelta(minutes=30),
            provider="anthropic",
            error_type="529",
            strength=0.3,
        ),
    ),
    (
        "provider-api-failure",
        Fault(
            "provider_errors",
            FAULT_AT,
            duration=timedelta(minutes=30),
            provider="openai",
            error_type="timeout",
            strength=0.2,
        ),
    ),
]


@pytest.mark.parametrize(
    ("runbook", "fault"),
    SCENARIOS,
    ids=[f"{f.kind}-{f.error_type or f.service}" for _, f in SCENARIOS],
)
def test_fault_is_detected_by_its_runbook(
    example_workspace: Path, runbook: str, fault: Fault
) -> None:
    outcomes = backtest(example_workspace, [fault], hours=7)
    hits = fired(outcomes, fault)
    assert runbook in hits, f"{fault.kind} not detected; fired: {hits}"
    before = [f for o in outcomes for f in o.firings if f.start < fault.start]
    assert before == [], "an alarm before the fault"


@pytest.mark.slow
def test_seven_quiet_days_raise_no_alarm(example_workspace: Path) -> None:
    outcomes = backtest(example_workspace, [], hours=7 * 24, scale=0.25)
    alarms = [(o.plan.runbook_id, o.plan.signal, f.start) for o in outcomes for f in o.firings]
    assert alarms == []
