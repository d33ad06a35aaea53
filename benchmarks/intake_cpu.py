"""Intake CPU per alert, in process: the ASGI app called directly, no sockets, no HTTP server.

`intake_load.py` measures the whole server over loopback, where uvicorn, the kernel and the load
generator share two cores and move the figure by ±15% from run to run. This drives the same app
(`create_app`, SQLite, ticks off) with ASGI calls from 32 concurrent tasks in one event loop and
reports the process's CPU time per accepted Alertmanager alert: JSON decoding, the limits checks,
parsing, the group commit and SQLite's insert, and little else. The best of --rounds runs is
printed, which makes it steady enough to compare two versions of the code in the same session:

    python benchmarks/intake_cpu.py [--alerts 20000] [--rounds 5]
    PYTHONPATH=<other checkout>/src python benchmarks/intake_cpu.py   # the same on other code
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from intake_load import alert_body, example_workspace  # as the loopback test has them


async def post(app: Any, path: str, body: bytes) -> int:
    """One ASGI request; returns the status the app answered."""
    sent = False
    status = 0

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            await asyncio.sleep(3600)  # the app never reads past the body
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = int(message["status"])

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"127.0.0.1"),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8080),
    }
    await app(scope, receive, send)
    return status


async def drive(app: Any, path: str, bodies: list[bytes], tasks: int) -> tuple[float, float, int]:
    """Post every body from ``tasks`` concurrent tasks; (process CPU seconds, the event loop
    thread's CPU seconds, accepted). The rest of the process's CPU is the intake writer's."""
    queue = list(reversed(bodies))
    accepted = 0

    async def worker() -> None:
        nonlocal accepted
        while queue:
            if await post(app, path, queue.pop()) == 200:
                accepted += 1

    cpu0, loop0 = time.process_time(), time.thread_time()
    await asyncio.gather(*(worker() for _ in range(tasks)))
    return time.process_time() - cpu0, time.thread_time() - loop0, accepted


def one_round(alerts: int, tasks: int) -> tuple[float, float, int, int]:
    """A fresh workspace and store; (CPU seconds, event loop CPU seconds, accepted, rows in the
    inbox)."""
    from firebreak.clock import SystemClock
    from firebreak.store.db import open_store
    from firebreak.web.app import create_app
    from firebreak.workspace import require

    with tempfile.TemporaryDirectory() as tmp:
        root, db, key = example_workspace(Path(tmp))
        store = open_store(f"sqlite:///{db}")
        app = create_app(require(root), store, SystemClock(), ticks=False)
        bodies = [alert_body(f"{i % 5000:016x}") for i in range(alerts)]

        async def run() -> tuple[float, float, int]:
            async with app.router.lifespan_context(app):  # starts the intake writer
                await drive(app, f"/intake/alertmanager/{key}", bodies[:200], tasks)  # warm up
                return await drive(app, f"/intake/alertmanager/{key}", bodies, tasks)

        cpu, loop_cpu, accepted = asyncio.run(run())
        store.dispose()
        with sqlite3.connect(db) as conn:
            stored = int(conn.execute("SELECT count(*) FROM alerts").fetchone()[0]) - 200
        return cpu, loop_cpu, accepted, stored


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alerts", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--tasks", type=int, default=32)
    args = parser.parse_args()
    results = [one_round(args.alerts, args.tasks) for _ in range(args.rounds)]
    for _, _, accepted, stored in results:
        if accepted != args.alerts or stored != args.alerts:
            raise SystemExit(f"accepted {accepted}, stored {stored} of {args.alerts} alerts")
    results.sort()
    best, median = results[0], results[len(results) // 2]
    us = 1e6 / args.alerts
    print(
        f"intake CPU in process ({args.tasks} tasks, {args.alerts} Alertmanager alerts, SQLite, "
        f"{args.rounds} rounds): best {best[0] * us:.1f} us per alert "
        f"(event loop {best[1] * us:.1f}, writer {(best[0] - best[1]) * us:.1f}), "
        f"median {median[0] * us:.1f} us"
    )


if __name__ == "__main__":
    main()
