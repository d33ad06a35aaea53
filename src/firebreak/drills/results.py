"""A drill's verdict, its JSON form (DESIGN.md's interface) and its row in ``drill_runs``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from firebreak.store.db import Store
from firebreak.store.tables import DrillRun


@dataclass(frozen=True)
class ObjectiveResult:
    name: str
    passed: bool
    reason: str

    def as_json(self) -> dict[str, object]:
        return {"name": self.name, "passed": self.passed, "reason": self.reason}


@dataclass
class DrillResult:
    name: str
    scenario: str
    team: str | None
    objectives: list[ObjectiveResult]
    started_at: datetime  # wall-clock time the drill was run (not the drill clock)
    finished_at: datetime
    mode: str = "simulated"  # simulated | live | tabletop
    participants: list[str] = field(default_factory=list)
    runbook: str | None = None
    wall_s: float = 0.0
    incidents: list[dict[str, Any]] | None = None  # simulated drills: what the fault opened

    @property
    def passed(self) -> bool:
        """A drill passes when every objective passes (and it has at least one)."""
        return bool(self.objectives) and all(o.passed for o in self.objectives)

    @property
    def verdict(self) -> str:
        """passed | failed | unverified (a live drill nobody followed to resolution)."""
        if any(o.name == "verified" and not o.passed for o in self.objectives):
            return "unverified"
        return "passed" if self.passed else "failed"

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "scenario": self.scenario,
            "passed": self.passed,
            "verdict": self.verdict,
            "objectives": [o.as_json() for o in self.objectives],
        }
        if self.incidents is not None:
            out["incidents"] = self.incidents
        return out


def pass_rate(results: Sequence[DrillResult]) -> float | None:
    """Drills passed / drills run, unverified live drills left out; None when none counts."""
    counted = [r for r in results if r.verdict != "unverified"]
    if not counted:
        return None
    return sum(r.passed for r in counted) / len(counted)


def report_json(results: Sequence[DrillResult]) -> dict[str, Any]:
    """``{"drills": [...], "pass_rate"}`` exactly as DESIGN.md's interface."""
    return {"drills": [r.as_json() for r in results], "pass_rate": pass_rate(results)}


def save(store: Store, results: Sequence[DrillResult]) -> None:
    """Record each result as one ``drill_runs`` row, all in one unit of work."""
    with store.unit_of_work() as uow:
        for result in results:
            uow.session.add(
                DrillRun(
                    name=result.name,
                    scenario=result.scenario,
                    team=result.team,
                    passed=result.passed,
                    objectives=[o.as_json() for o in result.objectives],
                    started_at=result.started_at,
                    finished_at=result.finished_at,
                    live=result.mode == "live",
                    runbook=result.runbook,
                    participants=list(result.participants),
                )
            )
