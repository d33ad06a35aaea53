"""A real firebreak server on a free loopback port, in a thread, for the web and e2e tests."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from firebreak.clock import Clock, SystemClock
from firebreak.store.db import Store, open_store
from firebreak.web.app import create_app
from firebreak.web.credentials import create_integration, create_token
from firebreak.workspace import require


@dataclass
class Running:
    url: str
    store: Store
    app: Any
    tokens: dict[str, str] = field(default_factory=dict)  # role -> secret
    keys: dict[str, str] = field(default_factory=dict)  # integration kind -> key

    def client(self, role: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.tokens[role]}"} if role else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=10)

    def wait_for(self, check: Any, timeout: float = 30.0) -> Any:
        """Poll ``check()`` until it returns something truthy (the pipeline ticks in between)."""
        deadline = time.monotonic() + timeout
        while True:
            value = check()
            if value or time.monotonic() > deadline:
                return value
            time.sleep(0.05)


@contextmanager
def serve(
    root: Path,
    db_url: str | None = None,
    tick: float = 0.1,
    ticks: bool = True,
    worker_id: str = "serve",
    clock: Clock | None = None,
    channels: Any = None,
    host: str = "127.0.0.1",
    watch: bool = False,
) -> Iterator[Running]:
    """Start the app (ticks on) under uvicorn; yield with a token per role and a key per kind.
    ``clock`` (default the system's) and ``channels`` (default the workspace's) go to the app;
    links in pages start at the server's own address."""
    workspace = require(root)
    store = open_store(db_url or f"sqlite:///{root / 'firebreak.db'}")
    store.upgrade()
    now = SystemClock().now()
    running = Running(url="", store=store, app=None)
    with store.unit_of_work() as uow:
        for role in ("viewer", "responder", "admin"):
            running.tokens[role] = create_token(uow, role, f"test-{role}", now)[1]
        for kind in ("alertmanager", "pagerduty", "generic", "otlp"):
            running.keys[kind] = create_integration(uow, kind, f"test-{kind}", now)[1]
    sock = socket.socket()
    sock.bind((host, 0))
    port = sock.getsockname()[1]
    app = create_app(
        workspace,
        store,
        clock or SystemClock(),
        tick_interval=tick,
        ticks=ticks,
        worker_id=worker_id,
        channels=channels,
        public_url=f"http://{host}:{port}",
        watch=watch,
    )
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    running.url, running.app = f"http://{host}:{port}", app
    try:
        yield running
    finally:
        server.should_exit = True
        thread.join(15)
        sock.close()
        store.dispose()
