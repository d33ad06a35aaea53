"""Shared fixtures: a fresh copy of the example workspace per test, and a CLI runner."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture
def example_workspace(tmp_path: Path) -> Iterator[Path]:
    """A fresh example workspace, as `firebreak init` writes it."""
    from firebreak.clock import SystemClock
    from firebreak.examples import write_example

    root = tmp_path / "ws"
    write_example(root, SystemClock().now().date())
    yield root


# --- Store fixtures (owned by the incidents/store area) -------------------------------------
# `db_url` runs every test that uses it on SQLite (a file in tmp_path) and on PostgreSQL (a fresh
# database per test on the machine's server, dropped afterwards). Under CI=true a PostgreSQL server
# that cannot be reached fails the test instead of skipping it.

PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def _pg_admin_url() -> str:
    import os

    return os.environ.get("FIREBREAK_TEST_PG", PG_ADMIN_URL)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database URL, once per backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'firebreak.db'}"
        return
    import os
    import secrets

    import psycopg

    admin = _pg_admin_url()
    name = f"firebreak_test_{secrets.token_hex(6)}"
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is not reachable at {admin}: {exc}")
        pytest.skip(f"PostgreSQL is not reachable at {admin}")
    base = admin.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def store(db_url: str) -> Iterator[object]:
    """An upgraded store on each backend (firebreak.store.db.Store)."""
    from firebreak.store.db import open_store

    opened = open_store(db_url)
    opened.upgrade()
    yield opened
    opened.dispose()
