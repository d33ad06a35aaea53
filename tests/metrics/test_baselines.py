"""Baseline comparison: which way each figure moved, and by how much."""

from __future__ import annotations

import pytest

from firebreak.metrics import compare, headline


def report(mttr_median: float | None, fa: float | None, dp: float | None) -> dict[str, object]:
    return {
        "mtta_s": {"mean": 60.0, "median": 60.0, "p90": 60.0, "count": 1},
        "mttr_s": {"mean": mttr_median, "median": mttr_median, "p90": mttr_median, "count": 1},
        "mttd_s": {"mean": None, "median": None, "p90": None, "count": 0},
        "false_alarm_rate": fa,
        "drill_pass_rate": dp,
    }


def by_name(before: dict[str, object], after: dict[str, object]) -> dict[str, dict[str, object]]:
    return {c.figure: c.to_json() for c in compare(before, after)}


def test_lower_times_and_false_alarms_are_better_higher_pass_rate_is_better() -> None:
    rows = by_name(report(1200.0, 0.5, 0.5), report(900.0, 0.25, 0.75))
    mttr = rows["mttr_s.median"]
    assert (mttr["baseline"], mttr["current"], mttr["change"]) == (1200.0, 900.0, -300.0)
    assert mttr["change_pct"] == pytest.approx(-25.0)
    assert mttr["verdict"] == "better"
    assert rows["false_alarm_rate"]["verdict"] == "better"
    assert rows["false_alarm_rate"]["change_pct"] == pytest.approx(-50.0)
    assert rows["drill_pass_rate"]["verdict"] == "better"
    assert rows["drill_pass_rate"]["change"] == pytest.approx(0.25)
    assert rows["mtta_s.mean"]["verdict"] == "same"
    worse = by_name(report(900.0, 0.25, 0.75), report(1200.0, 0.5, 0.5))
    assert {worse[k]["verdict"] for k in ("mttr_s.p90", "false_alarm_rate", "drill_pass_rate")} == {
        "worse"
    }


def test_unknown_values_and_zero_baseline() -> None:
    rows = by_name(report(None, 0.0, None), report(600.0, 0.2, 1.0))
    assert rows["mttr_s.mean"]["verdict"] == "n/a"
    assert rows["mttr_s.mean"]["change"] is None
    assert rows["mttd_s.median"]["verdict"] == "n/a"
    # a change from 0 has no percentage, but still a direction
    assert rows["false_alarm_rate"]["change_pct"] is None
    assert rows["false_alarm_rate"]["verdict"] == "worse"


def test_headline_tolerates_missing_keys() -> None:
    assert headline({})["mttr_s.median"] is None
    assert len(headline({})) == 11
