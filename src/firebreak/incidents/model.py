"""What enters the pipeline: ``AlertIn`` (as intake hands it over) and its normalised form."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, get_args

from firebreak import limits
from firebreak.errors import InputError

# What an alert event asks for, from the sender's parser to the pipeline (PagerDuty's
# event_action): open or join an incident, acknowledge it, or clear the alert at the source.
Action = Literal["trigger", "acknowledge", "resolve"]
ACTIONS: tuple[Action, ...] = get_args(Action)
# The integration kinds: one per intake format (each has its routes in web.intake.ROUTES).
IntegrationKind = Literal["alertmanager", "pagerduty", "generic", "otlp"]
INTEGRATION_KINDS: tuple[IntegrationKind, ...] = get_args(IntegrationKind)
SOURCES = (*INTEGRATION_KINDS, "detector", "drill")
SEVERITIES = ("sev1", "sev2", "sev3", "sev4")
RESOLUTIONS = ("fixed", "false_alarm", "duplicate", "drill")
THIRD_PARTY = "third_party_failure"
# The inbox row's ``status`` column, for a person reading the store: the action in alert words.
INBOX_STATUS: dict[Action, str] = {
    "trigger": "firing",
    "resolve": "resolved",
    "acknowledge": "acknowledge",
}


@dataclass
class AlertIn:
    """One alert event as intake received it.

    ``dedup_key`` is the fingerprint: events with the same key are one alert. Labels carry at
    least ``service`` and usually ``scenario``; ``runbook`` names a runbook id when the sender
    knows it (detectors do); ``provider`` groups third-party failures across services.
    """

    source: str
    dedup_key: str
    action: Action = "trigger"
    labels: dict[str, str] = field(default_factory=dict)
    summary: str = ""
    severity: str | None = None
    payload: dict[str, Any] = field(default_factory=dict)
    drill: bool = False
    integration_id: int | None = None
    starts_at: datetime | None = None

    def check(self) -> None:
        """Raise InputError naming the field and the limit when the store could not hold the
        alert (``firebreak.limits``): checked before it joins a shared commit."""
        if self.source not in SOURCES:
            raise InputError(f"source: expected one of {', '.join(SOURCES)}, got {self.source!r}")
        if not self.dedup_key:
            raise InputError("dedup_key: expected 1 to 255 characters")
        if self.action not in ACTIONS:
            raise InputError(f"action: expected one of {', '.join(ACTIONS)}, got {self.action!r}")
        severity = self.severity
        texts = [self.dedup_key, self.summary, severity or ""]
        within = len(self.dedup_key) <= limits.FINGERPRINT and (
            severity is None or len(severity) <= limits.SEVERITY
        )
        if not (within and limits.fits_alert(self.labels, self.payload, texts)):
            self._name_problem()  # the slow walk, which names the field
        if self.starts_at is not None:
            if self.starts_at.tzinfo is None:
                raise InputError("starts_at: expected a time with a time zone")
            limits.check_time(self.starts_at, "starts_at")

    def _name_problem(self) -> None:
        """Raise InputError naming the field that ``limits.fits_alert`` refused."""
        limits.check_text(self.dedup_key, "dedup_key", limits.FINGERPRINT)
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in self.labels.items()):
            raise InputError("labels: expected a mapping of strings to strings")
        limits.check_labels(self.labels)
        limits.check_text(self.summary, "summary")  # stored cut to SUMMARY_STORED
        if self.severity is not None:
            limits.check_text(self.severity, "severity", limits.SEVERITY)
        limits.check_json(self.payload, "payload")


@dataclass(frozen=True)
class Normal:
    """An alert after normalisation: the fields the later stages read."""

    alert_id: int
    fingerprint: str
    action: Action
    labels: dict[str, str]
    service: str | None
    scenario: str | None
    runbook_id: str | None
    severity: str | None
    summary: str
    drill: bool
    source: str
    starts_at: datetime | None
    trigger: str | None  # "runbook#index" for detector alerts
    route: Any = None  # the routing.Decision that placed it (runbook, policy, notes)
