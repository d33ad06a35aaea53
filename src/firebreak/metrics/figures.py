"""The three figures (MTTA, MTTR, MTTD; false alarm rate; drill pass rate) from plain records.

Definitions follow PagerDuty's analytics (see docs/report.md):

- MTTA: opened → first acknowledgement, over incidents that were acknowledged;
- MTTR: opened → resolved, over resolved incidents;
- MTTD: fault start → opened, over incidents whose fault start is known;
- false alarm rate: resolved as ``false_alarm`` / all resolved;
- drill pass rate: drills passed / drills run.

Drill incidents never count toward the first four. A negative span (clocks that disagree) counts
as zero rather than pulling a mean below zero.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from firebreak.metrics.records import DrillRunRecord, IncidentRecord, StepInfo
from firebreak.metrics.skipped import skipped_steps
from firebreak.metrics.stats import Rate, Summary

NO_RUNBOOK = "(none)"
NO_TRIGGER = "(unknown)"
NO_SCENARIO = "(none)"
NO_TEAM = "(none)"
REPORT_VERSION = 1


@dataclass(frozen=True)
class Period:
    """The half-open window [since, until) covered; ``since`` None means from the start."""

    since: datetime | None
    until: datetime | None

    def holds(self, instant: datetime) -> bool:
        if self.since is not None and instant < self.since:
            return False
        return self.until is None or instant < self.until

    def to_json(self) -> dict[str, str | None]:
        return {
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
        }


def _seconds(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return max(0.0, (end - start).total_seconds())


def _spans(
    records: Iterable[IncidentRecord],
    pick: Callable[[IncidentRecord], tuple[datetime | None, datetime | None]],
) -> list[float]:
    out = []
    for record in records:
        span = _seconds(*pick(record))
        if span is not None:
            out.append(span)
    return out


def production(records: Iterable[IncidentRecord]) -> list[IncidentRecord]:
    """The incidents the production figures count: every one that is not a drill."""
    return [r for r in records if not r.is_drill]


def mtta(records: Iterable[IncidentRecord]) -> Summary:
    """Opened → first acknowledgement, drills excluded."""
    return Summary.of(_spans(production(records), lambda r: (r.opened_at, r.acknowledged_at)))


def mttr(records: Iterable[IncidentRecord]) -> Summary:
    """Opened → resolved, drills excluded."""
    return Summary.of(_spans(production(records), lambda r: (r.opened_at, r.resolved_at)))


def mttd(records: Iterable[IncidentRecord]) -> Summary:
    """Fault start → opened, where the fault start is known; drills excluded."""
    return Summary.of(_spans(production(records), lambda r: (r.fault_started_at, r.opened_at)))


def false_alarm_rate(records: Iterable[IncidentRecord]) -> Rate:
    """Resolved as false_alarm / all resolved, drills excluded."""
    resolved = [r for r in production(records) if r.is_resolved]
    return Rate(sum(1 for r in resolved if r.resolution == "false_alarm"), len(resolved))


def false_alarm_rate_by(
    records: Iterable[IncidentRecord], key: Callable[[IncidentRecord], str]
) -> dict[str, Rate]:
    """The false alarm rate per group (runbook, trigger, …), groups sorted by name."""
    hits: Counter[str] = Counter()
    totals: Counter[str] = Counter()
    for record in records:
        if record.is_resolved and not record.is_drill:
            name = key(record)
            totals[name] += 1
            hits[name] += record.resolution == "false_alarm"
    return {name: Rate(hits[name], totals[name]) for name in sorted(totals)}


def counted(runs: Iterable[DrillRunRecord]) -> list[DrillRunRecord]:
    """The runs the drill pass rate counts: each drill once per UTC day and kind (simulated and
    live apart), its latest run that day; unverified live runs are not counted at all. Running
    ``drill --all`` three times in a day counts as running it once."""
    latest: dict[tuple[str, str, object], DrillRunRecord] = {}
    for run in sorted(runs, key=lambda r: r.started_at):
        if not run.verified:
            continue
        latest[(run.name, run.kind, run.started_at.astimezone(UTC).date())] = run
    return sorted(latest.values(), key=lambda r: r.started_at)


def drill_pass_rate(runs: Iterable[DrillRunRecord]) -> Rate:
    """Drills passed / drills run, counting each drill once per day and kind (``counted``)."""
    listed = counted(runs)
    return Rate(sum(1 for r in listed if r.passed), len(listed))


def drills_json(runs: Sequence[DrillRunRecord]) -> dict[str, Any]:
    """The drill figures beside ``drill_pass_rate``: counted and recorded runs, per kind."""
    rate = drill_pass_rate(runs)
    out: dict[str, Any] = {
        "passed": rate.hits,
        "run": rate.total,
        "recorded": len(runs),
        "unverified": sum(1 for r in runs if not r.verified),
    }
    for kind in ("simulated", "live"):
        mine = drill_pass_rate(r for r in runs if r.kind == kind)
        out[kind] = _rate_json(mine, "passed", "run")
    return out


def drill_pass_rate_by(
    runs: Iterable[DrillRunRecord], key: Callable[[DrillRunRecord], str]
) -> dict[str, Rate]:
    groups: dict[str, list[DrillRunRecord]] = defaultdict(list)
    for run in runs:
        groups[key(run)].append(run)
    return {name: drill_pass_rate(groups[name]) for name in sorted(groups)}


def _rate_json(rate: Rate, hits: str, total: str) -> dict[str, Any]:
    return {"rate": rate.value, hits: rate.hits, total: rate.total}


def compute(
    records: Iterable[IncidentRecord],
    drill_runs: Iterable[DrillRunRecord],
    period: Period,
    runbook_steps: Mapping[str, Sequence[StepInfo]] | None = None,
    top_skipped: int = 10,
) -> dict[str, Any]:
    """Every figure for the incidents opened and the drills run in ``period``, JSON-ready.

    The shape is the stable ``firebreak report --format json`` of docs/report.md.
    """
    in_period = [r for r in records if period.holds(r.opened_at)]
    runs = [d for d in drill_runs if period.holds(d.started_at)]
    prod = production(in_period)
    resolved = [r for r in prod if r.is_resolved]
    fa = false_alarm_rate(prod)
    dp = drill_pass_rate(runs)
    return {
        "version": REPORT_VERSION,
        "period": period.to_json(),
        "incidents": len(prod),
        "open": len(prod) - len(resolved),
        "resolved": len(resolved),
        "resolutions": dict(sorted(Counter(r.resolution or "unknown" for r in resolved).items())),
        "drill_incidents": len(in_period) - len(prod),
        "mtta_s": mtta(prod).to_json(),
        "mttr_s": mttr(prod).to_json(),
        "mttd_s": mttd(prod).to_json(),
        "false_alarm_rate": fa.value,
        "false_alarms": {"false_alarms": fa.hits, "resolved": fa.total},
        "false_alarm_rate_per_runbook": {
            name: _rate_json(rate, "false_alarms", "resolved")
            for name, rate in false_alarm_rate_by(prod, _runbook_key).items()
        },
        "false_alarm_rate_per_trigger": {
            name: _rate_json(rate, "false_alarms", "resolved")
            for name, rate in false_alarm_rate_by(prod, _trigger_key).items()
        },
        "drill_pass_rate": dp.value,
        "drills": drills_json(runs),
        "drill_pass_rate_per_scenario": {
            name: _rate_json(rate, "passed", "run")
            for name, rate in drill_pass_rate_by(runs, _scenario_key).items()
        },
        "drill_pass_rate_per_team": {
            name: _rate_json(rate, "passed", "run")
            for name, rate in drill_pass_rate_by(runs, _team_key).items()
        },
        "skipped_steps": [
            s.to_json() for s in skipped_steps(prod, runbook_steps or {})[:top_skipped]
        ],
    }


def _runbook_key(record: IncidentRecord) -> str:
    return record.runbook_id or NO_RUNBOOK


def _trigger_key(record: IncidentRecord) -> str:
    return record.trigger or NO_TRIGGER


def _scenario_key(run: DrillRunRecord) -> str:
    return run.scenario or NO_SCENARIO


def _team_key(run: DrillRunRecord) -> str:
    return run.team or NO_TEAM
