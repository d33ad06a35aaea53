"""A module-scoped server per store (SQLite, PostgreSQL) for the hostile-input tests, with the
loop ticked by the test (so "within one tick" means exactly one ``Loop.tick``)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from fb_server import Running, serve
from sqlalchemy import select

from firebreak.clock import SystemClock
from firebreak.examples import write_example
from firebreak.incidents.loop import Loop
from firebreak.store.tables import Alert

PG_ADMIN_URL = os.environ.get("FIREBREAK_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


@contextmanager
def database(backend: str, folder: Path) -> Iterator[str]:
    """A fresh database URL on ``backend`` (dropped afterwards on PostgreSQL)."""
    if backend == "sqlite":
        yield f"sqlite:///{folder / 'firebreak.db'}"
        return
    import psycopg

    name = f"firebreak_test_{secrets.token_hex(6)}"
    try:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is not reachable: {exc}")
        pytest.skip("PostgreSQL is not reachable")
    try:
        yield f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def hostile_server(backend: str, folder: Path) -> Iterator[tuple[Running, Loop]]:
    root = folder / "ws"
    write_example(root, SystemClock().now().date())
    with database(backend, folder) as url, serve(root, url, ticks=False) as running:
        service = running.app.state.service
        loop = Loop(
            service.store,
            service.workspace,
            service.clock,
            "test",
            {},
            write_lock=service.write_lock,
        )
        yield running, loop


def post(running: Running, kind: str, body: Any, raw: bytes | None = None) -> httpx.Response:
    """POST ``body`` (JSON) or ``raw`` bytes to the intake route of ``kind``."""
    keys = running.keys
    path = {
        "generic": f"/intake/generic/{keys['generic']}",
        "alertmanager": f"/intake/alertmanager/{keys['alertmanager']}",
        "pagerduty": "/v2/enqueue",
        "otlp": "/v1/traces",
    }[kind]
    headers = {"content-type": "application/json"}
    if kind == "otlp":
        headers["authorization"] = f"Bearer {keys['otlp']}"
    if raw is None:
        if kind == "pagerduty" and isinstance(body, dict):
            body = {"routing_key": keys["pagerduty"], **body}
        raw = httpx_json(body)
    with httpx.Client(base_url=running.url, timeout=30) as client:
        return client.post(path, content=raw, headers=headers)


def httpx_json(body: Any) -> bytes:
    import json

    return json.dumps(body, allow_nan=True).encode()


def outcomes(running: Running, sender_keys: list[str]) -> dict[str, str | None]:
    """The pipeline's outcome for each alert its sender keyed so (None: still pending)."""
    with running.store.unit_of_work(readonly=True) as uow:
        rows = uow.session.execute(select(Alert.dedup_key, Alert.outcome)).all()
    found = {key.split("/", 1)[1]: result for key, result in rows}
    missing = [k for k in sender_keys if k not in found]
    assert not missing, f"no alert with key {missing[0]}"
    return {k: found[k] for k in sender_keys}


def outcome(running: Running, sender_key: str) -> str | None:
    return outcomes(running, [sender_key])[sender_key]
