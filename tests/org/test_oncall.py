"""On-call resolution: rotations in local wall time, DST, restrictions, overrides, references."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from firebreak.org.model import Schedule
from firebreak.org.oncall import (
    Handoff,
    Interval,
    coverage,
    gaps,
    members,
    next_handoffs,
    on_call,
    person_at,
    reachable,
    resolve,
    to_utc,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def schedule(**kw: object) -> Schedule:
    data: dict[str, object] = {"id": "s", "timezone": "Europe/Berlin"}
    data.update(kw)
    return Schedule.model_validate(data)


WEEKLY_BERLIN = schedule(
    rotation={"members": ["ana", "ben", "cem"], "start": "2026-10-05T09:00", "shift": "7d"}
)


def test_weekly_handoff_stays_at_nine_local_across_berlin_dst_end() -> None:
    # Clocks go back on Sunday 2026-10-25 (last Sunday of October): CEST +2 -> CET +1.
    handoffs = next_handoffs(WEEKLY_BERLIN, utc(2026, 10, 13), 3)
    assert [h.at for h in handoffs] == [
        utc(2026, 10, 19, 7),  # 09:00 CEST
        utc(2026, 10, 26, 8),  # 09:00 CET
        utc(2026, 11, 2, 8),
    ]
    assert all(h.at.astimezone(BERLIN).hour == 9 for h in handoffs)
    assert [(h.before, h.after) for h in handoffs] == [
        ("ben", "cem"),
        ("cem", "ana"),
        ("ana", "ben"),
    ]
    # The shift that spans the change lasts one hour longer in real time.
    assert handoffs[1].at - handoffs[0].at == timedelta(days=7, hours=1)


def test_who_is_on_call_right_before_and_after_a_dst_handoff() -> None:
    assert on_call(WEEKLY_BERLIN, utc(2026, 10, 26, 7, 59, 59)) == "cem"
    # 07:30 UTC is 08:30 CET: still cem, although it would be 09:30 under summer time.
    assert on_call(WEEKLY_BERLIN, utc(2026, 10, 26, 7, 30)) == "cem"
    assert on_call(WEEKLY_BERLIN, utc(2026, 10, 26, 8)) == "ana"


def test_twelve_hour_shifts_advance_in_new_york_wall_time() -> None:
    # Clocks go back on Sunday 2026-11-01 (first Sunday of November): EDT -4 -> EST -5.
    sched = schedule(
        timezone="America/New_York",
        rotation={"members": ["day", "night"], "start": "2026-10-01T08:00", "shift": "12h"},
    )
    handoffs = next_handoffs(sched, utc(2026, 10, 31, 11), 4)
    local = [h.at.astimezone(NEW_YORK).strftime("%m-%d %H:%M %Z") for h in handoffs]
    assert local == ["10-31 08:00 EDT", "10-31 20:00 EDT", "11-01 08:00 EST", "11-01 20:00 EST"]
    assert handoffs[2].at - handoffs[1].at == timedelta(hours=13)
    assert on_call(sched, utc(2026, 11, 1, 12, 30)) == "night"  # 07:30 EST
    assert on_call(sched, utc(2026, 11, 1, 13)) == "day"  # 08:00 EST


def test_time_that_does_not_exist_maps_to_the_jump_and_ambiguous_to_first() -> None:
    # 2026-03-29 02:30 does not exist in Berlin (02:00 CET jumps to 03:00 CEST at 01:00 UTC).
    assert to_utc(datetime(2026, 3, 29, 2, 30), BERLIN) == utc(2026, 3, 29, 1)
    # 2026-10-25 02:30 happens twice; the first (CEST) is used.
    assert to_utc(datetime(2026, 10, 25, 2, 30), BERLIN) == utc(2026, 10, 25, 0, 30)


def test_hourly_shifts_stay_in_order_across_spring_forward() -> None:
    sched = schedule(
        rotation={"members": ["a", "b", "c"], "start": "2026-03-28T22:00", "shift": "30m"},
    )
    cov = coverage(sched, utc(2026, 3, 28, 23), utc(2026, 3, 29, 4))
    assert all(x.end == y.start for x, y in itertools.pairwise(cov))
    assert all(iv.start < iv.end for iv in cov)
    assert cov[0].start == utc(2026, 3, 28, 23) and cov[-1].end == utc(2026, 3, 29, 4)


def test_coverage_is_contiguous_and_agrees_with_on_call() -> None:
    start, end = utc(2026, 10, 20), utc(2026, 11, 10)
    cov = coverage(WEEKLY_BERLIN, start, end)
    assert cov[0].start == start and cov[-1].end == end
    assert all(x.end == y.start and x.person != y.person for x, y in itertools.pairwise(cov))
    t = start
    while t < end:
        assert on_call(WEEKLY_BERLIN, t) == person_at(cov, t)
        t += timedelta(hours=5)


def test_before_start_and_after_end_nobody_is_on_call() -> None:
    sched = schedule(
        rotation={
            "members": ["a", "b"],
            "start": "2026-11-02T09:00",
            "end": "2026-11-16T09:00",
            "shift": "7d",
        }
    )
    cov = coverage(sched, utc(2026, 11, 1), utc(2026, 11, 20))
    assert [(iv.person, iv.start) for iv in cov] == [
        (None, utc(2026, 11, 1)),
        ("a", utc(2026, 11, 2, 8)),
        ("b", utc(2026, 11, 9, 8)),
        (None, utc(2026, 11, 16, 8)),
    ]
    assert on_call(sched, utc(2026, 11, 18)) is None
    assert next_handoffs(sched, utc(2026, 11, 17), 3) == []


def test_override_replaces_the_rotation_for_its_span_in_local_time() -> None:
    sched = schedule(
        rotation={"members": ["ana", "ben"], "start": "2026-12-07T09:00", "shift": "7d"},
        overrides=[
            {"person": "zoe", "from": "2026-12-24T09:00", "to": "2026-12-27T09:00"},
            {"person": "yan", "from": "2026-12-25T09:00", "to": "2026-12-26T09:00"},
        ],
    )
    cov = coverage(sched, utc(2026, 12, 23), utc(2026, 12, 29))
    assert [(iv.person, iv.start, iv.end) for iv in cov] == [
        ("ana", utc(2026, 12, 23), utc(2026, 12, 24, 8)),
        ("zoe", utc(2026, 12, 24, 8), utc(2026, 12, 25, 8)),
        ("yan", utc(2026, 12, 25, 8), utc(2026, 12, 26, 8)),  # the later override wins
        ("zoe", utc(2026, 12, 26, 8), utc(2026, 12, 27, 8)),
        ("ana", utc(2026, 12, 27, 8), utc(2026, 12, 28, 8)),
        ("ben", utc(2026, 12, 28, 8), utc(2026, 12, 29)),
    ]


BUSINESS_HOURS = schedule(
    rotation={
        "members": ["ana", "ben"],
        "start": "2026-11-02T09:00",
        "shift": "7d",
        "restrict": {"days": ["mon", "tue", "wed", "thu", "fri"], "start": "09:00", "end": "17:00"},
    },
)


def test_restriction_leaves_nights_and_weekends_as_gaps() -> None:
    cov = coverage(BUSINESS_HOURS, utc(2026, 11, 6), utc(2026, 11, 10))  # Fri 00:00 .. Tue 00:00
    assert [(iv.person, iv.start, iv.end) for iv in cov] == [
        (None, utc(2026, 11, 6), utc(2026, 11, 6, 8)),
        ("ana", utc(2026, 11, 6, 8), utc(2026, 11, 6, 16)),
        (None, utc(2026, 11, 6, 16), utc(2026, 11, 9, 8)),
        ("ben", utc(2026, 11, 9, 8), utc(2026, 11, 9, 16)),
        (None, utc(2026, 11, 9, 16), utc(2026, 11, 10)),
    ]
    assert len(gaps(cov)) == 3
    assert on_call(BUSINESS_HOURS, utc(2026, 11, 7, 12)) is None  # Saturday


def test_override_fills_a_restriction_gap() -> None:
    rotation = BUSINESS_HOURS.rotation.model_dump()
    sched = schedule(
        rotation=rotation,
        overrides=[{"person": "cem", "from": "2026-11-07T00:00", "to": "2026-11-08T00:00"}],
    )
    assert on_call(sched, utc(2026, 11, 7, 12)) == "cem"  # Saturday, outside the restriction
    assert on_call(sched, utc(2026, 11, 8, 12)) is None


def test_overnight_restriction_and_default_end_of_day() -> None:
    nights = schedule(
        timezone="UTC",
        rotation={
            "members": ["owl"],
            "start": "2026-11-01T00:00",
            "shift": "7d",
            "restrict": {"days": ["mon"], "start": "22:00", "end": "06:00"},
        },
    )
    cov = coverage(nights, utc(2026, 11, 2), utc(2026, 11, 4))
    assert [(iv.person, iv.start, iv.end) for iv in cov if iv.person] == [
        ("owl", utc(2026, 11, 2, 22), utc(2026, 11, 3, 6))
    ]
    weekdays = schedule(
        timezone="UTC",
        rotation={
            "members": ["a"],
            "start": "2026-11-01T00:00",
            "shift": "7d",
            "restrict": {"days": ["mon", "tue"]},
        },
    )
    cov = coverage(weekdays, utc(2026, 11, 2), utc(2026, 11, 5))
    assert cov == [
        Interval(utc(2026, 11, 2), utc(2026, 11, 4), "a"),
        Interval(utc(2026, 11, 4), utc(2026, 11, 5), None),
    ]


def test_next_handoffs_reports_gaps_and_respects_count() -> None:
    handoffs = next_handoffs(BUSINESS_HOURS, utc(2026, 11, 6, 12), 3)
    assert handoffs == [
        Handoff(utc(2026, 11, 6, 16), "ana", None),
        Handoff(utc(2026, 11, 9, 8), None, "ben"),
        Handoff(utc(2026, 11, 9, 16), "ben", None),
    ]
    assert next_handoffs(BUSINESS_HOURS, utc(2026, 11, 6, 12), 0) == []


def test_naive_instants_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        on_call(WEEKLY_BERLIN, datetime(2026, 11, 1))


ORG = """
people:
  - {id: ana, contacts: [{type: email, address: ana@example.com}]}
  - {id: ben, contacts: [{type: sms, address: "+4917000000"}]}
  - {id: cem}
teams:
  - {id: core, members: [ana, ben, cem]}
schedules:
  - id: primary
    timezone: UTC
    rotation: {members: [ana, ben], start: "2026-11-02T00:00", shift: 1d}
    overrides: [{person: cem, from: "2026-11-10T00:00", to: "2026-11-11T00:00"}]
"""


def test_resolve_references(make_org) -> None:  # type: ignore[no-untyped-def]
    org = make_org(ORG)
    at = utc(2026, 11, 3, 12)
    assert resolve(org, "schedule:primary", at) == ["ben"]
    assert resolve(org, "schedule:primary", utc(2026, 11, 10, 1)) == ["cem"]
    assert resolve(org, "schedule:primary", utc(2026, 11, 1)) == []  # before the rotation
    assert resolve(org, "person:ana", at) == ["ana"]
    assert resolve(org, "team:core", at) == ["ana", "ben", "cem"]
    assert resolve(org, "team:nope", at) == []
    assert resolve(org, "schedule:nope", at) == []
    assert members(org, "schedule:primary") == ["ana", "ben", "cem"]
    assert [reachable(org, p) for p in ("ana", "cem", "nobody")] == [True, False, False]


def test_a_shift_shorter_than_fifteen_minutes_is_refused() -> None:
    with pytest.raises(ValueError, match="a shift lasts at least 15m, got 7m"):
        schedule(rotation={"members": ["a"], "start": "2026-11-02T09:00", "shift": "7m"})
