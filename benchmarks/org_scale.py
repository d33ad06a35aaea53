"""Time and memory of `firebreak lint` and of `serve`'s workspace load as the org grows.

For each size N it writes the example workspace (`firebreak init`) plus N more people, spread over
org files of at most 25,000 people each (each stays under the 5 MB per-file cap), with teams of 50
and one weekly schedule that rotates through the first team. It then runs, each in a fresh child
process, `firebreak lint` and `firebreak.workspace.load_workspace` (what `serve` does at start),
and prints wall time and peak resident memory, also per person; then it starts `firebreak serve`
(SQLite, loopback, a free port, `--no-watch`) and prints the time until /healthz answers 200
and the server's peak memory (row "up"), and stops it. Everything happens in a temporary
folder that is removed at the end.

    python benchmarks/org_scale.py [--sizes 10000,50000,200000]
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PER_FILE = 25_000
TEAM_SIZE = 50

LOAD = """
import sys
from pathlib import Path
from firebreak.workspace import load_workspace
result = load_workspace(Path(sys.argv[1]))
print(len(result.workspace.org.people), len(result.errors))
"""


def write_people(root: Path, n: int) -> None:
    org = root / "org"
    for start in range(0, n, PER_FILE):
        lines = ["people:"]
        for i in range(start, min(n, start + PER_FILE)):
            lines += [
                f"  - id: p{i:06d}",
                f"    name: Person {i}",
                "    timezone: Europe/Berlin",
                "    contacts:",
                f'      - {{type: slack, address: "@p{i:06d}"}}',
                f"      - {{type: email, address: p{i:06d}@example.com}}",
            ]
        text = "\n".join(lines) + "\n"
        assert len(text.encode()) < 5_000_000, "an org file over the cap"
        (org / f"people-{start // PER_FILE:02d}.yaml").write_text(text)
    lines = ["teams:"]
    for t in range(0, n, TEAM_SIZE):
        members = ", ".join(f"p{i:06d}" for i in range(t, min(n, t + TEAM_SIZE)))
        lines.append(f"  - {{id: bulk{t // TEAM_SIZE:05d}, members: [{members}]}}")
    first = ", ".join(f"p{i:06d}" for i in range(min(n, TEAM_SIZE)))
    lines += [
        "schedules:",
        "  - id: bulk-primary",
        "    timezone: Europe/Berlin",
        f'    rotation: {{members: [{first}], start: "2026-01-05T09:00", shift: 7d}}',
    ]
    (org / "bulk-teams.yaml").write_text("\n".join(lines) + "\n")


def measure(cmd: list[str]) -> tuple[float, float, str]:
    """Wall seconds, peak RSS in MB and stdout of one child run (waited for by itself)."""
    code = (
        "import resource, subprocess, sys, time\n"
        "t = time.perf_counter()\n"
        "p = subprocess.run(sys.argv[1:], capture_output=True, text=True, timeout=600)\n"
        "wall = time.perf_counter() - t\n"
        "rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024\n"
        "print(f'{wall} {rss} {p.returncode}')\n"
        "sys.stderr.write(p.stdout[-300:] + p.stderr[-300:])\n"
    )
    # A wrapper process per run, so RUSAGE_CHILDREN's peak belongs to this one run alone.
    out = subprocess.run(
        [sys.executable, "-c", code, *cmd], capture_output=True, text=True, timeout=700
    )
    wall, rss, rc = out.stdout.split()
    return float(wall), float(rss), f"exit {rc}: {out.stderr.strip().splitlines()[-1:]}"


def serve_up(root: Path, timeout: float = 600) -> tuple[float, float, str]:
    """Seconds from starting `firebreak serve` to /healthz answering 200, and its peak RSS in MB."""
    from firebreak.store.db import open_store

    store = open_store(f"sqlite:///{root / 'firebreak.db'}")
    store.upgrade()
    store.dispose()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    command = [sys.executable, "-m", "firebreak", "serve", "--workspace", str(root), "--no-watch"]
    start = time.perf_counter()
    server = subprocess.Popen(
        [*command, "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while time.perf_counter() - start < timeout:
            if server.poll() is not None:
                return time.perf_counter() - start, 0.0, f"exited {server.returncode}"
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=2) as c:
                    c.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    if b" 200 " in c.recv(100):
                        up = time.perf_counter() - start
                        status = Path(f"/proc/{server.pid}/status").read_text()
                        peak = next(ln for ln in status.splitlines() if ln.startswith("VmHWM:"))
                        return up, int(peak.split()[1]) / 1024, "healthz 200"
            except OSError:
                time.sleep(0.2)
        return timeout, 0.0, "not ready in time"
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,50000,200000")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    firebreak = [sys.executable, "-m", "firebreak"]
    print(
        f"{'N':>8} {'what':<6} {'wall s':>8} {'peak MB':>8} {'ms/1k':>7} {'KB/person':>9}  result"
    )
    with tempfile.TemporaryDirectory(prefix="fb-orgscale-") as tmp:
        for n in sizes:
            root = Path(tmp) / f"ws{n}"
            subprocess.run([*firebreak, "init", str(root)], check=True, capture_output=True)
            write_people(root, n)
            runs = {
                "lint": [*firebreak, "lint", str(root)],
                "serve": [sys.executable, "-c", LOAD, str(root)],
            }
            for what, cmd in [*runs.items(), ("up", [])]:
                wall, rss, result = serve_up(root) if what == "up" else measure(cmd)
                per_k = wall * 1000 / (n / 1000)
                per_person = rss * 1024 / n
                print(
                    f"{n:>8} {what:<6} {wall:>8.2f} {rss:>8.0f} {per_k:>7.1f} {per_person:>9.2f}"
                    f"  {result}",
                    flush=True,
                )


if __name__ == "__main__":
    start = time.perf_counter()
    main()
    print(f"total {time.perf_counter() - start:.0f} s")
