"""A row the pipeline cannot process is set aside with its reason; the rest of its batch goes on.

The bad rows are written straight into the inbox, as an older firebreak (or a gap in intake's
checks) would have: PostgreSQL refuses them when the pipeline copies their labels into columns.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from incident_helpers import load, outage, process, push
from sqlalchemy import select

from firebreak.incidents import quarantine
from firebreak.incidents.intake import _values
from firebreak.incidents.model import AlertIn
from firebreak.store.db import Store
from firebreak.store.tables import Alert

T0 = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)

# Each set of labels passed intake before limits.py, and each fails the pipeline on PostgreSQL.
BAD_LABELS = {
    "nul_in_service": {"service": "chat\x00api", "scenario": "inference_outage"},
    "long_service": {"service": "s" * 121, "scenario": "inference_outage"},
    "long_scenario": {"service": "chat-api", "scenario": "x" * 41},
    "long_provider": {"provider": "p" * 600, "scenario": "third_party_failure"},
    "long_runbook_trigger": {"service": "chat-api", "runbook": "r" * 250, "trigger": "t" * 100},
}


def _raw(store: Store, alert: AlertIn) -> int:
    """Append without intake's checks."""
    with store.unit_of_work() as uow:
        return uow.alerts.append(_values(alert, T0))


@pytest.mark.parametrize("case", sorted(BAD_LABELS))
def test_a_row_the_store_refuses_is_set_aside_and_good_alerts_around_it_open(
    store: Store, example_workspace: Path, case: str
) -> None:
    ws = load(example_workspace)
    before = push(store, outage("before", service="chat-api"), T0)
    bad = _raw(store, AlertIn(source="generic", dedup_key=f"bad-{case}", labels=BAD_LABELS[case]))
    after = push(
        store,
        AlertIn(
            source="generic",
            dedup_key="after",
            labels={"service": "summarizer", "scenario": "cost_spike"},
            summary="spend above budget",
        ),
        T0,
    )
    result = process(store, ws, T0)
    with store.unit_of_work() as uow:
        rows = {r.id: r for r in uow.session.scalars(select(Alert)).all()}
        services = sorted(i.service or "" for i in uow.incidents.list())
        count = quarantine.rejected_count(uow)
        latest = quarantine.latest_rejected(uow)
    assert rows[before].outcome == "opened" and rows[after].outcome == "opened"
    assert {"chat-api", "summarizer"} <= set(services)
    if store.dialect == "postgresql":
        assert rows[bad].outcome == "rejected" and rows[bad].processed_at is not None
        assert rows[bad].incident_id is None
        assert rows[bad].rejected_reason
        assert count == 1 and latest[0]["id"] == bad
        assert result.outcomes["rejected"] == 1
    else:  # SQLite stores an over-long string: the row is processed like any other
        assert rows[bad].outcome in ("opened", "attached")
    # Nothing is left pending: the next tick has nothing to redo.
    assert process(store, ws, T0).processed == 0


def test_a_row_no_stage_can_read_is_set_aside_on_both_stores(
    store: Store, example_workspace: Path
) -> None:
    ws = load(example_workspace)
    bad = _raw(store, outage("bad"))
    with store.unit_of_work() as uow:  # labels that are not an object: no stage can read them
        uow.session.execute(Alert.__table__.update().where(Alert.id == bad).values(labels=["x"]))
    good = push(store, outage("good", service="summarizer", scenario="cost_spike"), T0)
    result = process(store, ws, T0)
    assert result.outcomes == {"rejected": 1, "opened": 1}
    with store.unit_of_work() as uow:
        row = uow.session.get(Alert, bad)
        assert row is not None and row.outcome == "rejected"
        assert row.rejected_reason is not None and "AttributeError" in row.rejected_reason
        assert uow.session.get(Alert, good).outcome == "opened"  # type: ignore[union-attr]
        assert [i.service for i in uow.incidents.list()] == ["summarizer"]
