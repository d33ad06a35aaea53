"""The figures, worked by hand on small sets of incidents."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from firebreak.metrics import (
    DrillRunRecord,
    IncidentRecord,
    Period,
    StepInfo,
    compute,
    drill_pass_rate,
    false_alarm_rate,
    false_alarm_rate_by,
    mtta,
    mttd,
    mttr,
    percentile,
)
from firebreak.metrics.stats import Summary

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


def incident(
    offset_h: float = 0,
    ack: float | None = None,
    resolve: float | None = None,
    fault: float | None = None,
    resolution: str | None = "fixed",
    **kw: object,
) -> IncidentRecord:
    """An incident opened at T0 + offset_h hours; ack/resolve/fault in minutes from opening."""
    opened = T0 + timedelta(hours=offset_h)
    return IncidentRecord(
        opened_at=opened,
        acknowledged_at=opened + minutes(ack) if ack is not None else None,
        resolved_at=opened + minutes(resolve) if resolve is not None else None,
        fault_started_at=opened + minutes(fault) if fault is not None else None,
        resolution=resolution if resolve is not None else None,
        **kw,  # type: ignore[arg-type]
    )


def test_percentile_interpolates_between_ranks() -> None:
    # 10 values 1..10: p90 sits at rank 0.9 * 9 = 8.1 → 9 + 0.1 * (10 - 9) = 9.1
    values = [float(v) for v in range(1, 11)]
    assert percentile(values, 90) == pytest.approx(9.1)
    assert percentile(values, 50) == pytest.approx(5.5)
    assert percentile([4.0], 90) == 4.0
    assert percentile([], 50) is None


def test_summary_of_odd_and_even_counts() -> None:
    s = Summary.of([60, 120, 600])
    assert (s.count, s.mean, s.median) == (3, 260, 120)
    # p90 of [60, 120, 600]: rank 0.9 * 2 = 1.8 → 120 + 0.8 * 480 = 504
    assert s.p90 == pytest.approx(504)
    even = Summary.of([10, 20, 30, 40])
    assert even.median == 25
    assert Summary.of([]).to_json() == {"mean": None, "median": None, "p90": None, "count": 0}


def test_mtta_mttr_mttd_by_hand_with_drills_left_out() -> None:
    records = [
        incident(0, ack=1, resolve=30, fault=-4),
        incident(1, ack=5, resolve=90),
        incident(2, ack=3, resolve=None),  # still open: counts for MTTA only
        incident(3, resolve=20, fault=-10),  # resolved without an ack
        incident(4, ack=100, resolve=500, fault=-60, drill=True),  # a drill: never counted
        incident(5, ack=100, resolve=500, resolution="drill"),  # resolved as drill: never counted
    ]
    a = mtta(records)
    assert a.count == 3
    assert a.mean == pytest.approx(3 * 60)  # (1 + 5 + 3) / 3 minutes
    assert a.median == 3 * 60
    # sorted [60, 180, 300]: p90 at rank 1.8 → 180 + 0.8 * 120 = 276
    assert a.p90 == pytest.approx(276)
    r = mttr(records)
    assert r.count == 3
    assert r.mean == pytest.approx((30 + 90 + 20) / 3 * 60)
    assert r.median == 30 * 60
    # sorted [1200, 1800, 5400]: rank 1.8 → 1800 + 0.8 * 3600 = 4680
    assert r.p90 == pytest.approx(4680)
    d = mttd(records)
    assert (d.count, d.mean, d.median) == (2, 7 * 60, 7 * 60)


def test_negative_span_counts_as_zero() -> None:
    odd = incident(0, ack=-2, resolve=10)
    assert mtta([odd]).mean == 0


def test_false_alarm_rate_overall_per_runbook_per_trigger() -> None:
    records = [
        incident(0, resolve=5, resolution="false_alarm", runbook_id="rb-a", trigger="rb-a#0"),
        incident(1, resolve=5, resolution="fixed", runbook_id="rb-a", trigger="rb-a#1"),
        incident(2, resolve=5, resolution="false_alarm", runbook_id="rb-a", trigger="rb-a#0"),
        incident(3, resolve=5, resolution="duplicate", runbook_id="rb-b", trigger="HighLatency"),
        incident(4, resolve=None, runbook_id="rb-b", trigger="HighLatency"),  # open: not counted
        incident(5, resolve=5, resolution="false_alarm", drill=True, runbook_id="rb-b"),
        incident(6, resolve=5, resolution="fixed"),  # no runbook, no trigger
    ]
    overall = false_alarm_rate(records)
    assert (overall.hits, overall.total) == (2, 5)
    assert overall.value == pytest.approx(0.4)
    per_runbook = false_alarm_rate_by(records, lambda r: r.runbook_id or "(none)")
    assert {k: (v.hits, v.total) for k, v in per_runbook.items()} == {
        "(none)": (0, 1),
        "rb-a": (2, 3),
        "rb-b": (0, 1),
    }
    report = compute(records, [], Period(None, None))
    assert report["false_alarm_rate_per_trigger"] == {
        "(unknown)": {"rate": 0.0, "false_alarms": 0, "resolved": 1},
        "HighLatency": {"rate": 0.0, "false_alarms": 0, "resolved": 1},
        "rb-a#0": {"rate": 1.0, "false_alarms": 2, "resolved": 2},
        "rb-a#1": {"rate": 0.0, "false_alarms": 0, "resolved": 1},
    }
    assert report["resolutions"] == {"duplicate": 1, "false_alarm": 2, "fixed": 2}
    assert (report["incidents"], report["open"], report["drill_incidents"]) == (6, 1, 1)


def test_drill_pass_rate_overall_per_scenario_per_team() -> None:
    runs = [
        DrillRunRecord("outage-total", "inference_outage", True, T0, team="ml-platform"),
        DrillRunRecord("outage-latency", "inference_outage", False, T0, team="ml-platform"),
        DrillRunRecord("cost-bloat", "cost_spike", True, T0, team="apps"),
        DrillRunRecord("quality-gradual", "quality_anomaly", True, T0),
    ]
    assert drill_pass_rate(runs).value == pytest.approx(0.75)
    report = compute([], runs, Period(None, None))
    assert report["drill_pass_rate"] == pytest.approx(0.75)
    assert {k: report["drills"][k] for k in ("passed", "run")} == {"passed": 3, "run": 4}
    assert report["drill_pass_rate_per_scenario"]["inference_outage"] == {
        "rate": 0.5,
        "passed": 1,
        "run": 2,
    }
    assert report["drill_pass_rate_per_team"] == {
        "(none)": {"rate": 1.0, "passed": 1, "run": 1},
        "apps": {"rate": 1.0, "passed": 1, "run": 1},
        "ml-platform": {"rate": 0.5, "passed": 1, "run": 2},
    }


def test_empty_sets_give_null_never_zero() -> None:
    report = compute([], [], Period(None, None))
    text = json.dumps(report)  # JSON-ready as it is
    assert json.loads(text)["mttr_s"] == {"mean": None, "median": None, "p90": None, "count": 0}
    assert report["false_alarm_rate"] is None
    assert report["drill_pass_rate"] is None
    assert report["incidents"] == 0
    assert report["skipped_steps"] == []
    # only drills and open incidents: still no production figure
    only = compute([incident(0, ack=1, drill=True, resolve=3), incident(1)], [], Period(None, None))
    assert only["false_alarm_rate"] is None
    assert only["mtta_s"]["count"] == 0


def test_period_is_half_open_on_opening_time() -> None:
    records = [incident(0, resolve=10), incident(24, resolve=20), incident(48, resolve=30)]
    runs = [DrillRunRecord("d", "cost_spike", False, T0 + timedelta(hours=47))]
    period = Period(T0 + timedelta(hours=24), T0 + timedelta(hours=48))
    report = compute(records, runs, period)
    assert report["incidents"] == 1
    assert report["mttr_s"]["mean"] == 20 * 60
    assert report["drill_pass_rate"] == 0.0
    assert report["period"] == {
        "since": "2026-11-03T09:00:00+00:00",
        "until": "2026-11-04T09:00:00+00:00",
    }


def test_skipped_steps_ranked() -> None:
    steps = {
        "rb-a": [
            StepInfo("diagnosis.1", "Break errors down"),
            StepInfo("mitigation.1", "Fail over"),
            StepInfo("mitigation.2", "Post a status update"),
        ],
    }
    records = [
        incident(
            0, resolve=10, runbook_id="rb-a", steps_done=frozenset({"diagnosis.1", "mitigation.1"})
        ),
        incident(
            1,
            resolve=10,
            runbook_id="rb-a",
            steps_done=frozenset({"mitigation.1"}),
            steps_skipped=frozenset({"diagnosis.1"}),
        ),
        incident(
            2, resolve=10, runbook_id="rb-a", steps_done=frozenset({"diagnosis.1", "mitigation.1"})
        ),
        # not counted: a false alarm, a drill, an open incident, an unknown runbook
        incident(3, resolve=10, runbook_id="rb-a", resolution="false_alarm"),
        incident(4, resolve=10, runbook_id="rb-a", drill=True),
        incident(5, runbook_id="rb-a"),
        incident(6, resolve=10, runbook_id="rb-zzz"),
    ]
    top = compute(records, [], Period(None, None), steps)["skipped_steps"]
    assert [(s["step"], s["skipped"], s["marked_skipped"], s["incidents"]) for s in top] == [
        ("mitigation.2", 3, 0, 3),
        ("diagnosis.1", 1, 1, 3),
    ]
    assert top[0]["rate"] == 1.0
    assert top[0]["text"] == "Post a status update"
