"""A threshold with ``for``, worked by hand step by step as Prometheus evaluates an alerting rule.

Rule: error_ratio > 0.5 over a 30 s window, for 1m, evaluated every 30 s. Each 30 s bucket holds
four calls; a "T" bucket has three errors (0.75), an "F" bucket one (0.25); the last bucket has
no calls (no data). Prometheus keeps an alert pending from the first true evaluation and fires
once the condition has held for ``for`` (activeAt + 1m <= now); any false evaluation, or no data,
drops it back to inactive.

    eval at  +30 +60 +90 +120 +150 +180 +210 +240 +270 +300
    cond      F   T   T   T    F    T    T    T    T   nodata
    state     -   P   P   F!   -    P    P    F!   F!   -
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from detect_helpers import T0, make_events, make_runbook

from firebreak.detect.batch import run_batch
from firebreak.detect.stream import StreamingDetector
from firebreak.signals.schema import Telemetry

PATTERN = "FTTTFTTTT"
RULE = {
    "signal": "error_ratio",
    "where": {"service": "chat-api"},
    "above": 0.5,
    "window": "30s",
    "for": "1m",
}


def telemetry() -> Telemetry:
    rows = []
    for k, cond in enumerate(PATTERN):
        errors = 3 if cond == "T" else 1
        for i in range(4):
            status = "error" if i < errors else "ok"
            rows.append({"time": T0 + 30 * k + 5 * i, "status": status, "error_type": "500"})
    return Telemetry(events=make_events(rows))


def at(offset: float) -> datetime:
    return datetime.fromtimestamp(T0 + offset, tz=UTC)


def test_batch_fires_after_for_and_any_false_or_missing_evaluation_resets() -> None:
    (outcome,) = run_batch([make_runbook(RULE)], telemetry(), end=T0 + 300)
    assert [(f.start, f.end) for f in outcome.firings] == [
        (at(120), at(150)),  # pending at +60 and +90, firing at +120, false at +150
        (at(240), at(300)),  # pending again from +180, firing at +240, no data at +300
    ]


def test_stream_gives_the_same_transitions_one_tick_at_a_time() -> None:
    detector = StreamingDetector([make_runbook(RULE)], step=timedelta(seconds=30))
    detector.add(telemetry())
    seen = []
    for k in range(1, 11):
        for alert in detector.tick(at(30 * k)):
            seen.append((alert.status, alert.at))
    assert seen == [
        ("firing", at(120)),
        ("resolved", at(150)),
        ("firing", at(240)),
        ("resolved", at(300)),
    ]


def test_a_tick_between_steps_evaluates_only_the_steps_that_ended() -> None:
    detector = StreamingDetector([make_runbook(RULE)])
    detector.add(telemetry())
    assert detector.tick(at(119)) == []  # +120 has not been evaluated yet
    (alert,) = detector.tick(at(121))
    assert alert.status == "firing" and alert.labels == {
        "service": "chat-api",
        "scenario": "inference_outage",
    }
    assert alert.value == 0.75 and "above 0.5 for 1m" in alert.summary
