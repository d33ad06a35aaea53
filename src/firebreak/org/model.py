"""The org model: strict (unknown keys are errors), with each object's source kept for findings."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from firebreak.durations import format_duration, parse_duration
from firebreak.errors import Location

Duration = Annotated[timedelta, BeforeValidator(parse_duration)]
ContactType = Literal["email", "slack", "sms", "phone", "webhook", "apprise"]
REF_KINDS = ("schedule", "person", "team")


def check_timezone(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected a time zone name such as Europe/Berlin, got {value!r}")
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {value!r}, expected an IANA name such as Europe/Berlin or UTC"
        ) from None
    return value


def check_ref(value: object, kinds: tuple[str, ...] = REF_KINDS) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected a reference such as person:<id>, got {value!r}")
    kind, sep, ident = value.partition(":")
    if not sep or kind not in kinds or not ident:
        allowed = " | ".join(f"{k}:<id>" for k in kinds)
        raise ValueError(f"expected a reference {allowed}, got {value!r}")
    return value


TimeZone = Annotated[str, BeforeValidator(check_timezone)]
Ref = Annotated[str, BeforeValidator(check_ref)]


_NOWHERE = Location("")


class Strict(BaseModel):
    # Where the object was written, and its raw YAML (a yamlsrc.YMap) for positions inside it.
    # Plain slots, not pydantic private attributes: those cost four times the validation of a
    # person (30 us each), which for a 200,000-person org was most of the model time.
    __slots__ = ("_raw", "_source")
    model_config = ConfigDict(extra="forbid", frozen=False, str_strip_whitespace=True)

    @property
    def source(self) -> Location:
        return getattr(self, "_source", _NOWHERE)

    @property
    def raw(self) -> Any:
        return getattr(self, "_raw", None)

    def place(self, source: Location, raw: Any) -> None:
        """Remember where the object was written and its raw YAML."""
        object.__setattr__(self, "_source", source)
        object.__setattr__(self, "_raw", raw)


class Contact(Strict):
    type: ContactType
    address: str = Field(min_length=1)
    delay: Duration | None = None


class Person(Strict):
    id: str = Field(min_length=1)
    name: str = ""
    timezone: TimeZone = "UTC"
    contacts: list[Contact] = []

    @property
    def display(self) -> str:
        return self.name or self.id


class Team(Strict):
    id: str = Field(min_length=1)
    name: str = ""
    members: list[str] = []


class Service(Strict):
    id: str = Field(min_length=1)
    name: str = ""
    team: str
    escalation: str | None = None
    providers: list[str] = []
    description: str = ""


Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


class Restriction(Strict):
    """Limits a rotation to part of the week, in the schedule's time zone (e.g. business hours)."""

    days: list[Weekday] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    start: time = time(0, 0)
    end: time = time(23, 59, 59)
    # Instead of ``end``: a window this long from ``start`` (up to a week, e.g. Mon 09:00 + 4d8h).
    duration: Duration | None = None

    @model_validator(mode="after")
    def _end_or_duration(self) -> Restriction:
        if self.duration is not None:
            if "end" in self.model_fields_set:
                raise ValueError("give either end or duration, not both")
            if self.duration > timedelta(days=7):
                raise ValueError(
                    f"a restriction lasts at most 7d, got {format_duration(self.duration)}"
                )
        return self


class Rotation(Strict):
    members: list[str] = Field(min_length=1)
    start: datetime  # local wall time in the schedule's time zone
    shift: Duration
    end: datetime | None = None
    # Nobody from this rotation is on call before ``since``; handoffs still count from ``start``
    # (a PagerDuty layer's ``start`` beside its ``rotation_virtual_start``).
    since: datetime | None = None
    restrict: Restriction | list[Restriction] | None = None
    name: str = ""

    @property
    def restrictions(self) -> list[Restriction]:
        """The windows this rotation covers (empty: all the time)."""
        if self.restrict is None:
            return []
        return self.restrict if isinstance(self.restrict, list) else [self.restrict]

    @field_validator("shift")
    @classmethod
    def _shift_long_enough(cls, value: timedelta) -> timedelta:
        # Coverage walks one shift at a time; a seconds-long shift is a typo (7m for 7d?).
        if value < timedelta(minutes=15):
            raise ValueError(
                f"a shift lasts at least 15m, got {format_duration(value)}; did you mean 7d?"
            )
        return value


class Override(Strict):
    person: str
    from_: datetime = Field(alias="from")
    to: datetime

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    @field_validator("to")
    @classmethod
    def _after_from(cls, value: datetime, info: Any) -> datetime:
        start = info.data.get("from_")
        if start is not None and value <= start:
            raise ValueError("an override must end after it starts")
        return value


class Schedule(Strict):
    id: str = Field(min_length=1)
    name: str = ""
    timezone: TimeZone = "UTC"
    rotation: Rotation | None = None
    # Several rotations stacked: where a later layer puts someone on call, it wins.
    layers: list[Rotation] = []
    overrides: list[Override] = []

    @model_validator(mode="after")
    def _rotation_or_layers(self) -> Schedule:
        if (self.rotation is None) == (not self.layers):
            raise ValueError("a schedule needs either rotation or layers (one of them, not both)")
        return self

    @property
    def rotations(self) -> list[Rotation]:
        """Every rotation of the schedule, lowest precedence first."""
        return [self.rotation] if self.rotation is not None else list(self.layers)

    def rotation_path(self, index: int) -> tuple[str | int, ...]:
        """Where rotation ``index`` is written, for findings."""
        return ("rotation",) if self.rotation is not None else ("layers", index)


class Level(Strict):
    targets: list[Ref] = Field(min_length=1)
    ack_within: Duration


class EscalationPolicy(Strict):
    id: str = Field(min_length=1)
    name: str = ""
    repeat: int = Field(default=0, ge=0, le=10)
    levels: list[Level] = Field(min_length=1)


class Org(BaseModel):
    """Everything under org/, merged across files and keyed by id."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    people: dict[str, Person] = {}
    teams: dict[str, Team] = {}
    services: dict[str, Service] = {}
    schedules: dict[str, Schedule] = {}
    escalation_policies: dict[str, EscalationPolicy] = {}


ORG_SECTIONS: dict[str, type[Strict]] = {
    "people": Person,
    "teams": Team,
    "services": Service,
    "schedules": Schedule,
    "escalation_policies": EscalationPolicy,
}


def ref_exists(org: Org, ref: str) -> bool:
    """Whether ``person:ID``, ``team:ID`` or ``schedule:ID`` names something in ``org``."""
    kind, _, ident = ref.partition(":")
    tables: dict[str, dict[str, Any]] = {
        "person": org.people,
        "team": org.teams,
        "schedule": org.schedules,
    }
    table = tables.get(kind)
    return table is not None and ident in table
