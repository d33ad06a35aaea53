"""What happened in a drill, as plain data: the grader reads only this.

The runner fills a :class:`DrillRecord` from the pipeline's store and the recording channel; the
tabletop mode fills one from a person's answers. Grading is pure over it, so it is tested on
hand-written records as well as on real runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from firebreak.durations import format_duration

# The signals each fault kind moves: a runbook needs a trigger on one of them to detect the fault.
FAULT_SIGNALS: dict[str, tuple[str, ...]] = {
    "outage": ("error_ratio",),
    "latency": ("latency_p95", "latency_p99", "latency_p50", "ttft_p95", "timeout_ratio"),
    "provider_errors:429": ("throttle_ratio", "error_ratio", "provider_status"),
    "provider_errors:529": ("throttle_ratio", "error_ratio", "provider_status"),
    "provider_errors:timeout": ("timeout_ratio", "error_ratio", "provider_status"),
    "quality_drop": ("quality_mean", "refusal_ratio"),
    "cost_spike": ("cost_usd_rate", "tokens_per_request"),
    "runaway_agent": ("session_steps_max", "session_cost_max", "cost_usd_rate"),
}


def fault_signals(kind: str, error_type: str | None = None) -> tuple[str, ...]:
    key = f"{kind}:{error_type}" if kind == "provider_errors" else kind
    return FAULT_SIGNALS[key]


@dataclass(frozen=True)
class AlertSeen:
    """A detector alert (or an external one) as it entered the pipeline."""

    at: datetime
    runbook: str | None
    trigger: str  # how the trigger reads, e.g. "error_ratio above 0.05 for 2m"
    signal: str
    incident_id: int | None = None


@dataclass(frozen=True)
class PageSeen:
    """A notification that went out to a person (it reached them unless they were unreachable)."""

    at: datetime
    incident_id: int
    person: str
    channel: str
    level: int


@dataclass(frozen=True)
class SkipSeen:
    """An escalation target the chain could not reach, with the reason the pipeline gave."""

    at: datetime
    incident_id: int
    person: str | None
    reason: str


@dataclass(frozen=True)
class RoleSeen:
    role: str
    person: str | None
    via: str


@dataclass
class IncidentSeen:
    id: int
    opened_at: datetime
    runbook: str | None
    roles: list[RoleSeen] = field(default_factory=list)
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None
    resolved_at: datetime | None = None
    resolution: str | None = None
    steps: dict[str, str] = field(default_factory=dict)  # step key -> done | skipped
    pending_steps: list[str] = field(default_factory=list)  # step keys nobody carried out
    merged_into: int | None = None  # folded into this incident by an inhibit rule


@dataclass
class DrillRecord:
    """Everything the grader needs about one run."""

    name: str
    scenario: str
    start: datetime
    end: datetime
    fault_start: datetime
    fault_kinds: list[tuple[str, str | None]]  # (kind, error_type) of each fault
    alerts: list[AlertSeen] = field(default_factory=list)
    incidents: list[IncidentSeen] = field(default_factory=list)
    pages: list[PageSeen] = field(default_factory=list)
    skips: list[SkipSeen] = field(default_factory=list)
    unreachable: set[str] = field(default_factory=set)  # people who never answer in this drill
    no_contact: set[str] = field(default_factory=set)  # people the workspace gives no contact
    trigger_signals: dict[str, list[str]] = field(default_factory=dict)  # runbook -> its signals
    done_when_missed: list[str] = field(default_factory=list)  # conditions that never held
    faults: int = 1  # distinct faults: faults whose times overlap are one

    def root(self, incident_id: int) -> int:
        """The incident an incident ended up in, following merges."""
        seen = self.incident(incident_id)
        while seen is not None and seen.merged_into is not None:
            incident_id = seen.merged_into
            seen = self.incident(incident_id)
        return incident_id

    def opened_by(self, incident_id: int) -> AlertSeen | None:
        """The alert that opened an incident (the first one that went to it)."""
        mine = [a for a in self.alerts if a.incident_id == incident_id]
        return min(mine, key=lambda a: a.at) if mine else None

    def offset(self, at: datetime) -> str:
        """``+2h05m``: an instant as an offset from the drill's start, for reasons."""

        return "+" + format_duration(at - self.start)

    def moved_signals(self) -> list[str]:
        out: list[str] = []
        for kind, error_type in self.fault_kinds:
            for signal in fault_signals(kind, error_type):
                if signal not in out:
                    out.append(signal)
        return out

    def incident(self, incident_id: int | None) -> IncidentSeen | None:
        return next((i for i in self.incidents if i.id == incident_id), None)

    def first_alert_after(self, at: datetime, expected: str | None = None) -> AlertSeen | None:
        """The first alert at or after ``at`` that concerns the fault: from the expected
        runbook or on a signal the fault moves (noise elsewhere does not count as detection)."""
        moved = set(self.moved_signals())
        after = [
            a
            for a in self.alerts
            if a.at >= at
            and (a.signal in moved or (expected is not None and a.runbook == expected))
        ]
        return min(after, key=lambda a: a.at) if after else None

    def since_fault(self, at: datetime) -> timedelta:
        return at - self.fault_start


def fault_incidents(record: DrillRecord, *, merged: bool = False) -> list[IncidentSeen]:
    """Incidents open at the fault's start or opened after it, oldest first; an incident merged
    into another counts as part of that one (kept only with ``merged``)."""
    return sorted(
        (
            i
            for i in record.incidents
            if (merged or i.merged_into is None)
            and (
                i.opened_at >= record.fault_start
                or i.resolved_at is None
                or i.resolved_at > record.fault_start
            )
        ),
        key=lambda i: i.opened_at,
    )
