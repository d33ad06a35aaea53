"""Baseline captures: started now, saved by the tick when the period ends, on both stores."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from firebreak.errors import Conflict, InputError
from firebreak.metrics.load import get_baseline
from firebreak.review.capture import captures, complete_due, start_capture
from firebreak.review.weekly import build_review
from firebreak.store.db import Store
from firebreak.store.tables import Incident
from firebreak.workspace import require

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def _incident(opened: datetime, minutes: int) -> Incident:
    return Incident(
        title="outage",
        status="resolved",
        resolution="fixed",
        severity="sev1",
        service="chat-api",
        scenario="inference_outage",
        group_key=f"g{opened}",
        runbook_id=None,
        runbook=None,
        escalation_policy=None,
        opened_at=opened,
        last_alert_at=opened,
        acknowledged_at=None,
        mitigated_at=None,
        resolved_at=opened + timedelta(minutes=minutes),
        fault_started_at=None,
        drill=False,
        labels={},
        services=["chat-api"],
        trigger=None,
    )


def test_a_capture_is_saved_once_its_two_weeks_have_passed(store: Store) -> None:
    with store.unit_of_work() as uow:
        start_capture(uow.session, "before", T0, timedelta(days=14))
        uow.session.add(_incident(T0 + timedelta(days=1), 30))  # inside the capture
        uow.session.add(_incident(T0 + timedelta(days=20), 300))  # after it: never counted
    with store.unit_of_work() as uow:
        assert complete_due(uow.session, T0 + timedelta(days=13)) == []
        assert captures(uow.session, T0 + timedelta(days=13))[0]["state"] == "capturing"
    with store.unit_of_work() as uow:
        assert complete_due(uow.session, T0 + timedelta(days=21)) == ["before"]
        assert complete_due(uow.session, T0 + timedelta(days=22)) == []  # once only
    with store.unit_of_work(readonly=True) as uow:
        saved = get_baseline(uow.session, "before")
        assert saved.figures["incidents"] == 1
        assert saved.figures["mttr_s"]["median"] == 30 * 60
        assert saved.figures["period"]["until"] == (T0 + timedelta(days=14)).isoformat()
        assert captures(uow.session, T0 + timedelta(days=22))[0]["state"] == "saved"


def test_the_review_completes_a_due_capture_and_compares_with_it(
    store: Store, example_workspace: Path
) -> None:
    ws = require(example_workspace)
    with store.unit_of_work() as uow:
        start_capture(uow.session, "two-weeks", T0, timedelta(days=14))
        uow.session.add(_incident(T0 + timedelta(days=2), 30))
        uow.session.add(_incident(T0 + timedelta(days=16), 60))
    with store.unit_of_work() as uow:
        data = build_review(ws, uow.session, T0 + timedelta(days=18), timedelta(days=7))
    assert data["baselines_saved_now"] == ["two-weeks"]
    assert data["comparison"]["baseline"] == "two-weeks"
    mttr = {c["figure"]: c for c in data["comparison"]["figures"]}["mttr_s.median"]
    assert (mttr["baseline"], mttr["current"], mttr["verdict"]) == (1800.0, 3600.0, "worse")


def test_bad_captures_are_refused(store: Store) -> None:
    with store.unit_of_work() as uow:
        start_capture(uow.session, "x", T0, timedelta(days=14))
    with store.unit_of_work() as uow, pytest.raises(Conflict, match="already exists"):
        start_capture(uow.session, "x", T0, timedelta(days=14))
    with store.unit_of_work() as uow, pytest.raises(InputError, match="1 hour to 366 days"):
        start_capture(uow.session, "y", T0, timedelta(minutes=5))
    with store.unit_of_work() as uow, pytest.raises(InputError, match="printable"):
        start_capture(uow.session, "\x00", T0, timedelta(days=1))
