"""``firebreak serve`` (intake, API, UI and ticks in one process) and ``firebreak worker``."""

from __future__ import annotations

import hashlib
import logging
import os
import signal
import socket
import threading
from typing import Any

import click

from firebreak.cli.db_cmd import store_url
from firebreak.cli.options import db_option, workspace_option

SESSION_KEY_ENV = "FIREBREAK_SESSION_KEY"


def _store_url(root: Any, db_url: str | None) -> str:
    """``--db``, else the workspace's; with an unreadable firebreak.toml, the default SQLite file
    if it exists (else the store cannot be known: ask for --db)."""
    from firebreak.errors import InputError

    try:
        return store_url(str(root), db_url)
    except InputError as exc:
        default = root / "firebreak.db"
        if default.exists():
            return f"sqlite:///{default}"
        raise click.ClickException(
            f"{exc}; pass --db URL so the last good snapshot can run"
        ) from None


def _open(
    workspace: str | None, db_url: str | None, process_id: str, watch: bool
) -> tuple[Any, Any, Any]:
    """The store (upgraded) and the running workspace: the files, else the last snapshot."""
    from firebreak.clock import SystemClock
    from firebreak.errors import WorkspaceError
    from firebreak.running import RunningWorkspace
    from firebreak.store.db import open_store
    from firebreak.workspace import resolve_root

    root = resolve_root(workspace).resolve()
    if not root.is_dir():
        raise WorkspaceError(f"workspace folder not found: {root}")
    store = open_store(_store_url(root, db_url))
    store.upgrade()
    running = RunningWorkspace(root, store, SystemClock(), process_id)
    ws = running.start()
    if running.source == "snapshot":
        click.echo(
            f"warning: the workspace files do not load; running the last good snapshot "
            f"(revision {running.revision}). Fix the files: the next good save is picked up"
            + ("" if watch else " on SIGHUP or POST /api/workspace/reload"),
            err=True,
        )
    signal.signal(signal.SIGHUP, lambda *_: running.request_reload())
    return ws, store, running


def _process_id(kind: str) -> str:
    return f"{kind}:{socket.gethostname()}:{os.getpid()}"


watch_option = click.option(
    "--watch/--no-watch",
    default=True,
    show_default=True,
    help="Reload the workspace when its files change (SIGHUP always reloads).",
)


def _session_key() -> bytes | None:
    """A session key shared by every serve process (from the environment), else None (random)."""
    value = os.environ.get(SESSION_KEY_ENV)
    return hashlib.sha256(value.encode()).digest() if value else None


def _first_admin(store: Any) -> str | None:
    """On first start, create an admin token and return it (None when one exists)."""
    from firebreak.clock import utcnow
    from firebreak.web.credentials import create_token, has_admin

    with store.unit_of_work() as uow:
        if has_admin(uow):
            return None
        return create_token(uow, "admin", "first-admin", utcnow())[1]


@click.command()
@workspace_option
@db_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--tick",
    default=1.0,
    show_default=True,
    type=click.FloatRange(0.05, 60),
    help="Seconds between pipeline/detection/escalation ticks.",
)
@click.option(
    "--proxy-headers/--no-proxy-headers",
    default=False,
    help="Trust X-Forwarded-* from a reverse proxy on this host (for TLS termination).",
)
@click.option(
    "--otlp-grpc-port",
    type=click.IntRange(1, 65535),
    default=None,
    help="Also take OTLP/gRPC (traces, metrics) on this port, same host; off by default.",
)
@watch_option
def serve(
    workspace: str | None,
    db_url: str | None,
    host: str,
    port: int,
    tick: float,
    proxy_headers: bool,
    otlp_grpc_port: int | None,
    watch: bool,
) -> None:
    """Run intake, API, web UI and the background ticks in one process.

    \b
    Example:
      firebreak init demo && firebreak serve --workspace demo
    """
    import uvicorn

    from firebreak.clock import SystemClock
    from firebreak.web.app import RedactKeys, create_app

    process_id = _process_id("serve")
    ws, store, running = _open(workspace, db_url, process_id, watch)
    if proxy_headers and ws.settings.server.auth_header:
        raise click.ClickException(
            "--proxy-headers with [server] auth_header would judge trusted_proxies by the "
            "forwarded client address, not the proxy's: leave --proxy-headers off"
        )
    first = _first_admin(store)
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    bound = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    app = create_app(
        ws,
        store,
        SystemClock(),
        session_key=_session_key(),
        tick_interval=tick,
        worker_id=process_id,
        running=running,
        watch=watch,
        public_url=f"http://{shown}:{bound}",
    )
    click.echo(f"firebreak is serving {ws.root} at http://{shown}:{bound}/", err=True)
    if first is not None:
        click.echo(
            "first start: an admin token was created; sign in with it (shown once):", err=True
        )
        click.echo(first)
    logging.getLogger("uvicorn.access").addFilter(RedactKeys())
    config = uvicorn.Config(
        app,
        log_level="warning",
        proxy_headers=proxy_headers,
        forwarded_allow_ips="127.0.0.1" if proxy_headers else None,
        timeout_graceful_shutdown=10,
    )
    grpc_server = _otlp_grpc(app, host, otlp_grpc_port)
    try:
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        if grpc_server is not None:
            grpc_server.stop(5)


def _otlp_grpc(app: Any, host: str, port: int | None) -> Any:
    """The OTLP/gRPC server beside the HTTP one, sharing its service (keys, limits, detector)."""
    if port is None:
        return None
    from firebreak.errors import FirebreakError
    from firebreak.web import otlp_grpc

    try:
        server, bound = otlp_grpc.start(app.state.service, host, port)
    except FirebreakError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"OTLP/gRPC on {host}:{bound}", err=True)
    return server


@click.command()
@workspace_option
@db_option
@click.option(
    "--tick",
    default=1.0,
    show_default=True,
    type=click.FloatRange(0.05, 60),
    help="Seconds between ticks.",
)
@click.option("--id", "worker_id", default=None, help="Worker id (default: host:pid).")
@watch_option
def worker(
    workspace: str | None, db_url: str | None, tick: float, worker_id: str | None, watch: bool
) -> None:
    """Run the pipeline, detection and escalation ticks alone (several may share PostgreSQL).

    \b
    Example:
      firebreak worker --workspace demo --db postgresql://firebreak@db.internal/firebreak
    """
    from firebreak.clock import SystemClock
    from firebreak.incidents.loop import Loop
    from firebreak.notify.live import live_channels

    name = worker_id or f"{socket.gethostname()}:{os.getpid()}"
    ws, store, running = _open(workspace, db_url, f"worker:{name}", watch)
    # OTLP events live in the serve process that received them, so detection runs there.
    loop = Loop.live(store, ws, SystemClock(), name)
    running.on_change(
        lambda new, _changed: loop.adopt(new, channels=live_channels(new.settings.channels))
    )
    threads = running.start_threads(watch)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    click.echo(f"firebreak worker {name} ticking every {tick:g}s on {ws.root}", err=True)
    if ws.settings.server.public_url is None:
        click.echo(
            "warning: [server] public_url is not set: links in pages will point at "
            "http://127.0.0.1:8080; set it to the address people reach firebreak at",
            err=True,
        )
    loop.run_forever(tick, stop)
    threads.set()
    store.dispose()
    click.echo("worker stopped", err=True)
