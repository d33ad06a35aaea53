"""The drill scenario format (``drills/*.yaml``) and its strict loader.

A scenario names a service, how long the drill runs, the traffic to simulate, the faults to inject
at offsets from the drill's start, how the simulated responders behave, and the objectives that
grade the run. Unknown keys and bad values are errors naming file, line and column.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from firebreak.durations import format_duration, parse_duration
from firebreak.errors import InputError, Location
from firebreak.yamlsrc import YMap, loads, locate, read_text

Duration = Annotated[timedelta, BeforeValidator(parse_duration)]
DrillScenario = Literal["inference_outage", "quality_anomaly", "cost_spike", "third_party_failure"]
FaultKind = Literal[
    "outage", "latency", "provider_errors", "quality_drop", "cost_spike", "runaway_agent"
]
ErrorType = Literal["429", "529", "timeout"]
Shape = Literal["abrupt", "gradual"]
MAX_DURATION = timedelta(days=7)
MAX_WARMUP = timedelta(days=1)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)


def _error_type(value: object) -> object:
    """YAML reads ``429`` as an int; accept it as the error type text."""
    return str(value) if isinstance(value, int) else value


class Traffic(_Strict):
    """How much normal traffic to simulate; ``seed`` makes a run repeatable."""

    scale: float = Field(default=1.0, gt=0, le=100)
    seed: int = Field(default=1, ge=0)


class FaultSpec(_Strict):
    """One fault injected at ``at`` (offset from the drill's start) for ``duration``."""

    kind: FaultKind
    at: Duration
    duration: Duration
    strength: float = Field(default=1.0, gt=0, le=100)
    provider: str | None = None
    service: str | None = None  # default: the scenario's service; "*": every service
    error_type: Annotated[ErrorType | None, BeforeValidator(_error_type)] = None
    shape: Shape | None = None

    @model_validator(mode="after")
    def _kind_fields(self) -> FaultSpec:
        if self.kind == "provider_errors" and self.error_type is None:
            raise ValueError("a provider_errors fault needs error_type: 429, 529 or timeout")
        if self.kind != "provider_errors" and self.error_type is not None:
            raise ValueError(f"error_type belongs to provider_errors faults, not {self.kind}")
        if self.shape is not None and self.kind != "quality_drop":
            raise ValueError(f"shape belongs to quality_drop faults, not {self.kind}")
        return self

    @property
    def ends_at(self) -> timedelta:
        return self.at + self.duration

    @property
    def profile(self) -> Shape:
        return self.shape or "abrupt"


class Responders(_Strict):
    """How the simulated responders behave."""

    ack_delay: Duration = timedelta(minutes=2)
    step_time: Duration = timedelta(minutes=2)
    follows_runbook: bool = True
    unreachable: list[str] = []


class Objectives(_Strict):
    """What a passing drill must show. An objective left out is not graded."""

    detect_within: Duration | None = None
    runbook: str | None = None
    roles_filled: bool = False
    ack_within: Duration | None = None
    resolved_within: Duration | None = None
    quiet_period: Duration | None = None
    noise: bool = True  # one incident per fault, and nobody paged twice for it


class Scenario(_Strict):
    name: str = Field(min_length=1, pattern=r"^[a-z0-9][a-z0-9._-]*$")
    description: str = ""
    scenario: DrillScenario
    service: str = Field(min_length=1)
    team: str | None = None
    duration: Duration
    start: str = Field(default="08:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    warmup: Duration = timedelta(hours=1)
    traffic: Traffic = Traffic()
    faults: list[FaultSpec] = Field(min_length=1)
    responders: Responders = Responders()
    objectives: Objectives

    @field_validator("duration")
    @classmethod
    def _duration_cap(cls, value: timedelta) -> timedelta:
        if value > MAX_DURATION:
            raise ValueError(
                f"a drill runs at most {format_duration(MAX_DURATION)}, got {format_duration(value)}"
            )
        return value

    @field_validator("warmup")
    @classmethod
    def _warmup_cap(cls, value: timedelta) -> timedelta:
        if value > MAX_WARMUP:
            raise ValueError(
                f"warmup is at most {format_duration(MAX_WARMUP)}, got {format_duration(value)}"
            )
        return value

    @model_validator(mode="after")
    def _faults_inside(self) -> Scenario:
        for fault in self.faults:
            if fault.at >= self.duration:
                raise ValueError(f"a {fault.kind} fault at {fault.at} starts after the drill ends")
        return self

    @property
    def fault_start(self) -> timedelta:
        return min(f.at for f in self.faults)

    @property
    def fault_end(self) -> timedelta:
        return max(f.ends_at for f in self.faults)


class ScenarioError(InputError):
    """A scenario file that does not load; ``problems`` lists every place that is wrong."""

    code = "bad_scenario"

    def __init__(self, problems: list[tuple[Location, str]]) -> None:
        lines = "\n".join(f"{loc}: {msg}" for loc, msg in problems)
        super().__init__(lines)
        self.problems = problems

    def __str__(self) -> str:
        return self.message


def _problems(exc: ValidationError, raw: YMap, display: str) -> list[tuple[Location, str]]:
    out = []
    for err in exc.errors():
        path = tuple(p for p in err["loc"] if not (isinstance(p, str) and "[" in p))
        line, col = locate(raw, path)
        dotted = ".".join(str(p) for p in path) or "(top level)"
        if err["type"] == "missing":
            msg = f"missing required key {dotted!r}"
        elif err["type"] == "extra_forbidden":
            msg = f"unknown key {dotted!r}"
        else:
            msg = f"{dotted}: {err['msg'].removeprefix('Value error, ')}"
        out.append((Location(display, line, col), msg))
    return out


def parse_scenario(text: str, display: str) -> tuple[Scenario, YMap]:
    """Validate one scenario's YAML text; raise ScenarioError with every problem located.

    Returns the scenario and its raw YAML, whose positions place later reference checks.
    """
    try:
        data = loads(text, display)
    except InputError as exc:
        raise ScenarioError([(exc.location or Location(display), exc.message)]) from None
    if not isinstance(data, YMap):
        raise ScenarioError([(Location(display, 1, 1), "expected a mapping of scenario keys")])
    try:
        return Scenario.model_validate(data), data
    except ValidationError as exc:
        raise ScenarioError(_problems(exc, data, display)) from None


def load_scenario(path: Path, display: str | None = None) -> tuple[Scenario, YMap]:
    shown = display or str(path)
    try:
        text = read_text(path, shown)
    except InputError as exc:
        raise ScenarioError([(exc.location or Location(shown), exc.message)]) from None
    return parse_scenario(text, shown)
