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
from firebreak.incidents.inhibit import check_matchers
from firebreak.org.model import TimeZone
from firebreak.yamlsrc import read_text

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


def _never_or_duration(value: object) -> timedelta | None:
    if value is None or value == "never":
        return None
    return parse_duration(value)


class IncidentsSection(_Strict):
    group_by: list[str] = ["service", "scenario"]
    group_window: Duration = timedelta(hours=1)
    # Resolve an incident this long after every alert of it cleared at the source (None: never).
    auto_resolve_after: Annotated[timedelta | None, BeforeValidator(_never_or_duration)] = None


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


def _check_networks(value: list[str]) -> list[str]:
    import ipaddress

    for item in value:
        try:
            ipaddress.ip_network(item, strict=False)
        except ValueError:
            raise ValueError(
                f"expected an address or network such as 127.0.0.1/32 or 10.0.0.0/8, got {item!r}"
            ) from None
    return value


class ServerSection(_Strict):
    """How the running service presents itself, when it calls itself stalled, and whom it
    believes about who is asking."""

    public_url: Annotated[str | None, AfterValidator(_check_public_url)] = None
    stall_after: Duration = timedelta(seconds=60)
    link_ttl: Duration = timedelta(hours=24)  # acknowledge/resolve links in pages expire
    auth_header: str | None = None  # e.g. X-Forwarded-Email from an authenticating proxy
    trusted_proxies: Annotated[list[str], AfterValidator(_check_networks)] = []


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


# --- [[inhibit]] ---------------------------------------------------------------------------------


def _check_inhibit_matchers(value: dict[str, str]) -> dict[str, str]:

    check_matchers(value)
    return value


InhibitMatchers = Annotated[dict[str, str], AfterValidator(_check_inhibit_matchers)]


class InhibitRule(_Strict):
    """One ``[[inhibit]]`` rule (Alertmanager's inhibit_rules, applied to open incidents): while
    an incident matching ``source`` is open, an alert matching ``target`` that has the same value
    for every ``equal`` label joins that incident instead of paging."""

    source: InhibitMatchers
    target: InhibitMatchers
    equal: list[str] = []


class Settings(_Strict):
    workspace: WorkspaceSection = WorkspaceSection()
    store: StoreSection = StoreSection()
    review: ReviewSection = ReviewSection()
    lint: LintSection = LintSection()
    incidents: IncidentsSection = IncidentsSection()
    channels: dict[str, ChannelSection] = {}
    inhibit: list[InhibitRule] = []
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


class SettingsError(InputError):
    """Every problem of a ``firebreak.toml``, each at its own line and column (``problems``)."""

    def __init__(self, problems: list[tuple[str, Location]]) -> None:
        super().__init__(problems[0][0], location=problems[0][1])
        self.problems = problems


def load_settings(path: Path, display: str = "firebreak.toml") -> Settings:
    """Load settings; a missing file gives the defaults, a bad one a SettingsError listing every
    problem at its line and column (an unknown key with the keys accepted there)."""
    if not path.exists():
        return Settings()

    text = read_text(path, display)
    data = _parse_toml(text, display)
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = tuple(err["loc"])
            dotted = ".".join(str(p) for p in loc)
            line, col = locate_setting(text, loc)
            if err["type"] == "extra_forbidden":
                accepted = accepted_keys(loc[:-1])
                msg = "unknown setting" + (
                    f"; expected one of {', '.join(accepted)}" if accepted else ""
                )
            else:
                msg = str(err["msg"]).removeprefix("Value error, ")
            problems.append((f"{dotted}: {msg}", Location(display, line, col)))
        raise SettingsError(problems) from None


def _parse_toml(text: str, display: str) -> dict[str, Any]:
    """``tomllib.loads`` with its errors (and nesting too deep for it) at their line."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", 0)
        col = getattr(exc, "colno", 0)
        message = getattr(exc, "msg", str(exc))
        raise InputError(
            f"invalid TOML: {message}", location=Location(display, line, col)
        ) from None
    except RecursionError:
        raise InputError(
            "invalid TOML: arrays or inline tables nested too deeply", location=Location(display)
        ) from None


def accepted_keys(loc: tuple[object, ...]) -> list[str]:
    """The keys a table at ``loc`` accepts (following nested sections, maps and lists)."""
    model: Any = Settings
    for part in loc:
        if isinstance(model, type) and issubclass(model, BaseModel):
            field = model.model_fields.get(str(part))
            if field is None:
                return []
            model = field.annotation
        else:
            model = _inner(model)
        model = _unwrap(model)
    model = _unwrap(model)
    if isinstance(model, type) and issubclass(model, BaseModel):
        return sorted(model.model_fields)
    return []


def _unwrap(tp: Any) -> Any:
    """``X | None`` -> ``X``."""
    args = [a for a in getattr(tp, "__args__", ()) if a is not type(None)]
    if type(None) in getattr(tp, "__args__", ()) and len(args) == 1:
        return args[0]
    return tp


def _inner(tp: Any) -> Any:
    """The value type of ``dict[str, X]`` or ``list[X]``."""
    args = getattr(tp, "__args__", ())
    return args[-1] if args else None
