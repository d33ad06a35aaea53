"""Incident pipeline figures on SQLite (the embedded default).

1. Alerts per second through intake and the pipeline, 10% new fingerprints (the rest repeats).
2. The time of one escalation tick with 10,000 open incidents (each with a pending timer, none due
   yet), and a burst where every level-1 timer of ``--burst`` incidents falls due at once.

Usage: python benchmarks/incident_throughput.py [--alerts 20000] [--incidents 10000] [--burst 500]
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from firebreak.examples import write_example
from firebreak.incidents.escalation import run_due
from firebreak.incidents.intake import record_alert, record_alerts
from firebreak.incidents.model import AlertIn
from firebreak.incidents.pipeline import process_pending
from firebreak.notify.channels import Message, SendResult
from firebreak.store.db import Store, open_store
from firebreak.workspace import Workspace, load_workspace

T0 = datetime(2026, 12, 1, tzinfo=UTC)
GROUPS = [
    ("chat-api", "inference_outage"),
    ("agent-runner", "quality_anomaly"),
    ("agent-runner", "cost_spike"),
    ("model-gateway", "third_party_failure"),
]


class NullChannel:
    """Accepts every page instantly: the figure is firebreak's cost, not a provider's."""

    def send(self, message: Message) -> SendResult:
        return SendResult(ok=True)


def setup(folder: Path) -> tuple[Store, Workspace]:
    write_example(folder / "ws", date(2026, 11, 27))
    workspace = load_workspace(folder / "ws").workspace
    store = open_store(f"sqlite:///{folder / 'bench.db'}")
    store.upgrade()
    return store, workspace


def alert_stream(count: int, rng: random.Random) -> list[AlertIn]:
    keys: list[tuple[str, str, str]] = []
    out = []
    for i in range(count):
        if not keys or rng.random() < 0.10:
            service, scenario = rng.choice(GROUPS)
            keys.append((f"fp-{i}", service, scenario))
        key, service, scenario = rng.choice(keys)
        labels = {"service": service, "scenario": scenario, "provider": "openai"}
        out.append(AlertIn(source="generic", dedup_key=key, labels=labels, summary=key))
    return out


def throughput(count: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store, workspace = setup(Path(tmp))
        alerts = alert_stream(count, random.Random(7))
        start = time.perf_counter()
        for i in range(0, count, 100):  # intake commits concurrent requests' alerts together
            with store.unit_of_work() as uow:
                record_alerts(uow, alerts[i : i + 100], T0 + timedelta(milliseconds=i))
        recorded = time.perf_counter()
        processed = 0
        while processed < count:
            with store.unit_of_work() as uow:
                processed += process_pending(uow, workspace, T0 + timedelta(minutes=1)).processed
        done = time.perf_counter()
        store.dispose()
    print(f"intake: {count / (recorded - start):,.0f} alerts/s ({count} alerts, batches of 100)")
    print(f"pipeline: {count / (done - recorded):,.0f} alerts/s (10% new fingerprints)")
    print(f"intake + pipeline: {count / (done - start):,.0f} alerts/s end to end")


def open_incidents(store: Store, workspace: Workspace, count: int) -> None:
    """``count`` incidents through the real pipeline, each with its level-1 timer due at T0."""
    workspace.settings.incidents.group_by = ["service", "scenario", "shard"]
    for i in range(0, count, 500):
        with store.unit_of_work() as uow:
            for n in range(i, min(i + 500, count)):
                labels = {"service": "chat-api", "scenario": "inference_outage", "shard": str(n)}
                alert = AlertIn(source="generic", dedup_key=f"k{n}", labels=labels, summary="x")
                record_alert(uow, alert, T0)
        with store.unit_of_work() as uow:
            process_pending(uow, workspace, T0)


def steady_tick(incidents: int) -> None:
    """A tick just before the timers fall due: the cost of watching ``incidents`` open ones."""
    with tempfile.TemporaryDirectory() as tmp:
        store, workspace = setup(Path(tmp))
        open_incidents(store, workspace, incidents)
        channels = {"*": NullChannel()}
        times = []
        for _ in range(5):
            start = time.perf_counter()
            sent = run_due(store, workspace, T0 - timedelta(seconds=1), "bench", channels)
            times.append(time.perf_counter() - start)
            assert sent == 0
        store.dispose()
    print(
        f"escalation tick, {incidents:,} open incidents, none due: "
        f"{sorted(times)[2] * 1000:.1f} ms (median of 5)"
    )


def burst_tick(incidents: int) -> None:
    """A tick where every open incident's level-1 timer is due: page them all."""
    with tempfile.TemporaryDirectory() as tmp:
        store, workspace = setup(Path(tmp))
        open_incidents(store, workspace, incidents)
        channels = {"*": NullChannel()}
        start = time.perf_counter()
        sent = 0
        while True:  # one tick sends up to 500 pages; go on until every due page is out
            batch = run_due(store, workspace, T0, "bench", channels)
            sent += batch
            if batch == 0:
                break
        took = time.perf_counter() - start
        store.dispose()
    print(
        f"escalation burst, {incidents:,} incidents all due at once: {took:.2f} s "
        f"({sent:,} pages, {sent / took:,.0f} pages/s, one commit per page)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alerts", type=int, default=20_000)
    parser.add_argument("--incidents", type=int, default=10_000)
    parser.add_argument("--burst", type=int, default=500)
    args = parser.parse_args()
    throughput(args.alerts)
    steady_tick(args.incidents)
    burst_tick(args.burst)


if __name__ == "__main__":
    main()
