"""The store on both backends: migrations, the unit of work, UTC times, bad URLs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import inspect, select

from firebreak.errors import InputError
from firebreak.store.db import Store, normalise_url, open_store
from firebreak.store.tables import Alert, Baseline

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)

TABLES = {
    "alerts",
    "incidents",
    "incident_alerts",
    "timeline",
    "roles",
    "step_progress",
    "timers",
    "notifications",
    "api_tokens",
    "integrations",
    "drill_runs",
    "baselines",
}


def _alert(**kw: object) -> Alert:
    base: dict[str, object] = dict(
        source="generic",
        dedup_key="k1",
        status="firing",
        event_action="trigger",
        labels={"service": "chat-api"},
        summary="s",
        payload={},
        received_at=T0,
    )
    base.update(kw)
    return Alert(**base)


def test_upgrade_creates_every_table_and_is_idempotent(db_url: str) -> None:
    store = open_store(db_url)
    store.upgrade()
    store.upgrade()
    assert store.current_revision() is not None
    assert set(inspect(store.engine).get_table_names()) >= TABLES
    store.dispose()


def test_unit_of_work_commits_on_success_and_rolls_back_on_error(store: Store) -> None:
    with store.unit_of_work() as uow:
        uow.alerts.add(_alert(dedup_key="kept"))
    with pytest.raises(RuntimeError), store.unit_of_work() as uow:
        uow.alerts.add(_alert(dedup_key="lost"))
        raise RuntimeError("boom")
    with store.unit_of_work(readonly=True) as uow:
        keys = uow.session.scalars(select(Alert.dedup_key)).all()
    assert keys == ["kept"]


def test_times_come_back_aware_utc(store: Store) -> None:
    berlin = timezone(timedelta(hours=1))
    with store.unit_of_work() as uow:
        uow.session.add(
            Baseline(
                name="b",
                created_at=datetime(2026, 11, 2, 10, 0, tzinfo=berlin),
                figures={"mttr_s": 1.5},
            )
        )
    with store.unit_of_work() as uow:
        row = uow.session.scalars(select(Baseline)).one()
    assert row.created_at == T0
    assert row.created_at.tzinfo is not None
    assert row.figures == {"mttr_s": 1.5}


def test_naive_datetimes_are_refused(store: Store) -> None:
    with pytest.raises(Exception, match="timezone-aware"), store.unit_of_work() as uow:
        uow.alerts.add(_alert(received_at=datetime(2026, 11, 2, 9, 0)))


def test_postgres_urls_use_psycopg3() -> None:
    assert normalise_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("sqlite:///x.db") == "sqlite:///x.db"


def test_bad_urls_give_clear_errors(tmp_path: object) -> None:
    with pytest.raises(InputError, match="not a store URL"):
        open_store("not a url")
    with pytest.raises(InputError, match="unsupported store"):
        open_store("mysql://root@localhost/test")
    with pytest.raises(InputError, match="does not exist"):
        open_store("sqlite:////nonexistent-folder-xyz/f.db")


def test_sqlite_runs_in_wal_with_foreign_keys(tmp_path: object) -> None:
    from pathlib import Path

    store = open_store(f"sqlite:///{Path(str(tmp_path)) / 'w.db'}")
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
    store.dispose()
