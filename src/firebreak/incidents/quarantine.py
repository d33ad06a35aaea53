"""Setting aside an inbox alert the pipeline cannot process, so the alerts behind it go on.

Intake refuses what the store cannot hold (``firebreak.limits``), so a rejected row means a gap
in those checks, a row written before them, or a bug. The row is marked processed with outcome
``rejected`` and a short reason; ``/metrics`` counts such rows (``firebreak_alerts_rejected_total``)
and the UI's health page lists the latest.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError

from firebreak.errors import StoreError
from firebreak.store.db import UnitOfWork
from firebreak.store.tables import Alert

log = logging.getLogger("firebreak.pipeline")
REJECTED = "rejected"
REASON_MAX = 500
# Errors of the store itself (unreachable, locked, lost connection): retried, never the row's fault.
_TRANSIENT = (OperationalError, InterfaceError, DisconnectionError, StoreError)


def rejectable(exc: BaseException) -> bool:
    """Whether ``exc`` is the row's fault (set the row aside) rather than the store's (retry)."""
    return isinstance(exc, Exception) and not isinstance(exc, _TRANSIENT)


def reason(exc: BaseException) -> str:
    """A one-line reason safe to store and show: the error type and the start of its message."""
    orig = getattr(exc, "orig", None) or exc
    first = (str(orig).splitlines() or [""])[0]
    text = f"{type(orig).__name__}: {first}" if first else type(orig).__name__
    cleaned = "".join(
        c if c.isprintable() and not 0xD800 <= ord(c) <= 0xDFFF else "?" for c in text
    )
    return cleaned[:REASON_MAX]


def reject(uow: UnitOfWork, row: Any, exc: BaseException, now: datetime) -> None:
    """Mark inbox row ``row`` processed with outcome ``rejected`` and the reason."""
    why = reason(exc)
    log.warning("alert %s set aside: %s", row.id, why)
    uow.session.execute(
        update(Alert)
        .where(Alert.id == row.id)
        .values(processed_at=now, outcome=REJECTED, rejected_reason=why)
        .execution_options(synchronize_session=False)
    )


def rejected_count(uow: UnitOfWork) -> int:
    """How many alerts the pipeline has set aside, ever."""
    query = select(func.count()).select_from(Alert).where(Alert.outcome == REJECTED)
    return int(uow.session.execute(query).scalar_one())


def latest_rejected(uow: UnitOfWork, limit: int = 10) -> list[dict[str, Any]]:
    """The latest alerts set aside: id, source, received and processed times, reason."""
    query = (
        select(Alert.id, Alert.source, Alert.received_at, Alert.processed_at, Alert.rejected_reason)
        .where(Alert.outcome == REJECTED)
        .order_by(Alert.id.desc())
        .limit(limit)
    )
    return [
        {
            "id": r.id,
            "source": r.source,
            "received_at": r.received_at.isoformat() if r.received_at else None,
            "rejected_at": r.processed_at.isoformat() if r.processed_at else None,
            "reason": r.rejected_reason,
        }
        for r in uow.session.execute(query).all()
    ]
