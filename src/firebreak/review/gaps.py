"""Execution gaps: where what responders did diverged from what the runbook says.

Over worked incidents (resolved as fixed, not drills) with a runbook attached, per runbook:
steps skipped (marked skipped or never marked done), steps done out of order (a step marked done
before an earlier step of the same runbook that was also done), and steps whose ``Expect:`` a
responder marked as not seen (status ``expect_not_seen``).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from firebreak.metrics.records import IncidentRecord, StepInfo
from firebreak.metrics.skipped import WORKED

DONE = ("done", "expect_not_seen")  # a step whose Expect was not seen was still carried out


@dataclass(frozen=True)
class Mark:
    """One step mark as the store keeps it."""

    step: str
    status: str  # done | skipped | expect_not_seen
    at: datetime


def _worked(record: IncidentRecord) -> bool:
    return (
        not record.is_drill
        and record.is_resolved
        and record.resolution in WORKED
        and bool(record.runbook_id)
    )


def execution_gaps(
    incidents: Iterable[tuple[IncidentRecord, Sequence[Mark]]],
    runbook_steps: Mapping[str, Sequence[StepInfo]],
) -> list[dict[str, Any]]:
    """One entry per runbook with at least one gap, most gaps first."""
    worked: Counter[str] = Counter()
    skipped: Counter[tuple[str, str]] = Counter()
    out_of_order: Counter[tuple[str, str, str]] = Counter()
    not_seen: Counter[tuple[str, str]] = Counter()
    for record, marks in incidents:
        runbook = record.runbook_id or ""
        steps = runbook_steps.get(runbook)
        if not _worked(record) or not steps:
            continue
        worked[runbook] += 1
        by_step = {m.step: m for m in marks}
        for step in steps:
            mark = by_step.get(step.key)
            if mark is None or mark.status not in DONE:
                skipped[runbook, step.key] += 1
            elif mark.status == "expect_not_seen":
                not_seen[runbook, step.key] += 1
        order = {s.key: i for i, s in enumerate(steps)}
        done = sorted(
            (m for m in marks if m.status in DONE and m.step in order), key=lambda m: m.at
        )
        for i, later in enumerate(done):
            earlier = next((m for m in done[i + 1 :] if order[m.step] < order[later.step]), None)
            if earlier is not None:
                out_of_order[runbook, later.step, earlier.step] += 1
    texts = {(rb, s.key): s.text for rb, steps in runbook_steps.items() for s in steps}
    result = []
    for runbook, count in worked.items():
        entry: dict[str, Any] = {
            "runbook": runbook,
            "incidents": count,
            "skipped": [
                {"step": k, "text": texts.get((rb, k), ""), "incidents": n}
                for (rb, k), n in sorted(skipped.items(), key=lambda kv: (-kv[1], kv[0]))
                if rb == runbook
            ],
            "out_of_order": [
                {"step": k, "done_before": e, "incidents": n}
                for (rb, k, e), n in sorted(out_of_order.items(), key=lambda kv: (-kv[1], kv[0]))
                if rb == runbook
            ],
            "expect_not_seen": [
                {"step": k, "text": texts.get((rb, k), ""), "incidents": n}
                for (rb, k), n in sorted(not_seen.items(), key=lambda kv: (-kv[1], kv[0]))
                if rb == runbook
            ],
        }
        total = sum(len(entry[k]) for k in ("skipped", "out_of_order", "expect_not_seen"))
        if total:
            result.append(entry)
    result.sort(key=lambda e: (-_weight(e), e["runbook"]))
    return result


def _weight(entry: Mapping[str, Any]) -> int:
    return sum(
        item["incidents"]
        for k in ("skipped", "out_of_order", "expect_not_seen")
        for item in entry[k]
    )


def group_marks(rows: Iterable[Any]) -> dict[int, list[Mark]]:
    """StepProgress rows -> incident id -> marks."""
    out: dict[int, list[Mark]] = defaultdict(list)
    for row in rows:
        out[int(row.incident_id)].append(Mark(str(row.step_key), str(row.status), row.at))
    return out
