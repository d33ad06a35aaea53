"""How long routing and a workspace reload take.

- `route()`: the time to route one alert through the example workspace with `--routes` extra
  `[[routing.routes]]` entries ahead of the one that matches (half exact, half regex), the worst
  case for a first-match router; median over `--alerts` alerts.
- reload: `RunningWorkspace.reload()` on the example workspace with `--runbooks` extra runbook
  copies (read, load from a private copy, revision, snapshot in a SQLite store); median of 10.

    python benchmarks/routing_reload.py [--routes 200] [--alerts 20000] [--runbooks 200]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path


def _routes(root: Path, count: int) -> None:
    extra = []
    for i in range(count):
        value = f'"~Other{i}.*"' if i % 2 else f'"Other{i}"'
        extra.append(
            f'[[routing.routes]]\nmatch = {{alertname = {value}}}\nset = {{service = "chat-api"}}\n'
        )
    toml = root / "firebreak.toml"
    text = toml.read_text()
    head, sep, tail = text.partition("[[routing.routes]]")
    toml.write_text(head + "\n".join(extra) + "\n" + sep + tail)


def _runbooks(root: Path, count: int) -> None:
    source = (root / "runbooks" / "agent-quality-anomaly.md").read_text()
    for i in range(count):
        text = source.replace("id: agent-quality-anomaly", f"id: copy-{i}", 1)
        (root / "runbooks" / f"copy-{i}.md").write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--routes", type=int, default=200)
    parser.add_argument("--alerts", type=int, default=20000)
    parser.add_argument("--runbooks", type=int, default=200)
    args = parser.parse_args()

    from firebreak.clock import SystemClock
    from firebreak.examples import write_example
    from firebreak.incidents.routing import route
    from firebreak.running import RunningWorkspace
    from firebreak.store.db import open_store
    from firebreak.workspace import require

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "ws"
        write_example(root, date.today())
        _routes(root, args.routes)
        ws = require(root)
        labels = {"alertname": "ChatAPIHighErrorRate", "severity": "critical"}
        samples = []
        for _ in range(args.alerts):
            start = time.perf_counter()
            decision = route(labels, ws)
            samples.append(time.perf_counter() - start)
        assert decision.route == args.routes and decision.service == "chat-api"
        print(
            f"route(): {statistics.median(samples) * 1e6:.1f} us median per alert "
            f"({args.routes} routes before the match, {args.alerts} alerts)"
        )

        _runbooks(root, args.runbooks)
        store = open_store(f"sqlite:///{Path(tmp) / 'bench.db'}")
        store.upgrade()
        running = RunningWorkspace(root, store, SystemClock(), "bench")
        times = []
        for i in range(10):
            with (root / "org" / "oncall.yaml").open("a") as f:
                f.write(f"# edit {i}\n")
            start = time.perf_counter()
            outcome = running.reload()
            times.append(time.perf_counter() - start)
            assert outcome.ok, outcome.errors[:3]
        store.dispose()
        count = len(ws.runbooks) + args.runbooks
        print(
            f"reload: {statistics.median(times) * 1000:.0f} ms median "
            f"({count} runbooks, each reload snapshotted in SQLite)"
        )


if __name__ == "__main__":
    main()
