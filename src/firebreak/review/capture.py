"""Baseline captures: measure the figures over a period from now (two weeks by default) before
changing anything, and save them as a baseline when the period ends.

``firebreak baseline start`` records the capture; the service's tick (and any ``review`` or
``report --compare`` that reads it) saves the baseline once ``ends_at`` has passed, so the
baseline holds exactly the period's figures, whenever it is saved.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from firebreak.errors import Conflict, InputError
from firebreak.metrics.figures import Period
from firebreak.metrics.load import check_name, figures_from_session, save_baseline
from firebreak.store.tables import Baseline, BaselineCapture

DEFAULT_SPAN = timedelta(days=14)
MAX_SPAN = timedelta(days=366)


def start_capture(session: Session, name: str, now: datetime, span: timedelta) -> BaselineCapture:
    """Record a capture of ``span`` from ``now``; a name in use (capture or baseline) conflicts."""
    name = check_name(name)
    if span <= timedelta(0) or span > MAX_SPAN:
        raise InputError(f"--over: a capture lasts from 1 hour to 366 days, got {span}")
    if span < timedelta(hours=1):
        raise InputError(f"--over: a capture lasts from 1 hour to 366 days, got {span}")
    if session.scalars(select(BaselineCapture).where(BaselineCapture.name == name)).first():
        raise Conflict(f"a baseline capture named {name!r} already exists; choose another name")
    if session.scalars(select(Baseline).where(Baseline.name == name)).first():
        raise Conflict(f"a baseline named {name!r} is already saved; choose another name")
    row = BaselineCapture(name=name, started_at=now, ends_at=now + span, completed_at=None)
    session.add(row)
    session.flush()
    return row


def complete_due(session: Session, now: datetime) -> list[str]:
    """Save the baseline of every capture whose period has ended; the names saved."""
    due = session.scalars(
        select(BaselineCapture)
        .where(BaselineCapture.completed_at.is_(None), BaselineCapture.ends_at <= now)
        .order_by(BaselineCapture.ends_at)
    ).all()
    saved = []
    for capture in due:
        figures = figures_from_session(session, Period(capture.started_at, capture.ends_at))
        save_baseline(session, capture.name, figures, now, replace=True)
        capture.completed_at = now
        saved.append(capture.name)
    session.flush()
    return saved


def captures(session: Session, now: datetime) -> list[dict[str, Any]]:
    """Every capture with where it stands, newest first."""
    rows = session.scalars(
        select(BaselineCapture).order_by(BaselineCapture.started_at.desc())
    ).all()
    return [
        {
            "name": r.name,
            "since": r.started_at.isoformat(),
            "until": r.ends_at.isoformat(),
            "state": "saved" if r.completed_at else "capturing",
            "saved_at": r.completed_at.isoformat() if r.completed_at else None,
            "remaining_s": None if r.completed_at else max(0.0, (r.ends_at - now).total_seconds()),
        }
        for r in rows
    ]
