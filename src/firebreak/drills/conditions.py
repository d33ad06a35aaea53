"""A runbook's ``done_when`` evaluated on the drill's telemetry by the real streaming detector.

Each condition becomes a threshold trigger (``window`` 5m, ``for`` as written) of a stand-in
runbook ``done:<id>``; the condition holds while every series of that trigger fires. A condition
with no ``where`` is evaluated per service and holds when it holds for every service that has
traffic. The incident may resolve when every condition holds.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from firebreak.detect.stream import StreamingDetector
from firebreak.incidents.opening import condition_text
from firebreak.runbooks.model import Condition, Runbook, Trigger
from firebreak.signals.schema import Telemetry

WINDOW = timedelta(minutes=5)
PREFIX = "done:"


def as_trigger(condition: Condition) -> Trigger:
    data: dict[str, object] = {
        "signal": condition.signal,
        "where": dict(condition.where),
        "window": WINDOW,
    }
    if not condition.where:
        data["by"] = ["service"]
    if condition.above is not None:
        data["above"] = condition.above
    if condition.below is not None:
        data["below"] = condition.below
    if condition.for_ is not None:
        data["for"] = condition.for_
    return Trigger.model_validate(data)


def stand_in(runbook: Runbook) -> Runbook:
    """A runbook whose triggers are ``runbook``'s exit criteria."""
    return Runbook(
        id=PREFIX + runbook.id,
        path=runbook.path,
        service=runbook.service,
        scenario=runbook.scenario,
        triggers=[as_trigger(c) for c in runbook.done_when],
    )


class DoneWhen:
    """Tracks whether each runbook's exit criteria hold, tick by tick."""

    def __init__(self, runbooks: Iterable[Runbook], step: timedelta) -> None:
        self.criteria = {r.id: r.done_when for r in runbooks if r.done_when}
        self.detector = StreamingDetector([stand_in(r) for r in runbooks if r.done_when], step)

    def add(self, telemetry: Telemetry) -> None:
        self.detector.add(telemetry)

    def tick(self, now: datetime) -> None:
        self.detector.tick(now)

    def holding(self, runbook_id: str) -> set[int]:
        """Indexes of the runbook's criteria whose every series fires now."""
        out = set()
        for run, state in zip(self.detector.runs, self.detector.state, strict=True):
            if run.plan.runbook_id != PREFIX + runbook_id:
                continue
            if len(run.series) and state.shape[0] == len(run.series) and bool(state.all()):
                out.add(run.plan.index)
        return out

    def holds(self, runbook_id: str | None) -> bool:
        """True when every exit criterion of the runbook holds (or it has none)."""
        if runbook_id is None or runbook_id not in self.criteria:
            return True
        return len(self.holding(runbook_id)) == len(self.criteria[runbook_id])

    def missed(self, runbook_id: str | None) -> list[str]:
        """The criteria that do not hold now, in words."""

        if runbook_id is None or runbook_id not in self.criteria:
            return []
        held = self.holding(runbook_id)
        return [condition_text(c) for i, c in enumerate(self.criteria[runbook_id]) if i not in held]
