"""The runbook steps most often skipped: the gap between what a runbook says and what is done.

Over resolved incidents with a runbook attached, a step counts as skipped when a responder
marked it skipped, or when it was never marked done. Incidents resolved as false alarms or
duplicates are left out: nobody should work a runbook for an alarm that was not real.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from firebreak.metrics.records import IncidentRecord, StepInfo

WORKED = ("fixed",)


@dataclass(frozen=True)
class SkippedStep:
    runbook: str
    step: str
    text: str
    skipped: int  # incidents in which the step was skipped or never done
    marked_skipped: int  # of those, incidents in which a responder said "skipped"
    incidents: int  # resolved incidents that had this runbook attached

    @property
    def rate(self) -> float:
        return self.skipped / self.incidents

    def to_json(self) -> dict[str, Any]:
        return {
            "runbook": self.runbook,
            "step": self.step,
            "text": self.text,
            "skipped": self.skipped,
            "marked_skipped": self.marked_skipped,
            "incidents": self.incidents,
            "rate": self.rate,
        }


def skipped_steps(
    records: Iterable[IncidentRecord], runbook_steps: Mapping[str, Sequence[StepInfo]]
) -> list[SkippedStep]:
    """Steps ranked by how often they were skipped (most first); drills are left out."""
    worked: dict[str, list[IncidentRecord]] = {}
    for record in records:
        if record.is_drill or not record.is_resolved or record.resolution not in WORKED:
            continue
        if record.runbook_id and record.runbook_id in runbook_steps:
            worked.setdefault(record.runbook_id, []).append(record)
    out = []
    for runbook_id, incidents in worked.items():
        for step in runbook_steps[runbook_id]:
            marked = sum(1 for r in incidents if step.key in r.steps_skipped)
            missed = sum(
                1 for r in incidents if step.key in r.steps_skipped or step.key not in r.steps_done
            )
            if missed:
                out.append(
                    SkippedStep(runbook_id, step.key, step.text, missed, marked, len(incidents))
                )
    out.sort(key=lambda s: (-s.skipped, -s.rate, s.runbook, s.step))
    return out
