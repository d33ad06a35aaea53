"""The app factory: intake, API, UI, /healthz and /metrics in one FastAPI app.

``create_app(workspace, store, clock)`` builds it; ``firebreak serve`` runs it under uvicorn with
the background ticks on. Errors are JSON ``{"error": code, "message": …}`` (an HTML page for the
UI), never a traceback, and never echo a secret.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from firebreak import __version__
from firebreak.clock import Clock
from firebreak.errors import FirebreakError
from firebreak.incidents import quarantine
from firebreak.incidents.loop import Loop
from firebreak.notify.channels import Channels
from firebreak.notify.live import live_channels
from firebreak.running import RunningWorkspace
from firebreak.store.db import Store
from firebreak.web import (
    api,
    bodycap,
    intake,
    links,
    maintenance,
    openapi_docs,
    ui,
    views,
    workspace_api,
)
from firebreak.web.service import Service
from firebreak.workspace import Workspace

log = logging.getLogger("firebreak.web")
MACHINE_PREFIXES = ("/api/", "/intake/", "/v1/", "/v2/", "/healthz", "/metrics", "/openapi")
KEY_IN_PATH = re.compile(r"(/intake/[a-z]+/|/a/)[^/?\s\"]+")


def redact_path(text: str) -> str:
    """Hide the integration key that intake URLs carry, and the signed token of a page's link
    (``/a/<token>``), for log lines."""
    return KEY_IN_PATH.sub(r"\1***", text)


class RedactKeys(logging.Filter):
    """A log filter for uvicorn's access log: intake keys never reach a log line."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact_path(a) if isinstance(a, str) else a for a in record.args)
        return True


class FirebreakApp(FastAPI):
    """FastAPI with intake (``web.intake``) in front of its middleware stack: under load most
    requests are alert posts, and the stack's cost per request is most of theirs. The OpenAPI
    schema lists the intake routes beside the framework's own."""

    intake: intake.Intake | None = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if self.intake is not None and await self.intake.handle(scope, receive, send):
            return
        if scope["type"] == "http":  # every other route: its body capped before anything reads it
            if bodycap.declared_too_large(scope):
                if ui.is_browser_form(scope):
                    await ui.refuse_large_form(scope, receive, send)
                else:
                    await bodycap.refuse(send)
                return
            receive = bodycap.capped(receive)
        await super().__call__(scope, receive, send)

    def openapi(self) -> dict[str, Any]:
        if self.openapi_schema is None:
            schema = super().openapi()
            schema["paths"] = {**intake.openapi_paths(), **schema.get("paths", {})}
            openapi_docs.complete(schema)
        return self.openapi_schema or {}


def create_app(
    workspace: Workspace,
    store: Store,
    clock: Clock,
    *,
    session_key: bytes | None = None,
    channels: Channels | None = None,
    ticks: bool = True,
    tick_interval: float = 1.0,
    worker_id: str = "serve",
    running: RunningWorkspace | None = None,
    watch: bool = False,
    public_url: str | None = None,
) -> FastAPI:
    """Build the service for ``workspace`` on ``store`` (already upgraded), reading ``clock``.

    ``running`` is the process's running workspace (``serve`` passes the one it started); with
    ``watch`` its files are watched and reloaded while the app runs. ``public_url`` (what
    ``serve`` listens on) starts the links in pages when ``[server] public_url`` is not set."""
    service = Service(
        workspace=workspace, store=store, clock=clock, channels=channels, public_url=public_url
    )
    if session_key is not None:
        service.session_key = session_key
    loop = _loop(service, worker_id) if ticks else None
    running_ws = service.running = running or _running(service, worker_id)
    _follow_reloads(service, running_ws, loop, rebuild_channels=channels is None)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await service.writer.start()
        task = asyncio.create_task(loop.run_async(tick_interval)) if loop else None
        stop = running_ws.start_threads(watch)
        try:
            yield
        finally:
            stop.set()
            if task is not None:
                task.cancel()
                with suppress(asyncio.CancelledError):
                    await task
            if loop is not None:
                loop.close()
            await service.writer.stop()

    app = FirebreakApp(
        title="firebreak",
        version=__version__,
        lifespan=lifespan,
        docs_url=None,  # the Swagger and ReDoc pages load scripts from a CDN: none here
        redoc_url=None,
        description="Incident response for AI services: intake, incidents, on-call and figures.",
    )
    app.state.service = service
    app.state.loop = loop
    app.include_router(api.router)
    app.include_router(maintenance.api)
    app.include_router(workspace_api.router)
    app.include_router(ui.router)
    app.include_router(links.router)
    app.include_router(maintenance.pages)
    app.mount(
        "/static", StaticFiles(directory=str(Path(__file__).parent / "static")), name="static"
    )
    app.add_middleware(ui.SecurityHeaders)
    _install_handlers(app)
    _install_probes(app, service)
    app.intake = intake.Intake(service)
    return app


def _loop(service: Service, worker_id: str) -> Loop:
    """The live loop beside the HTTP server: detection fed by this process's OTLP intake."""
    loop = Loop.live(
        service.store,
        service.workspace,
        service.clock,
        worker_id,
        service.channels,
        telemetry=service.take_telemetry,
        observe=service.stats.observe_tick,
        write_lock=service.write_lock,
        health=service.sources,
    )
    service.channels = loop.channels
    loop.public_url = service.public_url
    return loop


def _running(service: Service, worker_id: str) -> RunningWorkspace:
    """A running workspace for a workspace the caller loaded itself (tests, embedding)."""
    running = RunningWorkspace(service.workspace.root, service.store, service.clock, worker_id)
    running.adopt_loaded(service.workspace)
    return running


def _follow_reloads(
    service: Service, running: RunningWorkspace, loop: Loop | None, *, rebuild_channels: bool
) -> None:
    """Every workspace the running workspace adopts replaces the one the app and loop use."""

    def adopt(workspace: Workspace, runbooks_changed: bool) -> None:
        service.workspace = workspace
        service.forget_lint()
        if loop is not None:
            channels = live_channels(workspace.settings.channels) if rebuild_channels else None
            loop.adopt(
                workspace,
                runbooks_changed=runbooks_changed,
                channels=channels,
                promql_health=service.sources,
            )
            service.channels = loop.channels

    running.on_change(adopt)


def _install_probes(app: FastAPI, service: Service) -> None:
    @app.get("/healthz", tags=["ops"], summary="Liveness, a stalled inbox, the workspace (no auth)")
    def healthz() -> JSONResponse:
        try:
            service.store.ping()
            status, body = workspace_api.health(service)
        except FirebreakError:
            return JSONResponse({"status": "unavailable", "store": "unreachable"}, 503)
        return JSONResponse({**body, "version": __version__}, status)

    @app.get(
        "/metrics",
        tags=["ops"],
        summary="Prometheus text exposition",
        response_class=PlainTextResponse,
    )
    def metrics() -> PlainTextResponse:
        with service.store.unit_of_work(readonly=True) as uow:
            counts = views.open_by_status(uow)
            rejected = quarantine.rejected_count(uow)
        text = service.stats.render(counts, rejected) + service.sources.render()
        text += workspace_api.health_metrics(service)
        return PlainTextResponse(text, media_type="text/plain; version=0.0.4")


def _wants_html(request: Request) -> bool:
    path = request.url.path
    if path.startswith(MACHINE_PREFIXES) or path == "/incidents/rows":
        return False
    return "text/html" in request.headers.get("accept", "") or request.method == "POST"


def _error(
    request: Request, status: int, code: str, message: str, extra: dict[str, Any] | None = None
) -> Response:
    if _wants_html(request):
        return ui.error_page(request, status, message)
    body: dict[str, Any] = {"error": code, "message": message, **(extra or {})}
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, headers=headers)


def _install_handlers(app: FastAPI) -> None:
    @app.exception_handler(FirebreakError)
    async def known(request: Request, exc: FirebreakError) -> Response:
        errors = getattr(exc, "errors", None)
        extra = {"errors": errors} if isinstance(errors, list) else None
        if exc.http_status >= 500:
            log.warning("%s %s failed: %s", request.method, redact_path(request.url.path), exc.code)
        return _error(request, exc.http_status, exc.code, exc.message, extra)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        details = [
            {"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", ""))}
            for e in exc.errors()
        ]
        if details:
            message = f"{'.'.join(details[0]['loc'])}: {details[0]['msg']}"
        else:
            message = "invalid request"
        return _error(request, 422, "invalid_request", message, {"details": details})

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        codes = {404: "not_found", 405: "method_not_allowed", 413: "payload_too_large"}
        code = codes.get(exc.status_code, "http_error")
        return _error(request, exc.status_code, code, str(exc.detail))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        log.error(
            "%s %s: unexpected %s",
            request.method,
            redact_path(request.url.path),
            type(exc).__name__,
            exc_info=(type(exc), exc, None),
        )
        return _error(request, 500, "internal", "internal error; the server log has the details")


__all__ = ["HTMLResponse", "RedactKeys", "create_app", "redact_path"]
