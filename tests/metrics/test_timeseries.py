"""Weekly series for the charts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from firebreak.metrics import DrillRunRecord, IncidentRecord, timeseries

MONDAY = datetime(2026, 11, 2, tzinfo=UTC)  # a Monday


def done(
    opened: datetime, minutes: int, resolution: str = "fixed", drill: bool = False
) -> IncidentRecord:
    return IncidentRecord(
        opened_at=opened,
        resolved_at=opened + timedelta(minutes=minutes),
        resolution=resolution,
        drill=drill,
    )


def test_weekly_points_with_an_empty_week_between() -> None:
    records = [
        done(MONDAY + timedelta(days=1), 10),
        done(MONDAY + timedelta(days=6, hours=23), 30, "false_alarm"),
        done(MONDAY + timedelta(days=3), 999, drill=True),  # left out
        done(MONDAY + timedelta(days=14, hours=1), 20),
    ]
    runs = [
        DrillRunRecord("d", "cost_spike", True, MONDAY + timedelta(days=8)),
        DrillRunRecord("e", "cost_spike", False, MONDAY + timedelta(days=9)),
    ]
    points = timeseries(records, runs, bucket="week")
    assert [p["start"][:10] for p in points] == ["2026-11-02", "2026-11-09", "2026-11-16"]
    first, second, third = points
    assert first["incidents"] == 2
    assert first["mttr_median_s"] == pytest.approx(20 * 60)
    assert first["false_alarm_rate"] == 0.5
    assert first["drill_pass_rate"] is None
    assert (second["incidents"], second["mttr_median_s"], second["false_alarm_rate"]) == (
        0,
        None,
        None,
    )
    assert (second["drill_pass_rate"], second["drills"]) == (0.5, 2)
    assert third["mttr_median_s"] == 20 * 60


def test_days_and_bounds() -> None:
    points = timeseries([], [], bucket="day", since=MONDAY, until=MONDAY + timedelta(days=3))
    assert len(points) == 3
    assert all(p["incidents"] == 0 for p in points)
    assert timeseries([], []) == []
    with pytest.raises(ValueError, match="bucket"):
        timeseries([], [], bucket="month")  # type: ignore[arg-type]
