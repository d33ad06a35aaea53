"""Memory of `firebreak serve` under huge unauthenticated bodies (the body caps).

Starts `firebreak serve` on a fresh example workspace (SQLite, loopback, a free port), reads its
resident memory when idle, then sends 300 MB bodies with no credentials, one at a time: chunked
and with a declared Content-Length, to an API route that takes a JSON body (`POST /api/incidents/1/resolve`) and to an
intake route (`POST /intake/generic/<unknown key>`). The sender stops when the server answers
(or closes); the peak resident memory of the server during each send (sampled from /proc every
10 ms) is printed beside idle. Bounded: four sends, each stopping after at most 300 MB or 60 s.

    python benchmarks/body_cap_memory.py [--mb 300]
"""

from __future__ import annotations

import argparse
import os
import select
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from intake_load import example_workspace, free_port, wait_ready  # the same start-up

CHUNK = 64 * 1024


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def send_huge(port: int, path: str, total: int, chunked: bool) -> tuple[str, int]:
    """Send up to ``total`` bytes of body; return the status line and how many bytes went."""
    framing = b"Transfer-Encoding: chunked" if chunked else f"Content-Length: {total}".encode()
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n".encode()
        + framing
        + b"\r\n\r\n"
    )
    piece = b"[" * CHUNK
    frame = f"{CHUNK:x}\r\n".encode() + piece + b"\r\n" if chunked else piece
    sent = 0
    deadline = time.monotonic() + 60
    answer = b""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(head)
        while sent < total and time.monotonic() < deadline:
            readable, _, _ = select.select([s], [], [], 0)
            if readable:  # the server answered (or closed) before the body ended
                break
            try:
                s.sendall(frame)
            except OSError:  # the server closed the connection: it refused the body
                break
            sent += CHUNK
        s.settimeout(5)
        try:
            while b"\r\n" not in answer:
                more = s.recv(4096)
                if not more:
                    break
                answer += more
        except OSError:
            pass
    return answer.split(b"\r\n", 1)[0].decode(errors="replace") or "(closed)", sent


def peak_during(pid: int, work: threading.Thread) -> float:
    peak = rss_mb(pid)
    work.start()
    while work.is_alive():
        peak = max(peak, rss_mb(pid))
        time.sleep(0.01)
    return max(peak, rss_mb(pid))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=300)
    args = parser.parse_args()
    total = args.mb * 1024 * 1024

    with tempfile.TemporaryDirectory() as tmp:
        root = example_workspace(Path(tmp))[0]
        port = free_port()
        command = [sys.executable, "-m", "firebreak", "serve", "--workspace", str(root)]
        server = subprocess.Popen(
            [*command, "--host", "127.0.0.1", "--port", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ},
        )
        try:
            wait_ready(port, server)
            time.sleep(2)  # let start-up settle
            idle = rss_mb(server.pid)
            print(f"idle: {idle:.1f} MB resident")
            worst = 0.0
            for path in ("/api/incidents/1/resolve", "/intake/generic/fbi_unknown"):
                for chunked in (True, False):
                    result: dict[str, tuple[str, int]] = {}
                    work = threading.Thread(
                        target=lambda p=path, c=chunked, r=result: r.update(
                            answer=send_huge(port, p, total, c)
                        )
                    )
                    peak = peak_during(server.pid, work)
                    status, sent = result["answer"]
                    worst = max(worst, peak - idle)
                    how = "chunked" if chunked else "Content-Length"
                    print(
                        f"{path} {how}: {status!r} after {sent / 1e6:.1f} MB sent; "
                        f"peak {peak:.1f} MB (+{peak - idle:.1f} MB over idle)"
                    )
            print(f"worst: +{worst:.1f} MB over idle under a {args.mb} MB unauthenticated body")
        finally:
            server.terminate()
            server.wait(30)


if __name__ == "__main__":
    main()
