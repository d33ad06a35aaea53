"""Counters and timings for ``GET /metrics`` (Prometheus text exposition format 0.0.4)."""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterable

TICK_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


def _labels(pairs: Iterable[tuple[str, str]]) -> str:
    inner = ",".join(
        f'{k}="{v.replace(chr(92), chr(92) * 2).replace(chr(34), chr(92) + chr(34))}"'
        for k, v in pairs
    )
    return "{" + inner + "}" if inner else ""


class Stats:
    """Process-local counters (intake) and histograms (tick durations); thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.intake: dict[tuple[str, str], int] = defaultdict(int)  # (source, outcome) -> count
        self.tick_count: dict[str, int] = defaultdict(int)
        self.tick_sum: dict[str, float] = defaultdict(float)
        self.tick_buckets: dict[str, list[int]] = defaultdict(lambda: [0] * len(TICK_BUCKETS))
        self.tick_errors: dict[str, int] = defaultdict(int)

    def count_intake(self, source: str, outcome: str, n: int = 1) -> None:
        with self._lock:
            self.intake[(source, outcome)] += n

    def observe_tick(self, stage: str, seconds: float, failed: bool = False) -> None:
        with self._lock:
            self.tick_count[stage] += 1
            self.tick_sum[stage] += seconds
            buckets = self.tick_buckets[stage]
            for i, bound in enumerate(TICK_BUCKETS):
                if seconds <= bound:
                    buckets[i] += 1
            if failed:
                self.tick_errors[stage] += 1

    def render(self, open_by_status: dict[str, int], rejected: int = 0) -> str:
        """The exposition text, with the open-incident gauge and the count of alerts the pipeline
        set aside read from the store by the caller."""
        out: list[str] = []
        with self._lock:
            out += [
                "# HELP firebreak_intake_alerts_total Alert events received, by source and "
                "outcome (accepted, invalid, unauthorized).",
                "# TYPE firebreak_intake_alerts_total counter",
            ]
            for (source, outcome), n in sorted(self.intake.items()):
                out.append(
                    f"firebreak_intake_alerts_total"
                    f"{_labels([('source', source), ('outcome', outcome)])} {n}"
                )
            out += [
                "# HELP firebreak_tick_duration_seconds Duration of background ticks by stage.",
                "# TYPE firebreak_tick_duration_seconds histogram",
            ]
            for stage in sorted(self.tick_count):
                for bound, n in zip(TICK_BUCKETS, self.tick_buckets[stage], strict=True):
                    lbl = _labels([("stage", stage), ("le", repr(bound))])
                    out.append(f"firebreak_tick_duration_seconds_bucket{lbl} {n}")
                lbl = _labels([("stage", stage), ("le", "+Inf")])
                out.append(f"firebreak_tick_duration_seconds_bucket{lbl} {self.tick_count[stage]}")
                lbl = _labels([("stage", stage)])
                out.append(f"firebreak_tick_duration_seconds_sum{lbl} {self.tick_sum[stage]:.6f}")
                out.append(f"firebreak_tick_duration_seconds_count{lbl} {self.tick_count[stage]}")
            out += [
                "# HELP firebreak_tick_errors_total Ticks that failed, by stage.",
                "# TYPE firebreak_tick_errors_total counter",
            ]
            for stage, n in sorted(self.tick_errors.items()):
                out.append(f"firebreak_tick_errors_total{_labels([('stage', stage)])} {n}")
        out += [
            "# HELP firebreak_incidents_open Incidents not yet resolved, by status.",
            "# TYPE firebreak_incidents_open gauge",
        ]
        for status in ("triggered", "acknowledged", "mitigated"):
            n = open_by_status.get(status, 0)
            out.append(f"firebreak_incidents_open{_labels([('status', status)])} {n}")
        out += [
            "# HELP firebreak_alerts_rejected_total Alerts the pipeline set aside because it "
            "could not process them (see the UI's health page for the reasons).",
            "# TYPE firebreak_alerts_rejected_total counter",
            f"firebreak_alerts_rejected_total {rejected}",
        ]
        return "\n".join(out) + "\n"
