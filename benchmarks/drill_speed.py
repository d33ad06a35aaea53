"""Wall time of every built-in drill on a fresh example workspace (target: all under 30 s).

Two figures: the whole ``firebreak drill --all`` command as a user runs it (a new process, so
imports and the store migration count), and each drill's own run time in one process. Also the
machine's load average, because the machine is small and shared.

    python benchmarks/drill_speed.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def end_to_end(root: Path) -> float:
    began = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "firebreak", "drill", "--all", "--no-record", "-w", str(root)],
        capture_output=True,
        text=True,
        check=False,
    )
    took = time.perf_counter() - began
    if proc.returncode not in (0, 1):
        sys.exit(f"firebreak drill failed:\n{proc.stderr}")
    print(proc.stdout.strip().splitlines()[-1])
    return took


def per_drill(root: Path) -> list[tuple[str, float, bool]]:
    from firebreak.clock import SystemClock
    from firebreak.drills.catalog import load_catalog
    from firebreak.drills.runner import run_drill
    from firebreak.durations import format_duration
    from firebreak.workspace import require

    workspace = require(root)
    clock = SystemClock()
    out = []
    for name, entry in sorted(load_catalog(workspace).items()):
        result = run_drill(entry, workspace, clock.now(), clock)
        span = format_duration(entry.scenario.duration)
        out.append((f"{name} ({span} on the drill clock)", result.wall_s, result.passed))
    return out


def main() -> None:
    from firebreak.clock import SystemClock
    from firebreak.examples import write_example

    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "ws"
        write_example(root, SystemClock().now().date())
        print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
        total = end_to_end(root)
        rows = per_drill(root)
        print(
            f"firebreak drill --all ({len(rows)} built-in drills, one process, end to end): "
            f"{total:.1f} s"
        )
        for name, seconds, passed in rows:
            print(f"  {name:<45} {seconds:5.2f} s  {'pass' if passed else 'FAIL'}")
        print(
            f"sum of per-drill run times: {sum(s for _, s, _ in rows):.1f} s; "
            f"slowest: {max(s for _, s, _ in rows):.2f} s"
        )


if __name__ == "__main__":
    main()
