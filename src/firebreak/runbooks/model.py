"""The runbook model: front matter (validated) plus the steps a responder acts on."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from firebreak.durations import parse_duration
from firebreak.errors import Location
from firebreak.runbooks.kinds import BY_NAME, KINDS, PROMQL_KINDS, spelled
from firebreak.yamlsrc import locate

Duration = Annotated[timedelta, BeforeValidator(parse_duration)]
Scenario = Literal[
    "inference_outage", "quality_anomaly", "cost_spike", "third_party_failure", "custom"
]
SCENARIOS: tuple[str, ...] = (
    "inference_outage",
    "quality_anomaly",
    "cost_spike",
    "third_party_failure",
)
Severity = Literal["sev1", "sev2", "sev3", "sev4"]

# Signals computed from request events, plus provider_status from status pages.
RATIO_SIGNALS = frozenset({"error_ratio", "timeout_ratio", "throttle_ratio", "refusal_ratio"})
SIGNALS = frozenset(
    {
        "request_rate",
        "error_ratio",
        "timeout_ratio",
        "throttle_ratio",
        "latency_p50",
        "latency_p95",
        "latency_p99",
        "ttft_p95",
        "cost_usd_rate",
        "tokens_per_request",
        "quality_mean",
        "refusal_ratio",
        "session_steps_max",
        "session_cost_max",
        "provider_status",
    }
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class BurnRatePair(_Strict):
    long: Duration
    short: Duration
    factor: float = Field(gt=0)
    action: Literal["page", "ticket"] = "page"


class BurnRate(_Strict):
    """Multi-window multi-burn-rate on an SLO; ``objective`` is a percentage such as 99.5."""

    objective: float = Field(gt=0, lt=100)
    pairs: list[BurnRatePair] | None = (
        None  # default: 1h/5m 14.4x and 6h/30m 6x page, 3d/6h 1x ticket
    )


class Anomaly(_Strict):
    baseline: Duration = timedelta(days=7)
    sensitivity: float = Field(default=4.0, gt=0)
    direction: Literal["up", "down", "both"] = "both"


class Change(_Strict):
    direction: Literal["up", "down"]
    shift: float = Field(gt=0)


class Budget(_Strict):
    usd: float = Field(gt=0)
    per: Duration


class Runaway(_Strict):
    """A session whose steps or spend grow far beyond its peers (runaway agent loop)."""

    factor: float = Field(default=10.0, gt=1)
    min_steps: int = Field(default=20, ge=1)


class Trigger(_Strict):
    """One trigger: a signal with label matchers, or a PromQL expression; and exactly one kind."""

    signal: str = ""
    # Read from [sources.prometheus] instead of events; each result series is its own label set.
    promql: str | None = Field(default=None, min_length=1)
    labels: dict[str, str] = {}  # added to every alert of this trigger (a rule's `labels`)
    where: dict[str, str] = {}
    by: list[str] | None = None  # labels to evaluate separately (default: the keys of `where`)
    above: float | None = None
    below: float | None = None
    window: Duration | None = None
    for_: Duration | None = Field(default=None, alias="for")
    min_requests: int | None = Field(default=None, ge=1)
    burn_rate: BurnRate | None = None
    anomaly: Anomaly | None = None
    change: Change | None = None
    budget: Budget | None = None
    runaway: Runaway | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Trigger:
        kinds = self.kinds()
        if len(kinds) > 1:
            raise ValueError(f"a trigger has exactly one kind, this one has {', '.join(kinds)}")
        if self.above is not None and self.below is not None:
            raise ValueError("a threshold is either above or below, not both")
        if self.promql is None and not self.signal:
            raise ValueError("a trigger needs a signal, or a promql expression")
        if self.promql is not None:
            self._check_promql(kinds)
        return self

    def _check_promql(self, kinds: list[str]) -> None:
        if self.signal:
            raise ValueError("a trigger reads either a signal or promql, not both")
        extra = [
            name
            for name, value in (
                ("where", self.where),
                ("by", self.by),
                ("window", self.window),
                ("min_requests", self.min_requests),
            )
            if value
        ]
        if extra:
            raise ValueError(
                f"{', '.join(extra)} do not apply to a promql trigger: the expression selects "
                "its series and its own range ([5m])"
            )
        if kinds and kinds[0] not in PROMQL_KINDS:
            promql = tuple(BY_NAME[name] for name in PROMQL_KINDS)
            raise ValueError(f"a promql trigger takes {spelled(promql)}, not {kinds[0]}")

    @property
    def source(self) -> str:
        """What the trigger reads, for messages: the signal name or ``promql``."""
        return self.signal or "promql"

    def kinds(self) -> list[str]:
        """The kinds this trigger names (one, when valid), in the order of ``KINDS``."""
        found = []
        for kind in KINDS:
            if kind.key is None:
                if self.above is not None or self.below is not None:
                    found.append(kind.name)
            elif getattr(self, kind.key) is not None:
                found.append(kind.name)
        return found

    @property
    def group_labels(self) -> list[str]:
        """The labels that split the signal into one series each."""
        return list(self.by) if self.by is not None else sorted(self.where)

    @property
    def kind(self) -> str | None:
        kinds = self.kinds()
        return kinds[0] if kinds else None


class Condition(_Strict):
    """An exit criterion in ``done_when``: a signal above/below a value for a time."""

    signal: str
    where: dict[str, str] = {}
    above: float | None = None
    below: float | None = None
    for_: Duration | None = Field(default=None, alias="for")


@dataclass
class Step:
    """A numbered item under Diagnosis or Mitigation."""

    section: str  # "diagnosis" | "mitigation"
    number: int
    text: str
    line: int
    role: str | None = None
    commands: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    anchors: list[tuple[str, str]] = field(default_factory=list)  # (link text, url), in order
    inline_code: list[str] = field(default_factory=list)
    expect: str | None = None

    @property
    def key(self) -> str:
        """A stable key for progress tracking: ``mitigation.2``."""
        return f"{self.section}.{self.number}"

    @property
    def actionable(self) -> bool:
        return bool(self.commands or self.links or self.inline_code)


@dataclass
class Section:
    name: str
    line: int
    text: str


@dataclass
class Runbook:
    """A parsed runbook. Front matter fields are None when absent or invalid."""

    id: str
    path: str  # as displayed in findings
    title: str | None = None
    title_line: int = 0
    service: str | None = None
    scenario: str | None = None
    severity: str | None = None
    owner: str | None = None
    escalation: str | None = None
    roles: dict[str, str] = field(default_factory=dict)
    triggers: list[Trigger] = field(default_factory=list)
    done_when: list[Condition] = field(default_factory=list)
    reviewed: date | None = None
    review_every: timedelta | None = None
    backup: str | None = None
    handoff: str | None = None
    handoff_updated: date | None = None  # when the handoff note was last brought up to date
    sections: dict[str, Section] = field(default_factory=dict)
    steps: list[Step] = field(default_factory=list)
    front_matter: Any = None  # yamlsrc.YMap of the raw front matter, None when there is none
    body: str = ""
    body_line: int = 1  # the file line on which the body starts (after the front matter)

    def location(self, line: int = 0, col: int = 0) -> Location:
        return Location(self.path, line, col)

    def key_location(self, *path: Any) -> Location:
        """Where a front matter key (or nested key/index path) was written."""

        if self.front_matter is None:
            return Location(self.path, 1, 1)
        line, col = locate(self.front_matter, list(path))
        return Location(self.path, line, col)
