"""Timed steps on the simulated clock: pages, escalation levels, acknowledgement, contact delay."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from incident_helpers import load, outage, push, tick

from firebreak.clock import SimClock
from firebreak.incidents import actions
from firebreak.notify.channels import RecordingChannel
from firebreak.org import oncall
from firebreak.store.db import Store

T0 = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)


def _page_records(channel: RecordingChannel) -> list[dict[str, object]]:
    """Escalation pages only (role notices are tested in test_pages_act.py)."""
    return [r for r in channel.records() if r["kind"] == "page"]


def _pages(channel: RecordingChannel) -> list[tuple[int, str, str]]:
    return [(r["level"], r["person_id"], r["contact_type"]) for r in _page_records(channel)]


def test_level1_at_once_level2_after_ack_within_and_ack_stops(
    store: Store, example_workspace: Path, tmp_path: Path
) -> None:
    ws = load(example_workspace)
    clock = SimClock(T0)
    channel = RecordingChannel(tmp_path / "pages.jsonl")
    primary = oncall.resolve(ws.org, "schedule:ml-platform-primary", T0)
    secondary = oncall.resolve(ws.org, "schedule:ml-platform-secondary", T0)
    assert primary and secondary

    push(store, outage(), clock.now())
    tick(store, ws, clock.now(), channel)  # 00:00
    level1 = _pages(channel)
    assert level1 and {p for _, p, _ in level1} == set(primary)
    assert all(level == 0 for level, _, _ in level1)

    clock.advance(timedelta(minutes=4, seconds=59))  # 00:04:59: nothing new but delayed contacts
    tick(store, ws, clock.now(), channel)
    assert all(level == 0 for level, _, _ in _pages(channel))

    clock.set(T0 + timedelta(minutes=5))  # 00:05: level 2 pages the secondary and dana
    tick(store, ws, clock.now(), channel)
    level2 = {p for level, p, _ in _pages(channel) if level == 1}
    assert level2 == {*secondary, "dana"}

    clock.set(T0 + timedelta(minutes=7))  # 00:07: acknowledged
    with store.unit_of_work() as uow:
        incident = uow.incidents.list()[0]
        actions.acknowledge(uow, incident.id, primary[0], clock.now())
    sent_before = len(channel.records())
    for minutes in (10, 15, 30, 60):
        clock.set(T0 + timedelta(minutes=minutes))
        tick(store, ws, clock.now(), channel)
    assert len(channel.records()) == sent_before  # nothing after the acknowledgement
    with store.unit_of_work() as uow:
        kinds = [e.kind for e in uow.incidents.timeline(incident.id)]
        timers = uow.timers.for_incident(incident.id)
    assert "acknowledge" in kinds and "escalation_stopped" in kinds
    assert all(t.done for t in timers)


def test_contact_delay_is_honoured(store: Store, example_workspace: Path, tmp_path: Path) -> None:
    ws = load(example_workspace)
    channel = RecordingChannel(tmp_path / "pages.jsonl")
    # dana is paged at level 2 (00:05): slack and email at once, sms two minutes later.
    push(store, outage(), T0)
    tick(store, ws, T0, channel)
    tick(store, ws, T0 + timedelta(minutes=5), channel)
    dana = [r["contact_type"] for r in _page_records(channel) if r["person_id"] == "dana"]
    assert sorted(dana) == ["email", "slack"]
    tick(store, ws, T0 + timedelta(minutes=7), channel)
    dana = [r["contact_type"] for r in _page_records(channel) if r["person_id"] == "dana"]
    assert sorted(dana) == ["email", "slack", "sms"]


def test_unreachable_target_is_skipped_with_the_reason(
    store: Store, example_workspace: Path, tmp_path: Path
) -> None:
    ws = load(example_workspace)
    for person in ws.org.people.values():
        person.contacts = []
    channel = RecordingChannel(tmp_path / "pages.jsonl")
    push(store, outage(), T0)
    tick(store, ws, T0, channel)
    assert channel.records() == []
    with store.unit_of_work() as uow:
        entries = uow.incidents.timeline(uow.incidents.list()[0].id)
    skipped = [e.text for e in entries if e.kind == "page_skipped"]
    assert skipped and all("no contact" in text for text in skipped)


def test_repeat_goes_round_again_then_stops(
    store: Store, example_workspace: Path, tmp_path: Path
) -> None:
    ws = load(example_workspace)
    channel = RecordingChannel(tmp_path / "pages.jsonl")
    policy = ws.org.escalation_policies["ml-platform-page"]
    push(store, outage(), T0)
    for minutes in range(0, 121):
        tick(store, ws, T0 + timedelta(minutes=minutes), channel)
    passes = sum(
        1 for r in _page_records(channel) if r["level"] == 0 and r["contact_type"] == "email"
    )
    assert passes == policy.repeat + 1
    with store.unit_of_work() as uow:
        kinds = [e.kind for e in uow.incidents.timeline(uow.incidents.list()[0].id)]
    assert "escalation_exhausted" in kinds


def test_drill_pages_say_drill(store: Store, example_workspace: Path, tmp_path: Path) -> None:
    ws = load(example_workspace)
    channel = RecordingChannel(tmp_path / "pages.jsonl")
    alert = outage()
    alert.drill = True
    push(store, alert, T0)
    tick(store, ws, T0, channel)
    texts = [r["text"] for r in channel.records()]
    assert texts and all(t.startswith("DRILL ") for t in texts)
    assert all(r["drill"] for r in channel.records())


def test_next_wakeup_names_the_next_timer_or_page(
    store: Store, example_workspace: Path, tmp_path: Path
) -> None:
    from firebreak.incidents.escalation import next_wakeup

    ws = load(example_workspace)
    channel = RecordingChannel(tmp_path / "pages.jsonl")
    assert next_wakeup(store) is None
    push(store, outage(), T0)
    tick(store, ws, T0, channel)
    primary = oncall.resolve(ws.org, "schedule:ml-platform-primary", T0)[0]
    delays = [c.delay for c in ws.org.people[primary].contacts if c.delay]
    expected = T0 + min([timedelta(minutes=5), *delays])
    assert next_wakeup(store) == expected
