"""The plain records the figures are computed from; the store (or a test) builds them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

RESOLUTIONS = ("fixed", "false_alarm", "duplicate", "drill")


@dataclass(frozen=True)
class IncidentRecord:
    """One incident as the figures see it. Times are aware UTC datetimes, None when not reached.

    ``trigger`` names what opened the incident: ``runbook-id#0`` for a runbook's first trigger,
    or the signal or alert name for external alerts. ``steps_done`` and ``steps_skipped`` hold
    runbook step keys such as ``mitigation.2``.
    """

    opened_at: datetime
    id: str = ""
    title: str = ""
    acknowledged_at: datetime | None = None
    mitigated_at: datetime | None = None
    resolved_at: datetime | None = None
    fault_started_at: datetime | None = None
    resolution: str | None = None
    drill: bool = False
    runbook_id: str | None = None
    trigger: str | None = None
    service: str | None = None
    scenario: str | None = None
    severity: str | None = None
    services: tuple[str, ...] = ()
    steps_done: frozenset[str] = field(default_factory=frozenset)
    steps_skipped: frozenset[str] = field(default_factory=frozenset)

    @property
    def is_drill(self) -> bool:
        """Drills never count toward the production figures, however they were closed."""
        return self.drill or self.resolution == "drill"

    @property
    def is_resolved(self) -> bool:
        return self.resolved_at is not None


@dataclass(frozen=True)
class DrillRunRecord:
    """One drill run: a drill passes when every objective passed."""

    name: str
    scenario: str | None
    passed: bool
    started_at: datetime
    team: str | None = None
    kind: str = "simulated"  # simulated | live | tabletop
    verified: bool = True  # False: a live drill nobody followed to resolution


@dataclass(frozen=True)
class StepInfo:
    """A runbook step as the skipped-steps figure names it."""

    key: str
    text: str
