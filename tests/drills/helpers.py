"""Helpers for the drill tests."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select


def recorded(root: Path) -> list[tuple[str, bool]]:
    """(name, passed) of every drill_runs row in the workspace's store (none if no store)."""
    from firebreak.store.db import open_store
    from firebreak.store.tables import DrillRun

    if not (root / "firebreak.db").exists():
        return []
    store = open_store(f"sqlite:///{root / 'firebreak.db'}")
    try:
        with store.unit_of_work(readonly=True) as uow:
            return [(r.name, r.passed) for r in uow.session.scalars(select(DrillRun))]
    finally:
        store.dispose()
