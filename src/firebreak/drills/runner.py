"""Run one drill on the drill clock through the real pipeline, then grade it.

The simulated clock moves from one detector step to the next and, in between, jumps straight to
each instant something is due (an escalation timer, a delayed page, a responder's action)::

    generated traffic → StreamingDetector (the runbooks' triggers) → alerts → record_alert
      → Loop.tick: process_pending (incidents, runbook, roles, escalation) → run_due (pages
      to a RecordingChannel) → simulated responders (acknowledge, steps, resolve as drill)

The drill feeds the detector itself (each alert enters the inbox at its own instant), so its
loop has no detector of its own.

The drill's incidents live in a throwaway in-memory store, so drills never touch production
figures; only the verdict is recorded, by the caller, in the workspace's store (``drill_runs``).
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from firebreak.clock import SimClock, SystemClock
from firebreak.detect.events import DetectorAlert
from firebreak.detect.plan import DEFAULT_STEP
from firebreak.detect.stream import StreamingDetector
from firebreak.drills.catalog import Entry, team_of
from firebreak.drills.conditions import DoneWhen
from firebreak.drills.grading import grade
from firebreak.drills.readback import delivered_pages, read_record
from firebreak.drills.record import DrillRecord
from firebreak.drills.responders import SimulatedResponders
from firebreak.drills.results import DrillResult
from firebreak.drills.traffic import DrillTraffic
from firebreak.incidents.detector import to_alert
from firebreak.incidents.escalation import next_wakeup
from firebreak.incidents.intake import record_alert
from firebreak.incidents.loop import Loop
from firebreak.notify.channels import RecordingChannel
from firebreak.store.db import Store, open_store
from firebreak.workspace import Workspace

WORKER = "drill"
WATCH = timedelta(minutes=5)  # piece of traffic while responders wait for done_when
LARGE = timedelta(minutes=30)  # piece of traffic while all is quiet


def drill_start(entry: Entry, now: datetime) -> datetime:
    """The drill clock starts today (UTC) at the scenario's ``start`` time of day."""
    hour, minute = (int(x) for x in entry.scenario.start.split(":"))
    return datetime.combine(now.astimezone(UTC).date(), time(hour, minute), tzinfo=UTC)


@dataclass
class Seen:
    """A firing detector alert and the inbox row it became."""

    alert: DetectorAlert
    inbox_id: int


class DrillRun:
    """The moving parts of one drill, stepped by :meth:`play`."""

    def __init__(self, entry: Entry, workspace: Workspace, start: datetime, folder: Path) -> None:
        self.scenario = entry.scenario
        self.workspace = workspace
        self.start = start
        self.end = start + self.scenario.duration
        self.clock = SimClock(start)
        self.store: Store = open_store("sqlite://")
        self.store.upgrade()
        self.channel = RecordingChannel(folder / "pages.jsonl")
        self.loop = Loop(self.store, workspace, self.clock, WORKER, {"*": self.channel})
        self.detector = StreamingDetector(workspace.runbooks, DEFAULT_STEP)
        self.done = DoneWhen(workspace.runbooks, DEFAULT_STEP)
        self.traffic = DrillTraffic(self.scenario, workspace.org, start)
        self.responders = SimulatedResponders(self.scenario.responders, workspace)
        self.seen: list[Seen] = []
        self.paged: set[int] = set()  # notification ids already handed to the responders
        self.runbook_of: dict[int, str | None] = {}
        self.due: datetime | None = None  # the store's next timer or delayed page

    def play(self) -> None:
        """Step the drill to its end: big pieces while nothing is happening, small ones after."""
        self._warm_up()
        t = self.start
        while t < self.end:
            nxt = self._piece_end(t)
            telemetry = self.traffic.telemetry(t, nxt)
            self.detector.add(telemetry)
            self.done.add(telemetry)
            alerts = sorted(self.detector.tick(nxt), key=lambda a: a.at)
            self.done.tick(nxt)
            self._events(alerts, nxt)
            self.clock.set(nxt)
            self._respond(nxt, check_done=True)
            t = nxt

    def _piece_end(self, t: datetime) -> datetime:
        """Pieces end where traffic may change (a mitigation) and every few minutes while
        responders wait for done_when; otherwise they are long, and cheap."""
        size = WATCH if self.responders.watching else LARGE
        end = min(t + size, self.end)
        mitigation = self.responders.mitigation_due()
        if mitigation is not None and t < mitigation < end:
            end = mitigation
        return end

    def _warm_up(self) -> None:
        """Give the detectors history before the drill starts; what they say then is dropped."""
        t = self.start - self.scenario.warmup
        while t < self.start:
            nxt = min(t + LARGE, self.start)
            telemetry = self.traffic.telemetry(t, nxt)
            self.detector.add(telemetry)
            self.done.add(telemetry)
            self.detector.tick(nxt)
            self.done.tick(nxt)
            t = nxt

    def _events(self, alerts: list[DetectorAlert], limit: datetime) -> None:
        """Handle alerts and everything due up to ``limit``, each at its own instant, in order."""
        handled: datetime | None = None
        while True:
            candidates = [x for x in (self._next_due(), alerts[0].at if alerts else None) if x]
            if not candidates or min(candidates) > limit:
                return
            at = max(min(candidates), self.clock.now())
            if at == handled and not (alerts and alerts[0].at <= at):
                return  # nothing more can happen at this instant; the rest waits for the next piece
            handled = at
            self.clock.set(at)
            arrived = [a for a in alerts if a.at <= at]
            alerts = alerts[len(arrived) :]
            if arrived:
                self._intake(arrived, at)
            self._pipeline(at)
            self._respond(at, check_done=False)

    def _next_due(self) -> datetime | None:
        times = [x for x in (self.due, self.responders.next_due()) if x is not None]
        return min(times) if times else None

    def _intake(self, alerts: list[DetectorAlert], now: datetime) -> None:
        with self.store.unit_of_work() as uow:
            for alert in alerts:
                inbox = record_alert(uow, to_alert(alert, drill=True), now)
                if alert.status == "firing":
                    self.seen.append(Seen(alert, inbox))

    def _pipeline(self, now: datetime) -> None:
        result = self.loop.tick(now).pipeline
        if result.opened:
            with self.store.unit_of_work(readonly=True) as uow:
                for incident_id in result.opened:
                    self.runbook_of[incident_id] = uow.incidents.get(incident_id).runbook_id
        self._hand_over_pages()
        self.due = next_wakeup(self.store)

    def _hand_over_pages(self) -> None:
        """Pages the channel delivered since last time go to the simulated responders."""

        fresh = [p for p in delivered_pages(self.store, self.channel) if p[0] not in self.paged]
        self.paged.update(p[0] for p in fresh)
        self.responders.on_pages([p[1] for p in fresh])

    def _respond(self, now: datetime, *, check_done: bool) -> None:
        before = dict(self.responders.mitigated_at)
        if self.responders.act(self.store, now, self._done_for if check_done else None):
            self.due = next_wakeup(self.store)
        for incident_id, at in self.responders.mitigated_at.items():
            if incident_id not in before:
                self.traffic.mitigate(at)

    def _done_for(self, incident_id: int) -> bool:
        return self.done.holds(self.runbook_of.get(incident_id))

    def record(self) -> DrillRecord:
        return read_record(self)

    def close(self) -> None:
        self.store.dispose()


def run_drill(entry: Entry, workspace: Workspace, now: datetime, clock: SystemClock) -> DrillResult:
    """Run and grade one drill. ``now`` dates the drill clock and the drill_runs row."""
    began = clock.monotonic()
    with tempfile.TemporaryDirectory(prefix="firebreak-drill-") as folder:
        run = DrillRun(entry, workspace, drill_start(entry, now), Path(folder))
        try:
            run.play()
            record = run.record()
        finally:
            run.close()
    objectives = grade(entry.scenario.objectives, record)
    return DrillResult(
        name=entry.name,
        scenario=entry.scenario.scenario,
        team=team_of(entry.scenario, workspace),
        objectives=objectives,
        started_at=now,
        finished_at=clock.now(),
        runbook=entry.scenario.objectives.runbook,
        wall_s=clock.monotonic() - began,
        incidents=incident_list(record),
    )


def incident_list(record: DrillRecord) -> list[dict[str, object]]:
    """The drill's incidents for its JSON: each one that stayed open on its own, with the
    incidents inhibit rules merged into it and the offsets of its opening and resolution."""
    out: list[dict[str, object]] = []
    for seen in record.incidents:
        if seen.merged_into is not None:
            continue
        merged = [
            i.id
            for i in record.incidents
            if i.merged_into is not None and record.root(i.id) == seen.id
        ]
        out.append(
            {
                "id": seen.id,
                "runbook": seen.runbook,
                "opened": record.offset(seen.opened_at),
                "resolved": record.offset(seen.resolved_at) if seen.resolved_at else None,
                "resolution": seen.resolution,
                "merged": merged,
            }
        )
    return out


__all__ = ["DrillRun", "drill_start", "run_drill"]
