"""What the detectors hand to the incident pipeline: one alert transition per trigger series."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

Status = Literal["firing", "resolved"]


@dataclass(frozen=True)
class DetectorAlert:
    """A trigger series started (``firing``) or stopped (``resolved``) firing at ``at``.

    ``labels`` hold the runbook's ``service`` and ``scenario`` plus the trigger's group labels
    (for example ``provider``). ``value`` is the signal (or score) at ``at``; None when no data.
    """

    runbook_id: str
    trigger_index: int
    signal: str
    kind: str
    labels: dict[str, str]
    status: str
    at: datetime
    value: float | None
    summary: str
    group_labels: tuple[str, ...] = ()
    tier: str = ""  # burn_rate: "page" or "ticket"

    @property
    def fingerprint(self) -> str:
        """Stable id of the series: runbook, trigger index (and ``ticket`` for a burn-rate
        trigger's ticket pairs) and the sorted group labels."""
        parts = [self.runbook_id, str(self.trigger_index)]
        if self.tier == "ticket":
            parts.append("ticket")
        parts += [f"{k}={self.labels.get(k, '')}" for k in sorted(self.group_labels)]
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Firing:
    """One firing interval of one trigger series (``end`` None: still firing at the end)."""

    runbook_id: str
    trigger_index: int
    signal: str
    kind: str
    labels: dict[str, str]
    start: datetime
    end: datetime | None
    peak: float | None
