"""The loop composed once: one tick runs pipeline then escalation; the live loop drains a backlog
in small batches and keeps going when a stage fails, while drills and tests see the failure."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest
from incident_helpers import load, outage, push

from firebreak.clock import SimClock
from firebreak.incidents.loop import LIVE_BATCH, Loop, live_detector
from firebreak.notify.channels import RecordingChannel
from firebreak.signals.schema import Events
from firebreak.store.db import Store

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def test_one_tick_opens_the_incident_and_pages_at_once(
    store: Store, example_workspace: Path, tmp_path: Path
) -> None:
    ws = load(example_workspace)
    push(store, outage(), T0)
    channel = RecordingChannel(tmp_path / "pages.jsonl")
    result = Loop(store, ws, SimClock(T0), "test", {"*": channel}).tick()
    assert result.pipeline.outcomes == {"opened": 1}
    assert result.pages >= 1 and len(channel.records()) == result.pages


def test_the_live_loop_drains_a_backlog_in_small_batches(
    store: Store, example_workspace: Path, tmp_path: Path
) -> None:
    ws = load(example_workspace)
    for n in range(LIVE_BATCH * 2 + 5):
        push(store, outage(key=f"k{n}"), T0)
    channel = RecordingChannel(tmp_path / "pages.jsonl")
    live = Loop.live(store, ws, SimClock(T0), "test", {"*": channel})
    assert live.batch == LIVE_BATCH
    result = live.tick()
    assert result.pipeline.processed == LIVE_BATCH * 2 + 5  # three transactions, one tick
    assert result.pipeline.outcomes == {"opened": 1, "attached": LIVE_BATCH * 2 + 4}


def _telemetry_that_fails() -> Sequence[Events]:
    raise RuntimeError("the telemetry buffer is gone")


def test_a_failing_stage_is_logged_and_the_next_one_still_runs_in_the_live_loop(
    store: Store, example_workspace: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    ws = load(example_workspace)
    push(store, outage(), T0)
    channel = RecordingChannel(tmp_path / "pages.jsonl")
    seen: list[tuple[str, bool]] = []
    live = Loop.live(
        store,
        ws,
        SimClock(T0),
        "test",
        {"*": channel},
        telemetry=_telemetry_that_fails,
        observe=lambda name, _s, failed: seen.append((name, failed)),
    )
    assert live.detector is not None
    with caplog.at_level(logging.WARNING, logger="firebreak.ticks"):
        result = live.tick()
    assert seen[0] == ("pipeline", False)  # stages run in order; only detect failed
    assert seen.index(("detect", True)) < seen.index(("escalation", False))
    assert [name for name, failed in seen if failed] == ["detect"]
    assert "tick stage detect failed: RuntimeError" in caplog.text
    assert result.pipeline.outcomes == {"opened": 1} and result.pages >= 1
    strict = Loop(
        store,
        ws,
        SimClock(T0),
        "test",
        {"*": channel},
        detector=live_detector(ws),
        telemetry=_telemetry_that_fails,
    )
    with pytest.raises(RuntimeError, match="buffer is gone"):
        strict.tick()
