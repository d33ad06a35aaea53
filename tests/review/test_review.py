"""The handoff and the weekly review over six weeks of history, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from history import write_history

from firebreak.clock import SystemClock
from firebreak.errors import InputError
from firebreak.notify.channels import RecordingChannel
from firebreak.review.handoff import build_handoff
from firebreak.review.render import handoff_markdown, review_markdown
from firebreak.review.send import send_review
from firebreak.review.weekly import build_review
from firebreak.store.db import Store
from firebreak.workspace import Workspace, require

REVIEW_SECTIONS = (
    "## The three figures",
    "## Baseline captures",
    "## Trend by week",
    "## Runbooks gone stale",
    "## Drills not run",
    "## Execution gaps",
    "## Not drilled on what they may be paged for",
    "## Triggers by false alarms",
    "## Key-person risk",
)
HANDOFF_SECTIONS = (
    "## Incidents of the shift",
    "## Open follow-ups",
    "## Noisy triggers",
    "## Runbook steps skipped",
    "## On call next",
    "## Stale runbooks",
    "## Drills due",
)


def _stale(root: Path) -> None:
    """Make one runbook overdue for review, so the stale sections have something to say."""
    path = root / "runbooks" / "agent-cost-spike.md"
    text = path.read_text()
    import re

    path.write_text(re.sub(r"reviewed: \S+", "reviewed: 2025-01-05", text, count=1))


def _workspace(example_workspace: Path) -> Workspace:
    _stale(example_workspace)
    toml = example_workspace / "firebreak.toml"
    toml.write_text(
        toml.read_text().replace(
            'to = ["team:ml-platform"]', 'to = ["person:dana", "person:lee"]', 1
        )
    )
    return require(example_workspace)


def _review(store: Store, ws: Workspace, **kw: Any) -> dict[str, Any]:
    with store.unit_of_work() as uow:
        return build_review(ws, uow.session, SystemClock().now(), timedelta(days=14), **kw)


def test_review_has_every_section_filled(store: Store, example_workspace: Path) -> None:
    ws = _workspace(example_workspace)
    write_history(store, ws, SystemClock().now(), worse=False)
    data = _review(store, ws)
    assert data["decay"] == []
    assert data["figures"]["incidents"] > 0 and data["figures"]["mttr_s"]["median"] == 40 * 60
    assert data["comparison"]["baseline"] == "before-changes"
    assert len(data["trend"]) == 6 and sum(p["incidents"] for p in data["trend"]) >= 6 * 3
    assert any(f["code"] == "FB201" for f in data["stale_runbooks"])
    assert data["drills_not_run"], "drills never run must be listed as not run"
    gaps = {g["runbook"]: g for g in data["execution_gaps"]}["chat-api-inference-outage"]
    assert gaps["skipped"] and gaps["out_of_order"] and gaps["expect_not_seen"]
    worked = gaps["incidents"]  # the weekly outage incidents inside the trend's weeks
    assert worked >= 5
    assert gaps["out_of_order"][0] == {
        "step": "diagnosis.2",
        "done_before": "diagnosis.1",
        "incidents": worked,
    }
    assert gaps["expect_not_seen"][0]["step"] == "diagnosis.3"  # the third step, as written
    undrilled = {
        c["person"]: {u["runbook"] for u in c["undrilled"]} for c in data["drill_coverage"]
    }
    assert "chat-api-inference-outage" in undrilled["lee"]
    assert "chat-api-inference-outage" not in undrilled.get("dana", set())  # drilled it live
    noisy = data["noisy_triggers"][0]
    assert noisy["trigger"] == "chat-api-inference-outage#0"
    assert noisy["threshold"]["above"] == 0.05 and noisy["false_alarms_per_week"] > 0
    assert isinstance(data["key_person"], list)
    text = review_markdown(data)
    for heading in REVIEW_SECTIONS:
        assert heading in text
    assert "No decay alarm" in text
    json.dumps(data)  # the JSON form is what --format json prints


def test_decay_alarms_when_the_last_two_weeks_are_worse(
    store: Store, example_workspace: Path
) -> None:
    ws = _workspace(example_workspace)
    write_history(store, ws, SystemClock().now(), worse=True)
    data = _review(store, ws)
    figures = {a["figure"] for a in data["decay"]}
    assert figures == {"mttr_s.median", "false_alarm_rate", "drill_pass_rate"}, data["decay"]
    text = review_markdown(data)
    assert text.index("## DECAY ALARMS") < text.index("## The three figures")
    assert "75% worse" in text  # median 70 min (false alarms count too) against 40


def test_review_sent_through_a_recording_channel(
    store: Store, example_workspace: Path, tmp_path: Path
) -> None:
    ws = _workspace(example_workspace)
    write_history(store, ws, SystemClock().now(), worse=True)
    data = _review(store, ws)
    channel = RecordingChannel(tmp_path / "sent.jsonl")
    results = send_review(ws, data, review_markdown(data), {"*": channel})
    people = {p for p in ("dana", "lee")}
    contacts = sum(len(ws.org.people[p].contacts) for p in people)
    assert len(results) == contacts and all(r.ok for r in results)
    sent = channel.records()
    assert {r["person_id"] for r in sent} == people
    assert all(r["title"].startswith("[DECAY: 3 alarm(s)]") for r in sent)
    assert all("## DECAY ALARMS" in r["text"] for r in sent)
    emails = {c.address for p in people for c in ws.org.people[p].contacts if c.type == "email"}
    assert emails and not emails & {r["address"] for r in sent}  # the record keeps them redacted


def test_handoff_has_every_section_filled(store: Store, example_workspace: Path) -> None:
    ws = _workspace(example_workspace)
    now = SystemClock().now()
    write_history(store, ws, now, worse=False)
    with store.unit_of_work(readonly=True) as uow:
        data = build_handoff(ws, uow.session, now, timedelta(days=7))
    statuses = {i["status"] for i in data["incidents"]}
    assert "acknowledged" in statuses and "resolved" in statuses
    assert [f["status"] for f in data["follow_ups"]] == ["acknowledged"]
    assert data["noisy_triggers"][0]["trigger"] == "chat-api-inference-outage#0"
    assert "chat-api-inference-outage" in {s["runbook"] for s in data["skipped_steps"]}
    assert data["oncall"] and all(s["on_call"] for s in data["oncall"])
    assert any(f["code"] == "FB201" for f in data["stale_runbooks"])
    assert data["drills_due"]
    text = handoff_markdown(data)
    for heading in HANDOFF_SECTIONS:
        assert heading in text


def test_empty_history_gives_every_section_saying_so(store: Store, example_workspace: Path) -> None:
    ws = require(example_workspace)
    data = _review(store, ws)
    assert data["figures"]["incidents"] == 0 and data["comparison"] is None and data["decay"] == []
    text = review_markdown(data)
    assert "No baseline saved yet" in text and "No false alarm." in text
    with store.unit_of_work(readonly=True) as uow:
        handoff = build_handoff(ws, uow.session, SystemClock().now(), timedelta(hours=12))
    assert "No incident in this shift." in handoff_markdown(handoff)


def test_a_baseline_from_an_older_version_is_refused_clearly(
    store: Store, example_workspace: Path
) -> None:
    from firebreak.metrics.load import save_baseline

    ws = require(example_workspace)
    with store.unit_of_work() as uow:
        save_baseline(
            uow.session, "old", {"mttr_s": {"median": 5}}, SystemClock().now(), replace=False
        )
    with pytest.raises(InputError, match="another firebreak version"):
        _review(store, ws, baseline_name="old")


def test_a_period_of_zero_is_refused(store: Store, example_workspace: Path) -> None:
    ws = require(example_workspace)
    with store.unit_of_work() as uow, pytest.raises(InputError, match="more than 0"):
        build_review(ws, uow.session, SystemClock().now(), timedelta(0))
