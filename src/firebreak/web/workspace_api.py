"""The running workspace over HTTP: ``GET /api/workspace``, ``POST /api/workspace/reload``, and
the health figures ``/healthz`` and ``/metrics`` report (a stalled inbox, a refused reload).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import func, select

from firebreak.errors import FirebreakError
from firebreak.running import RunningWorkspace
from firebreak.store.db import Store
from firebreak.store.tables import Alert, Notification
from firebreak.web.api import Admin, Viewer
from firebreak.web.service import Service

router = APIRouter(prefix="/api", tags=["api"])


class ReloadRefused(FirebreakError):
    """The files did not load; the running workspace goes on. ``errors`` lists the problems."""

    code = "workspace_refused"
    http_status = 422

    def __init__(self, message: str, errors: list[dict[str, Any]]) -> None:
        super().__init__(message)
        self.errors = errors


def _running(request: Request) -> RunningWorkspace:
    service: Service = request.app.state.service
    assert service.running is not None
    return service.running


@router.get("/workspace", summary="The workspace revision this process runs, and its reloads")
def workspace(request: Request, who: Viewer) -> dict[str, Any]:
    return _running(request).status()


@router.post("/workspace/reload", summary="Reload the workspace from its files now")
def reload(request: Request, who: Admin) -> dict[str, Any]:
    running = _running(request)
    outcome = running.reload()
    if not outcome.ok:
        raise ReloadRefused(
            f"the workspace has {len(outcome.errors)} error(s); still running revision "
            f"{running.revision}",
            outcome.errors,
        )
    loaded = running.loaded_at.isoformat() if running.loaded_at else None
    return {"revision": running.revision, "loaded_at": loaded}


def inbox_oldest_seconds(store: Store, now: datetime) -> float:
    """Age of the oldest alert the pipeline has not consumed yet (0 when the inbox is empty)."""
    with store.unit_of_work(readonly=True) as uow:
        oldest = uow.session.scalar(
            select(Alert.received_at)
            .where(Alert.processed_at.is_(None))
            .order_by(Alert.id)
            .limit(1)
        )
    return max(0.0, (now - oldest).total_seconds()) if oldest is not None else 0.0


def health(service: Service) -> tuple[int, dict[str, Any]]:
    """``/healthz``: 503 stalled (inbox older than ``stall_after``, or no workspace), 200
    degraded after a refused reload, else 200 ok. Raises StoreError when the store is down."""
    running = service.running
    now = service.clock.now()
    oldest = inbox_oldest_seconds(service.store, now)
    limit = service.workspace.settings.server.stall_after.total_seconds()
    body: dict[str, Any] = {"inbox_oldest_seconds": round(oldest, 3)}
    if running is not None:
        body["revision"] = running.revision
    if running is not None and running.workspace is None:
        return 503, {"status": "stalled", "reason": "no workspace is loaded", **body}
    if oldest > limit:
        reason = f"an alert has waited {oldest:.0f}s in the inbox (stall_after {limit:.0f}s)"
        return 503, {"status": "stalled", "reason": reason, **body}
    last = running.last_reload if running is not None else None
    if last is not None and not last.ok:
        reason = (
            f"the last workspace reload was refused ({len(last.errors)} error(s)); "
            f"running revision {running.revision if running else None}"
        )
        return 200, {"status": "degraded", "reason": reason, **body}
    if running is not None and running.source == "snapshot":
        reason = f"running the snapshot of revision {running.revision}: the files do not load"
        return 200, {"status": "degraded", "reason": reason, **body}
    return 200, {"status": "ok", **body}


def health_metrics(service: Service) -> str:
    """The workspace and inbox figures in Prometheus text format."""
    running = service.running
    now = service.clock.now()
    last = running.last_reload if running is not None else None
    ok = 1 if (last is None or last.ok) and running is not None and running.workspace else 0
    stamp = running.last_success if running is not None else None
    with service.store.unit_of_work(readonly=True) as uow:
        failed = uow.session.scalar(
            select(func.count(Notification.id)).where(Notification.status == "failed")
        )
    lines = [
        "# HELP firebreak_workspace_reload_success Whether the last workspace load succeeded.",
        "# TYPE firebreak_workspace_reload_success gauge",
        f"firebreak_workspace_reload_success {ok}",
        "# HELP firebreak_workspace_reload_timestamp_seconds When the files last loaded.",
        "# TYPE firebreak_workspace_reload_timestamp_seconds gauge",
        f"firebreak_workspace_reload_timestamp_seconds {stamp.timestamp() if stamp else 0:.3f}",
        "# HELP firebreak_inbox_oldest_seconds Age of the oldest alert not yet consumed.",
        "# TYPE firebreak_inbox_oldest_seconds gauge",
        f"firebreak_inbox_oldest_seconds {inbox_oldest_seconds(service.store, now):.3f}",
        "# HELP firebreak_pages_failed_total Pages that failed on their contact (send log).",
        "# TYPE firebreak_pages_failed_total counter",
        f"firebreak_pages_failed_total {failed or 0}",
    ]
    return "\n".join(lines) + "\n"
