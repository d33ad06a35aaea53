"""Workspace settings from ``firebreak.toml``, loaded once and passed explicitly."""

from __future__ import annotations

import re
import tomllib
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
)

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


class ReviewSection(_Strict):
    every: Duration = timedelta(days=90)


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


# --- [server] -----------------------------------------------------------------------------------


def _check_public_url(value: str | None) -> str | None:
    from urllib.parse import urlsplit

    if value is None:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ValueError(
            f"expected an http(s) URL such as https://firebreak.example.com, got {value!r}"
        )
    return value.rstrip("/")


class ServerSection(_Strict):
    """How the running service presents itself and when it calls itself stalled."""

    public_url: Annotated[str | None, AfterValidator(_check_public_url)] = None
    stall_after: Duration = timedelta(seconds=60)


# --- [routing] ----------------------------------------------------------------------------------

LABEL_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _check_labels(value: dict[str, str]) -> dict[str, str]:
    for name in value:
        if not LABEL_NAME.fullmatch(name):
            raise ValueError(
                f"{name!r} is not a label name: expected letters, digits and _, not first a digit"
            )
    return value


def _check_matchers(value: dict[str, str]) -> dict[str, str]:
    _check_labels(value)
    for name, wanted in value.items():
        if wanted.startswith("~"):
            try:
                re.compile(wanted[1:])
            except re.error as exc:
                raise ValueError(
                    f"{name} = {wanted!r}: not a regular expression ({exc}); write an exact "
                    'value, or "~" and a regex such as "~chat-.*"'
                ) from None
    return value


Labels = Annotated[dict[str, str], AfterValidator(_check_labels)]
Matchers = Annotated[dict[str, str], AfterValidator(_check_matchers)]


class RouteSection(_Strict):
    """One ``[[routing.routes]]`` entry: labels to match (exact, or "~REGEX" fully anchored) and
    labels the matching alert gets."""

    match: Matchers
    set: Labels = {}


class RoutingSection(_Strict):
    default_escalation: str | None = None
    severity: dict[str, str] = {}
    routes: list[RouteSection] = []

    @field_validator("severity")
    @classmethod
    def _severities(cls, value: dict[str, str]) -> dict[str, str]:
        for word, sev in value.items():
            if sev not in ("sev1", "sev2", "sev3", "sev4"):
                raise ValueError(f"{word} = {sev!r}: expected sev1, sev2, sev3 or sev4")
        return value


# --- [sources] ----------------------------------------------------------------------------------


class PrometheusSource(_Strict):
    """A Prometheus-compatible query API that promql triggers read (Prometheus, Mimir, Thanos,
    VictoriaMetrics). Header values may use ``${ENV}`` so tokens stay out of git."""

    url: str = Field(pattern=r"^https?://")
    headers: dict[str, str] = {}
    timeout: Duration = timedelta(seconds=10)


class SourcesSection(_Strict):
    prometheus: PrometheusSource | None = None


class Settings(_Strict):
    workspace: WorkspaceSection = WorkspaceSection()
    store: StoreSection = StoreSection()
    review: ReviewSection = ReviewSection()
    lint: LintSection = LintSection()
    incidents: IncidentsSection = IncidentsSection()
    channels: dict[str, ChannelSection] = {}
    sources: SourcesSection = SourcesSection()
    server: ServerSection = ServerSection()
    routing: RoutingSection = RoutingSection()

    @property
    def required_roles(self) -> tuple[str, ...]:
        return PROFILE_ROLES[self.workspace.profile]


_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?")
_KEY = re.compile(r"^\s*([A-Za-z0-9_\-.\"' ]+?)\s*=")


def _parts(dotted: str) -> tuple[str, ...]:
    return tuple(p.strip().strip("\"'") for p in dotted.split("."))


def locate_setting(text: str, loc: tuple[object, ...]) -> tuple[int, int]:
    """Line and column (1-based; 0 when unknown) where the setting at ``loc`` is written.

    ``tomllib`` keeps no positions, so this follows table headers (counting ``[[array]]``
    entries) and keys line by line and picks the line whose path covers most of ``loc``.
    """
    wanted = tuple(str(p) for p in loc)
    best, best_len = (0, 0), 0
    table: tuple[str, ...] = ()
    counts: dict[tuple[str, ...], int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(line)
        if header:
            path = _parts(header.group(2))
            if header.group(1) == "[[":
                counts[path] = counts.get(path, -1) + 1
                path = (*path, str(counts[path]))
            table = path
            candidate = table
            col = line.index("[") + 1
        else:
            key = _KEY.match(line)
            if not key:
                continue
            candidate = (*table, *_parts(key.group(1)))
            col = len(line) - len(line.lstrip()) + 1
        size = 0
        while size < min(len(candidate), len(wanted)) and candidate[size] == wanted[size]:
            size += 1
        if size == len(candidate) and size > best_len:
            best, best_len = (number, col), size
            deeper = wanted[size:]
            if deeper and f"{deeper[-1]}" in line:  # an inline table: point at the inner key
                best = (number, line.index(deeper[-1]) + 1)
    return best


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
        line, col = locate_setting(text, tuple(loc))
        msg = "unknown setting" if err["type"] == "extra_forbidden" else err["msg"]
        msg = msg.removeprefix("Value error, ")
        raise InputError(f"{dotted}: {msg}", location=Location(display, line, col)) from None
