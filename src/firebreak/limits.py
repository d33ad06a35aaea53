"""What the store can hold, in one place: the tables size their columns with these constants and
intake checks every value against them, so SQLite and PostgreSQL never disagree about what was
accepted (SQLite stores an over-long string; PostgreSQL refuses it).

:func:`check_text` and :func:`check_json` raise :class:`LimitError` naming the field and the limit.
Besides lengths they refuse what PostgreSQL cannot store at all (NUL characters), what cannot be
encoded as UTF-8 (lone surrogates), numbers JSON cannot carry (NaN, Infinity) and nesting past
:data:`JSON_DEPTH`.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from typing import Any

from firebreak.errors import InputError

# Request bodies (bytes): refused with 413 before they are read, and while chunked ones arrive.
BODY_INTAKE = 5 * 1024 * 1024  # Alertmanager groups and OTLP batches stay far below this
BODY_OTHER = 64 * 1024  # the API's and the UI's bodies: a note is at most 4,000 characters

# Hostile workspace files.
MARKDOWN_PREFIX = 1000  # characters of container markers opening one Markdown line
YAML_NODES = 100_000  # nodes a YAML document may expand to, aliases counted each time used
NESTING = 100  # nesting of YAML and TOML mappings and lists

# Column sizes (characters). store/tables.py uses these; so does intake.
SOURCE = 20
STATUS = 16  # statuses, outcomes, event actions, roles of tokens
SEVERITY = 16  # alerts.severity as the sender wrote it
FINGERPRINT = 255  # alerts.dedup_key, incident_alerts.fingerprint
SERVICE = 120  # a service (or person, team) id
SCENARIO = 40
RUNBOOK_ID = 200
TRIGGER = 300  # "runbook#index" of a detector trigger
GROUP_KEY = 500
NAME = 200  # names, actors, escalation policies

# Limits of what an alert may carry (no column of their own, but bounded all the same).
SENDER_KEY = 255  # a sender's dedup_key or fingerprint, before it is scoped to its integration
SUMMARY = 1024  # the summary as a sender gives it (PagerDuty's own limit)
SUMMARY_STORED = 2000  # alerts.summary as intake or a detector writes it
LABELS = 64  # labels per alert
LABEL_NAME = 128
LABEL_VALUE = 1024
TRIGGER_LABEL = TRIGGER - RUNBOOK_ID - 1  # the "trigger" label beside a runbook id
JSON_DEPTH = 32  # nesting of objects and arrays in a body or an alert's details
JSON_KEY = LABEL_NAME * 8  # characters of an object key in a body or an alert's details
JSON_INT_DIGITS = 40  # digits of a JSON integer (a 128-bit number has 39)
# The times an alert may carry (startsAt, timestamp), in UTC.
TIME_MIN = datetime(1970, 1, 1, tzinfo=UTC)
TIME_MAX = datetime(2200, 1, 1, tzinfo=UTC)

# Label values that land in a column of their own when the pipeline reads them.
# A provider makes the group key of a third-party failure ("third_party_failure|provider=…").
LABEL_COLUMNS = {
    "service": SERVICE,
    "scenario": SCENARIO,
    "runbook": RUNBOOK_ID,
    "provider": GROUP_KEY - 40,
}

_BAD_CHARS = re.compile("[\x00\ud800-\udfff]")


class LimitError(InputError):
    """A value past what the store can hold; the message names the field and the limit."""

    code = "limit_exceeded"


def check_text(value: str, field: str, limit: int | None = None) -> None:
    """Refuse NUL, lone surrogates and, with ``limit``, more than ``limit`` characters."""
    if limit is not None and len(value) > limit:
        raise LimitError(f"{field}: longer than {limit} characters ({len(value)})")
    bad = _BAD_CHARS.search(value)
    if bad is not None:
        what = "a NUL character" if bad.group() == "\x00" else "a lone surrogate (not UTF-8)"
        raise LimitError(f"{field}: contains {what} at position {bad.start()}")


def check_time(value: datetime, field: str) -> None:
    """Refuse times outside [TIME_MIN, TIME_MAX)."""
    if not TIME_MIN <= value < TIME_MAX:
        raise LimitError(
            f"{field}: {value.isoformat()} is outside {TIME_MIN.year} to {TIME_MAX.year - 1}"
        )


def plain_json(text: str) -> bool:
    """Whether JSON ``text``, decoded by a decoder whose hooks bound the numbers, is within the
    limits by the text alone: with no ``\\u`` escape it holds no NUL or lone surrogate (raw ones
    do not decode); no key is longer than the text, and no value is nested deeper than the text
    has brackets. False means "walk the value" (:func:`check_json`), not that it is bad."""
    return (
        "\\u" not in text
        and len(text) <= JSON_KEY
        and text.count("{") + text.count("[") <= JSON_DEPTH
    )


_INT_BOUND = 10**JSON_INT_DIGITS


def fits_json(value: Any) -> bool:
    """Whether :func:`check_json` would pass ``value``, decided without naming paths: one walk
    that gathers every key and string, then one search of them all for NUL and lone surrogates.
    False means "look closer" (:func:`check_json` names the problem), not that the value is bad.
    Exact types only: a subclass of dict or str is left to :func:`check_json`."""
    texts: list[str] = []
    return _gather_json(value, texts) and _BAD_CHARS.search("".join(texts)) is None


def fits_labels(labels: dict[str, str]) -> bool:
    """Whether :func:`check_labels` would pass ``labels``, decided without naming fields; False
    means "look closer"."""
    texts: list[str] = []
    return _gather_labels(labels, texts) and _BAD_CHARS.search("".join(texts)) is None


def fits_alert(labels: dict[str, str], payload: Any, texts: list[str]) -> bool:
    """Whether an alert's labels, payload and ``texts`` (its other strings, their lengths
    already checked) would all pass, with one search of every string: the fast path of
    ``AlertIn.check``."""
    return (
        _gather_labels(labels, texts)
        and _gather_json(payload, texts)
        and _BAD_CHARS.search("".join(texts)) is None
    )


def _gather_labels(labels: dict[str, str], texts: list[str]) -> bool:
    """Count, types and lengths of ``labels``; their names and values are added to ``texts``."""
    if len(labels) > LABELS:
        return False
    for name, value in labels.items():
        if type(name) is not str or type(value) is not str or len(name) > LABEL_NAME:
            return False
        limit = LABEL_COLUMNS.get(name, LABEL_VALUE)
        if name == "trigger" and "runbook" in labels:
            limit = TRIGGER_LABEL
        if len(value) > limit:
            return False
    texts.extend(labels)
    texts.extend(labels.values())
    return True


def _gather_json(value: Any, texts: list[str]) -> bool:
    """Depth, keys and numbers of a JSON value; its keys and strings are added to ``texts``."""
    keep = texts.append
    if type(value) is not dict and type(value) is not list:
        value = [value]  # a bare scalar at the top
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if depth >= JSON_DEPTH:
            return False
        if type(item) is dict:
            for key in item:
                if type(key) is not str or len(key) > JSON_KEY:
                    return False
            texts.extend(item)
            item = item.values()
        for sub in item:
            kind = type(sub)
            if kind is str:
                keep(sub)
            elif kind is dict or kind is list:
                stack.append((sub, depth + 1))
            elif kind is int:
                if not -_INT_BOUND < sub < _INT_BOUND:
                    return False
            elif kind is float:
                if not math.isfinite(sub):
                    return False
            elif sub is not None and kind is not bool:
                return False
    return True


def check_json(value: Any, field: str) -> None:
    """Walk a decoded JSON value without recursion: keys and strings through :func:`check_text`,
    numbers finite and integers of at most :data:`JSON_INT_DIGITS` digits, depth bounded."""
    if not fits_json(value):
        name_json_problem(value, field)


def name_json_problem(value: Any, field: str) -> None:
    """The slow walk behind :func:`check_json`: raise LimitError naming the path of the first
    problem (every string checked on its own, a name built for each)."""
    stack: list[tuple[Any, str, int]] = [(value, field, 0)]
    while stack:
        item, where, depth = stack.pop()
        if isinstance(item, str):
            check_text(item, where)
        elif isinstance(item, bool) or item is None:
            continue
        elif isinstance(item, int):
            if abs(item) >= 10**JSON_INT_DIGITS:
                raise LimitError(f"{where}: an integer of more than {JSON_INT_DIGITS} digits")
        elif isinstance(item, float):
            if not math.isfinite(item):
                raise LimitError(f"{where}: {item} is not a JSON number (NaN or Infinity)")
        elif isinstance(item, dict | list):
            if depth >= JSON_DEPTH:
                raise LimitError(f"{where}: nested deeper than {JSON_DEPTH} levels")
            if isinstance(item, dict):
                for key, sub in item.items():
                    name = f"{where}.{key}" if isinstance(key, str) else where
                    if not isinstance(key, str):
                        raise LimitError(f"{where}: object keys must be strings")
                    check_text(key, f"{where} key", JSON_KEY)
                    stack.append((sub, name[:200], depth + 1))
            else:
                stack.extend((sub, f"{where}[{i}]", depth + 1) for i, sub in enumerate(item))
        else:
            raise LimitError(f"{where}: {type(item).__name__} is not a JSON value")


def check_labels(labels: dict[str, str], field: str = "labels") -> None:
    """Count, names and values of an alert's labels; the ones with a column of their own (service,
    scenario, runbook, trigger) against that column."""
    if not fits_labels(labels):
        name_labels_problem(labels, field)


def name_labels_problem(labels: dict[str, str], field: str = "labels") -> None:
    """The slow walk behind :func:`check_labels`: raise LimitError naming the label."""
    if len(labels) > LABELS:
        raise LimitError(f"{field}: more than {LABELS} labels ({len(labels)})")
    for name, value in labels.items():
        check_text(name, f"{field} name {name[:40]!r}", LABEL_NAME)
        where = f"{field}.{name}"
        limit = LABEL_COLUMNS.get(name, LABEL_VALUE)
        if name == "trigger" and "runbook" in labels:
            limit = TRIGGER_LABEL
        check_text(value, where, limit)
