"""Detection speed: batch events per second, and streaming per-tick latency at 1,000 series.

Batch: 10 million generated request events through the example workspace's ten triggers, one
core (numpy's bincount and sorts are single-threaded). Streaming: the same triggers split by
service, provider and model over traffic from 167 services (1,000 series), ticked every 30 s
with the 30 s of traffic that arrived; the per-tick latency's p50 and p99 after a warm-up hour.
Only detection is timed; traffic is generated first.

    python benchmarks/detect_throughput.py [--events 10000000] [--stream-hours 3]
"""

from __future__ import annotations

import argparse
import math
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np

from firebreak.detect.batch import run_batch
from firebreak.detect.stream import StreamingDetector
from firebreak.examples import write_example
from firebreak.runbooks.model import Runbook, Trigger
from firebreak.signals.generate import DEFAULT_SERVICES, ServiceProfile, TrafficGenerator
from firebreak.signals.schema import StatusEvents, Telemetry
from firebreak.workspace import load_workspace

START = datetime(2026, 11, 2, tzinfo=UTC)


def example_runbooks() -> list[Runbook]:
    root = Path(tempfile.mkdtemp()) / "ws"
    write_example(root, date(2026, 11, 1))
    result = load_workspace(root)
    assert not result.errors, result.errors
    return result.workspace.runbooks


def batch(n_events: int) -> None:
    scale = 6.0
    per_day = 560_000 * scale
    days = math.ceil(n_events / per_day * 1.1)
    gen = TrafficGenerator(seed=1, scale=scale)
    t = time.perf_counter()
    data = gen.telemetry(START, START + timedelta(days=days))
    events = data.events.take(np.arange(min(n_events, len(data.events))))
    last = float(events.time[-1])
    keep = data.status.time <= last
    status = StatusEvents(
        data.status.time[keep], data.status.provider.take(keep), data.status.level[keep]
    )
    print(
        f"generated {len(events):,} events over {(last - START.timestamp()) / 86400:.1f} days "
        f"in {time.perf_counter() - t:.1f} s (not timed)"
    )
    runbooks = example_runbooks()
    best = math.inf
    best_cpu = math.inf
    for _ in range(3):
        fresh = Telemetry(events.take(np.arange(len(events))), status)  # no cached columns
        t, cpu = time.perf_counter(), time.process_time()
        outcomes = run_batch(runbooks, fresh)
        best = min(best, time.perf_counter() - t)
        best_cpu = min(best_cpu, time.process_time() - cpu)
    firings = sum(len(o.firings) for o in outcomes)
    print(
        f"batch: {len(events):,} events through {len(outcomes)} triggers in {best:.2f} s "
        f"= {len(events) / best / 1e6:.2f} million events/s wall, "
        f"{len(events) / best_cpu / 1e6:.2f} million events/s of CPU time "
        f"(best of 3; {firings} firings)"
    )


def stream_runbooks() -> list[Runbook]:
    """The example triggers, each split by service, provider and model."""
    out = []
    for rb in example_runbooks():
        triggers = []
        for trig in rb.triggers:
            data = trig.model_dump(by_alias=True, exclude_none=True)
            data.pop("where", None)
            if trig.signal != "provider_status":
                data["by"] = ["service", "provider", "model"]
            triggers.append(Trigger.model_validate(data))
        out.append(
            Runbook(
                id=rb.id, path=rb.path, service=rb.service, scenario=rb.scenario, triggers=triggers
            )
        )
    return out


def services(count: int) -> list[ServiceProfile]:
    base = DEFAULT_SERVICES
    mix = {"openai": 0.3, "anthropic": 0.3, "google": 0.2, "mistral": 0.2}
    return [
        ServiceProfile(f"svc-{i:03d}", 0.2, mix, sessions=base[1].sessions and i % 5 == 0)
        for i in range(count)
    ]


def stream(hours: float) -> None:
    svc = services(167)
    gen = TrafficGenerator(seed=2, services=svc)
    end = START + timedelta(hours=hours)
    t = time.perf_counter()
    data = gen.telemetry(START, end)
    print(
        f"generated {len(data.events):,} events for {len(svc)} services over {hours:g} h "
        f"in {time.perf_counter() - t:.1f} s (not timed)"
    )
    detector = StreamingDetector(stream_runbooks(), step=timedelta(seconds=30))
    ticks = int(hours * 120)
    times = data.events.time
    latencies: list[float] = []
    cpu_times: list[float] = []
    for k in range(1, ticks + 1):
        lo, hi = START.timestamp() + 30 * (k - 1), START.timestamp() + 30 * k
        a, b = np.searchsorted(times, [lo, hi])
        s_mask = (data.status.time >= lo) & (data.status.time < hi)
        part = Telemetry(
            data.events.take(np.arange(a, b)),
            StatusEvents(
                data.status.time[s_mask],
                data.status.provider.take(s_mask),
                data.status.level[s_mask],
            ),
        )
        t, cpu = time.perf_counter(), time.process_time()
        detector.add(part)
        detector.tick(datetime.fromtimestamp(hi, tz=UTC))
        latencies.append(time.perf_counter() - t)
        cpu_times.append(time.process_time() - cpu)
    series = max(len(run.series) for run in detector.runs)
    warm = np.array(latencies[120:]) * 1000
    warm_cpu = np.array(cpu_times[120:]) * 1000
    print(
        f"stream: {series} series per trigger, {len(detector.runs)} triggers, "
        f"{len(warm)} ticks after a warm-up hour: per-tick p50 {np.percentile(warm, 50):.1f} ms, "
        f"p99 {np.percentile(warm, 99):.1f} ms, max {warm.max():.1f} ms (wall); "
        f"CPU p50 {np.percentile(warm_cpu, 50):.1f} ms, p99 {np.percentile(warm_cpu, 99):.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--stream-hours", type=float, default=3.0)
    args = parser.parse_args()
    batch(args.events)
    stream(args.stream_hours)


if __name__ == "__main__":
    main()
