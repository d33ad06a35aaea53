"""Workspace settings from ``firebreak.toml``, loaded once and passed explicitly."""

from __future__ import annotations

import tomllib
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from firebreak.durations import parse_duration
from firebreak.errors import InputError, Location
from firebreak.org.model import TimeZone

Duration = Annotated[timedelta, BeforeValidator(parse_duration)]
Profile = Literal["small", "mid", "large"]
PROFILE_ROLES: dict[str, tuple[str, ...]] = {
    "small": ("commander",),
    "mid": ("commander", "communications", "operations"),
    "large": ("commander", "communications", "operations", "scribe", "liaison"),
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class WorkspaceSection(_Strict):
    name: str = "firebreak"
    profile: Profile = "mid"
    timezone: TimeZone = "UTC"


class StoreSection(_Strict):
    url: str | None = None  # default: sqlite:///<workspace>/firebreak.db


def _percent(value: object) -> float:
    """``"25%"`` or ``0.25`` -> 0.25."""
    if isinstance(value, str) and value.strip().endswith("%"):
        try:
            return float(value.strip()[:-1]) / 100.0
        except ValueError:
            raise ValueError(f"expected a percentage such as '25%', got {value!r}") from None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    raise ValueError(f"expected a percentage such as '25%', got {value!r}")


Fraction = Annotated[float, BeforeValidator(_percent), Field(gt=0)]


class ReviewSection(_Strict):
    """Runbook review cadence, and the weekly review's audience and decay alarms."""

    every: Duration = timedelta(days=90)
    to: list[str] = []  # team:<id> | person:<id> | schedule:<id>, for `firebreak review --send`
    baseline: str | None = None  # the baseline the review compares with (default: the newest)
    drill_every: Duration = timedelta(days=30)  # a drill not run for this long is due
    mttr_worse_by: Fraction | None = 0.25  # decay alarm: median MTTR this much above the baseline
    false_alarm_rate_above: float | None = Field(default=0.3, ge=0, le=1)
    drill_pass_rate_below: float | None = Field(default=0.8, ge=0, le=1)


class LintSection(_Strict):
    gap_horizon: Duration = timedelta(days=28)
    # Time for the chain to reach a second human, per severity.
    second_human_within: dict[str, Duration] = {
        "sev1": timedelta(minutes=15),
        "sev2": timedelta(minutes=30),
        "sev3": timedelta(hours=4),
        "sev4": timedelta(days=1),
    }
    concentration: float = Field(default=0.5, gt=0, le=1)  # FB702: share of on-call hours
    ignore: list[str] = []


class IncidentsSection(_Strict):
    group_by: list[str] = ["service", "scenario"]
    group_window: Duration = timedelta(hours=1)


class ChannelSection(_Strict):
    """A named notification channel: an Apprise URL (may use ${ENV} for secrets) or ``console``."""

    url: str
    retries: int = Field(default=3, ge=0, le=20)


class Settings(_Strict):
    workspace: WorkspaceSection = WorkspaceSection()
    store: StoreSection = StoreSection()
    review: ReviewSection = ReviewSection()
    lint: LintSection = LintSection()
    incidents: IncidentsSection = IncidentsSection()
    channels: dict[str, ChannelSection] = {}

    @property
    def required_roles(self) -> tuple[str, ...]:
        return PROFILE_ROLES[self.workspace.profile]


def _line_of(text: str, key: object) -> int:
    needle = str(key)
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if (
            stripped.startswith(needle)
            or stripped.startswith(f"[{needle}")
            or (stripped.startswith("[") and needle in stripped)
        ):
            return number
    return 0


def load_settings(path: Path, display: str = "firebreak.toml") -> Settings:
    """Load settings; a missing file gives the defaults, a bad one an InputError with a line."""
    if not path.exists():
        return Settings()
    from firebreak.yamlsrc import read_text

    text = read_text(path, display)
    try:
        data: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", 0)
        col = getattr(exc, "colno", 0)
        message = getattr(exc, "msg", str(exc))
        raise InputError(
            f"invalid TOML: {message}", location=Location(display, line, col)
        ) from None
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = err["loc"]
        dotted = ".".join(str(p) for p in loc)
        line = _line_of(text, loc[-1]) if loc else 0
        msg = "unknown setting" if err["type"] == "extra_forbidden" else err["msg"]
        raise InputError(f"{dotted}: {msg}", location=Location(display, line, 1)) from None
