"""Suggested thresholds never silence what the current threshold caught: on generated traffic
with a fault, through `firebreak backtest` as a real process."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from test_cli import demo, run

pytestmark = pytest.mark.slow  # starts firebreak or a server

__all__ = ["demo"]
FAULT_LEVEL = 0.3  # the outage fails 30% of chat-api calls


@pytest.fixture
def calls(tmp_path: Path) -> Path:
    path = tmp_path / "calls.jsonl"
    gen = run(
        "signals", "generate", "--out", str(path), "--hours", "8",
        "--start", "2026-11-02T00:00:00Z", "--scale", "0.5",
        "--fault", f"outage@5h:40m/service=chat-api,strength={FAULT_LEVEL}",
    )  # fmt: skip
    assert gen.returncode == 0, gen.stderr
    return path


def outage_trigger(demo: Path, calls: Path, *extra: str) -> dict[str, Any]:
    out = run(
        "backtest", "--workspace", str(demo), "--telemetry", str(calls), "--format", "json", *extra
    )
    assert out.returncode == 0, out.stderr
    assert "Traceback" not in out.stderr
    triggers = json.loads(out.stdout)["triggers"]
    return next(
        t
        for t in triggers
        if t["runbook"] == "chat-api-inference-outage" and t["kind"] == "threshold"
    )


def test_no_suggestion_silences_the_fault_even_on_a_tight_budget(demo: Path, calls: Path) -> None:
    # Without labels the fault's firing counts as a false alarm: a budget-only rule would raise
    # the threshold above the fault until it stopped firing.
    trigger = outage_trigger(demo, calls, "--max-false-per-week", "0.01")
    assert len(trigger["firings"]) == 1
    suggestion = trigger["suggestion"]
    assert suggestion["threshold"] is not None and suggestion["threshold"] < FAULT_LEVEL
    assert trigger["suggested_threshold"] == suggestion["threshold"]
    assert suggestion["missed"] == []
    assert suggestion["false_alarms_per_week"] > 0.01
    assert "no threshold gives at most 0.01 false alarms per week" in suggestion["reason"]


def test_with_labels_only_firings_outside_incidents_may_be_missed(
    demo: Path, calls: Path, tmp_path: Path
) -> None:
    labels = tmp_path / "labels.csv"
    labels.write_text(
        "start,end,service,scenario\n"
        "2026-11-02T05:00:00Z,2026-11-02T05:40:00Z,chat-api,inference_outage\n"
    )
    trigger = outage_trigger(demo, calls, "--labels", str(labels))
    suggestion = trigger["suggestion"]
    assert suggestion["threshold"] < FAULT_LEVEL
    assert all(not m["may_be_real"] for m in suggestion["missed"])
    assert suggestion["false_alarms_per_week"] <= 1.0
    assert "overlaps a labelled incident" in suggestion["reason"]
