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


def _open(workspace: str | None, db_url: str | None) -> tuple[Any, Any]:
    from firebreak.store.db import open_store
    from firebreak.workspace import require, resolve_root

    ws = require(resolve_root(workspace).resolve())
    store = open_store(store_url(str(ws.root), db_url))
    store.upgrade()
    return ws, store


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
def serve(
    workspace: str | None,
    db_url: str | None,
    host: str,
    port: int,
    tick: float,
    proxy_headers: bool,
) -> None:
    """Run intake, API, web UI and the background ticks in one process.

    \b
    Example:
      firebreak init demo && firebreak serve --workspace demo
    """
    import uvicorn

    from firebreak.clock import SystemClock
    from firebreak.web.app import RedactKeys, create_app

    ws, store = _open(workspace, db_url)
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
    uvicorn.Server(config).run(sockets=[sock])


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
def worker(workspace: str | None, db_url: str | None, tick: float, worker_id: str | None) -> None:
    """Run the pipeline, detection and escalation ticks alone (several may share PostgreSQL).

    \b
    Example:
      firebreak worker --workspace demo --db postgresql://firebreak@db.internal/firebreak
    """
    from firebreak.clock import SystemClock
    from firebreak.incidents.loop import Loop

    ws, store = _open(workspace, db_url)
    name = worker_id or f"{socket.gethostname()}:{os.getpid()}"
    # OTLP events live in the serve process that received them, so detection runs there.
    loop = Loop.live(store, ws, SystemClock(), name)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    click.echo(f"firebreak worker {name} ticking every {tick:g}s on {ws.root}", err=True)
    loop.run_forever(tick, stop)
    store.dispose()
    click.echo("worker stopped", err=True)
