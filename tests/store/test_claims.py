"""Claims keep workers apart: a timer held by one worker is never handed to another."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from firebreak.store.db import Store
from firebreak.store.tables import Incident, Timer

T0 = datetime(2026, 12, 1, tzinfo=UTC)


def _seed(store: Store) -> None:
    with store.unit_of_work() as uow:
        incident = Incident(
            title="t",
            status="triggered",
            severity="sev1",
            group_key="g",
            opened_at=T0,
            last_alert_at=T0,
            labels={},
            services=[],
        )
        uow.session.add(incident)
        uow.session.flush()
        for level in range(2):
            uow.session.add(Timer(incident_id=incident.id, kind="escalate", due_at=T0, level=level))


def test_a_claimed_timer_goes_to_nobody_else(store: Store) -> None:
    _seed(store)
    lease = T0 + timedelta(minutes=2)
    if store.dialect == "postgresql":
        # Worker A holds its row lock (transaction open) while B claims: SKIP LOCKED.
        with store.unit_of_work() as a:
            mine = a.timers.claim_due(T0, "a", lease, 1)
            with store.unit_of_work() as b:
                theirs = b.timers.claim_due(T0, "b", lease, 5)
    else:
        # SQLite serialises writers (BEGIN IMMEDIATE): B sees A's committed lease.
        with store.unit_of_work() as a:
            mine = a.timers.claim_due(T0, "a", lease, 1)
        with store.unit_of_work() as b:
            theirs = b.timers.claim_due(T0, "b", lease, 5)
    assert len(mine) == 1 and len(theirs) == 1
    assert mine[0].id != theirs[0].id
    with store.unit_of_work() as c:  # both leases still hold
        assert c.timers.claim_due(T0 + timedelta(minutes=1), "c", lease, 5) == []
    with store.unit_of_work() as d:  # after the leases lapse, a dead worker's timers come back
        assert len(d.timers.claim_due(lease + timedelta(seconds=1), "d", lease, 5)) == 2
