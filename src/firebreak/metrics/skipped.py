"""The runbook steps most often skipped: the gap between what a runbook says and what is done.

Over resolved incidents with a runbook attached, a step counts as skipped when a responder
marked it skipped, or when it was never marked done. Incidents resolved as false alarms or
duplicates are left out: nobody should work a runbook for an alarm that was not real.
"""

from __future__ import annotations

from collections import Counter
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
    incidents: Counter[str] = Counter()
    missed: Counter[tuple[str, str]] = Counter()
    marked: Counter[tuple[str, str]] = Counter()
    for record in records:
        if record.is_drill or not record.is_resolved or record.resolution not in WORKED:
            continue
        runbook_id = record.runbook_id
        if not runbook_id or runbook_id not in runbook_steps:
            continue
        incidents[runbook_id] += 1
        for step in runbook_steps[runbook_id]:
            if step.key in record.steps_skipped:
                marked[runbook_id, step.key] += 1
                missed[runbook_id, step.key] += 1
            elif step.key not in record.steps_done:
                missed[runbook_id, step.key] += 1
    texts = {(rb, step.key): step.text for rb, steps in runbook_steps.items() for step in steps}
    out = [
        SkippedStep(rb, key, texts[rb, key], count, marked[rb, key], incidents[rb])
        for (rb, key), count in missed.items()
    ]
    out.sort(key=lambda s: (-s.skipped, -s.rate, s.runbook, s.step))
    return out
