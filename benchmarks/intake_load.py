"""Intake load: sustained alerts per second and latency of `firebreak serve` on SQLite.

Starts `firebreak serve` on a fresh example workspace (SQLite, ticks on), then a separate process
posts Alertmanager webhooks (one alert each) over loopback keep-alive connections for --seconds:
10% carry a new fingerprint, the rest repeat one of the recent ones. Prints sustained alerts/s
and p50/p99 latency, and checks that every accepted alert is in the store's inbox.

By default the server's pipeline, detection and escalation ticks run every second in the same
process, sharing the machine's two cores with the load generator; `--tick 60` keeps them out of
the 30 s so the figure is the intake path alone (validate, append, answer), as DESIGN.md draws it.

    python benchmarks/intake_load.py [--seconds 30] [--connections 32] [--tick 1|60]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import random
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


def example_workspace(tmp: Path) -> tuple[Path, Path, str]:
    """The example workspace under ``tmp`` with its SQLite store upgraded and one Alertmanager
    integration: (workspace root, database file, integration key)."""
    from firebreak.examples import write_example
    from firebreak.store.db import open_store
    from firebreak.web.credentials import create_integration

    root = tmp / "ws"
    write_example(root, datetime.now(UTC).date())
    db = root / "firebreak.db"
    store = open_store(f"sqlite:///{db}")
    store.upgrade()
    with store.unit_of_work() as uow:
        key = create_integration(uow, "alertmanager", "bench", datetime.now(UTC))[1]
    store.dispose()
    return root, db, key


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def alert_body(fingerprint: str) -> bytes:
    alert = {
        "status": "firing",
        "labels": {
            "alertname": "ChatApiErrorRatioHigh",
            "service": "chat-api",
            "scenario": "inference_outage",
            "severity": "critical",
            "instance": f"pod-{fingerprint[:6]}",
        },
        "annotations": {"summary": "chat-api fails more than 5% of requests"},
        "startsAt": "2026-11-27T02:58:11.207Z",
        "endsAt": "0001-01-01T00:00:00Z",
        "generatorURL": "http://prometheus:9090/graph",
        "fingerprint": fingerprint,
    }
    body = {
        "version": "4",
        "groupKey": '{}:{alertname="ChatApiErrorRatioHigh"}',
        "truncatedAlerts": 0,
        "status": "firing",
        "receiver": "firebreak",
        "groupLabels": {"alertname": "ChatApiErrorRatioHigh"},
        "commonLabels": {},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager:9093",
        "alerts": [alert],
    }
    return json.dumps(body).encode()


async def one_connection(
    port: int, path: str, deadline: float, seed: int, latencies: list[float], counts: dict[str, int]
) -> None:
    rng = random.Random(seed)
    recent = [f"{rng.getrandbits(64):016x}" for _ in range(50)]
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    head = f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
    while time.perf_counter() < deadline:
        if rng.random() < 0.10:
            fingerprint = f"{rng.getrandbits(64):016x}"
            recent[rng.randrange(len(recent))] = fingerprint
            counts["new"] += 1
        else:
            fingerprint = recent[rng.randrange(len(recent))]
        body = alert_body(fingerprint)
        start = time.perf_counter()
        writer.write(f"{head}Content-Length: {len(body)}\r\n\r\n".encode() + body)
        status_line = await reader.readline()
        length = 0
        while (line := await reader.readline()) not in (b"\r\n", b""):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        await reader.readexactly(length)
        latencies.append(time.perf_counter() - start)
        counts["ok" if status_line.split()[1] == b"200" else "failed"] += 1
    writer.close()


def load(port: int, path: str, seconds: float, connections: int, out: Any) -> None:
    """The load generator (its own process): returns counts and latencies through ``out``."""
    latencies: list[float] = []
    counts = {"ok": 0, "failed": 0, "new": 0}

    async def main() -> float:
        start = time.perf_counter()
        deadline = start + seconds
        await asyncio.gather(
            *(
                one_connection(port, path, deadline, i, latencies, counts)
                for i in range(connections)
            )
        )
        return time.perf_counter() - start

    cpu0 = time.process_time()
    elapsed = asyncio.run(main())
    out.send(
        {
            "elapsed": elapsed,
            "counts": counts,
            "latencies": latencies,
            "cpu": time.process_time() - cpu0,
        }
    )


def wait_ready(port: int, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
            raise SystemExit(f"the server exited before it was ready:\n{err[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                if b"200" in s.recv(100):
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("the server did not become ready")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux /proc), for CPU cost per alert."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument(
        "--tick",
        type=float,
        default=1.0,
        help="serve's tick interval; 60 keeps the pipeline out of the run to measure intake alone",
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        root, db, key = example_workspace(Path(tmp))
        port = free_port()
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "firebreak",
                "serve",
                "--workspace",
                str(root),
                "--port",
                str(port),
                "--tick",
                str(args.tick),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env={**os.environ},
        )
        try:
            wait_ready(port, server)
            receive, send = multiprocessing.Pipe(duplex=False)
            gen = multiprocessing.Process(
                target=load,
                args=(port, f"/intake/alertmanager/{key}", args.seconds, args.connections, send),
            )
            server_cpu = cpu_seconds(server.pid)
            gen.start()
            result = receive.recv()
            gen.join()
            server_cpu = cpu_seconds(server.pid) - server_cpu
        finally:
            server.terminate()
            server.wait(30)
        with sqlite3.connect(db) as conn:
            stored = conn.execute("SELECT count(*) FROM alerts").fetchone()[0]
    counts, lat = result["counts"], result["latencies"]
    rate = counts["ok"] / result["elapsed"]
    print(
        f"intake load (serve --tick {args.tick:g}): {args.connections} connections for "
        f"{result['elapsed']:.1f} s over loopback,"
        f" SQLite, one alert per Alertmanager webhook, {counts['new']} new fingerprints "
        f"({100 * counts['new'] / max(1, counts['ok'] + counts['failed']):.0f}%)"
    )
    print(f"  accepted: {counts['ok']}  failed: {counts['failed']}  in the inbox: {stored}")
    print(f"  sustained: {rate:,.0f} alerts/s")
    print(
        f"  latency: p50 {pct(lat, 50) * 1000:.1f} ms  p99 {pct(lat, 99) * 1000:.1f} ms  "
        f"max {max(lat) * 1000:.1f} ms"
    )
    total = max(1, counts["ok"])
    print(
        f"  CPU per alert: server {server_cpu / total * 1000:.2f} ms (intake and ticks), "
        f"load generator {result['cpu'] / total * 1000:.2f} ms; machine load average "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    if stored < counts["ok"]:
        raise SystemExit("an accepted alert is missing from the store")


if __name__ == "__main__":
    main()
