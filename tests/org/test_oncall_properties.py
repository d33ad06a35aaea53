"""Properties of coverage on random schedules: contiguous, in order, and agreeing with on_call."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, time, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from firebreak.org.model import Schedule
from firebreak.org.oncall import coverage, next_handoffs, on_call, person_at

ZONES = ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata", "UTC"]
DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
BASE = datetime(2026, 3, 1)


@st.composite
def schedules(draw: st.DrawFn) -> Schedule:
    start = BASE + timedelta(minutes=15 * draw(st.integers(0, 4 * 24 * 60)))
    rotation: dict[str, object] = {
        "members": draw(st.lists(st.sampled_from(["a", "b", "c", "d"]), min_size=1, max_size=4)),
        "start": start.isoformat(),
        "shift": f"{draw(st.sampled_from([30, 60, 90, 8 * 60, 12 * 60, 24 * 60, 7 * 24 * 60]))}m",
    }
    if draw(st.booleans()):
        rotation["end"] = (start + timedelta(days=draw(st.integers(1, 200)))).isoformat()
    if draw(st.booleans()):
        hours = st.integers(0, 23).map(lambda h: time(h, 0).isoformat())
        rotation["restrict"] = {
            "days": draw(st.lists(st.sampled_from(DAYS), min_size=1, max_size=7, unique=True)),
            "start": draw(hours),
            "end": draw(hours),
        }
    overrides = []
    for _ in range(draw(st.integers(0, 3))):
        o_start = BASE + timedelta(hours=draw(st.integers(0, 24 * 300)))
        o_end = o_start + timedelta(hours=draw(st.integers(1, 100)))
        overrides.append({"person": "z", "from": o_start.isoformat(), "to": o_end.isoformat()})
    return Schedule.model_validate(
        {
            "id": "s",
            "timezone": draw(st.sampled_from(ZONES)),
            "rotation": rotation,
            "overrides": overrides,
        }
    )


@settings(max_examples=40, deadline=None)
@given(schedules(), st.integers(0, 300 * 24), st.integers(1, 21 * 24))
def test_coverage_is_contiguous_and_agrees_with_on_call(
    sched: Schedule, offset_h: int, span_h: int
) -> None:
    start = datetime(2026, 3, 1, tzinfo=UTC) + timedelta(hours=offset_h)
    end = start + timedelta(hours=span_h)
    cov = coverage(sched, start, end)
    assert cov[0].start == start and cov[-1].end == end
    for x, y in itertools.pairwise(cov):
        assert x.end == y.start and x.person != y.person
    assert all(iv.start < iv.end for iv in cov)
    for iv in cov[:20]:
        assert on_call(sched, iv.start) == iv.person == person_at(cov, iv.start)
        last = iv.end - timedelta(seconds=1)
        assert on_call(sched, last) == iv.person
    handoffs = next_handoffs(sched, start, 3)
    seen = [iv.start for iv in cov[1:4]]
    assert [h.at for h in handoffs][: len(seen)] == seen[: len(handoffs)]
