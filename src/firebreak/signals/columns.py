"""Turn named columns (from JSONL, CSV, Parquet or OTLP) into checked :class:`Events`.

Every problem is an :class:`InputError` that names the file, the row (as a line for text
formats) and what was expected. Documented handling: rows are sorted by time (stable), rows
with equal timestamps are kept (two calls may end at the same instant), NaN or empty optional
numbers mean "absent", unknown extra columns are ignored unless they look like a misspelt
known column.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np

from firebreak.errors import InputError, Location
from firebreak.signals.schema import COLUMNS, F64, LABELS, NUMBERS, REQUIRED, Cat, Events

RowName = Callable[[int], Location]


def check_names(names: Sequence[str], source: str) -> None:
    """Refuse a missing required column, suggesting the misnamed one when there is one."""
    present = set(names)
    for unknown in sorted(present - set(COLUMNS)):
        close = difflib.get_close_matches(unknown, COLUMNS, n=1, cutoff=0.75)
        if close and close[0] not in present:
            raise InputError(
                f"unknown column {unknown!r}: did you mean {close[0]!r}? "
                f"(columns are {', '.join(COLUMNS)})",
                location=Location(source),
            )
    for name in REQUIRED:
        if name not in present:
            close = difflib.get_close_matches(name, sorted(present - set(COLUMNS)), n=1, cutoff=0.5)
            hint = f"; found {close[0]!r}, rename it to {name!r}" if close else ""
            raise InputError(
                f"missing required column {name!r}{hint} (required: {', '.join(REQUIRED)}; "
                f"found: {', '.join(sorted(present)) or 'none'})",
                location=Location(source),
            )


def parse_time(value: Any) -> float:
    """ISO 8601 (an offset or Z; none means UTC) or seconds since the epoch."""
    if isinstance(value, bool):
        raise ValueError("expected a timestamp")
    if isinstance(value, int | float):
        if not math.isfinite(value):
            raise ValueError("expected a timestamp, got NaN")
        return float(value)
    if isinstance(value, datetime):
        stamp = value if value.tzinfo else value.replace(tzinfo=UTC)
        return stamp.timestamp()
    if isinstance(value, str) and value.strip():
        text = value.strip()
        try:
            number = float(text)
        except ValueError:
            pass
        else:
            if not math.isfinite(number):
                raise ValueError("expected a timestamp, got NaN")
            return number
        stamp = datetime.fromisoformat(text)
        if stamp.tzinfo is None:
            stamp = stamp.replace(tzinfo=UTC)
        return stamp.timestamp()
    raise ValueError("expected an ISO 8601 timestamp or seconds since the epoch")


def fast_times(values: Sequence[Any]) -> F64 | None:
    """Vectorised parse of numbers or ISO 8601 strings; None when a row needs a closer look."""
    try:
        numeric = np.array(values, dtype=np.float64)
    except (ValueError, TypeError):
        numeric = None
    if numeric is not None:
        return numeric if bool(np.isfinite(numeric).all()) else None
    import pyarrow as pa

    try:
        text = pa.array(values, type=pa.string())
        try:
            stamps = text.cast(pa.timestamp("us", "UTC"))
        except pa.ArrowInvalid:  # no offsets: read as UTC
            stamps = text.cast(pa.timestamp("us"))
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return None
    if stamps.null_count:
        return None
    micros = stamps.cast(pa.int64()).to_numpy(zero_copy_only=False)
    return np.asarray(micros, dtype=np.float64) / 1e6


def times(values: Sequence[Any], where: RowName) -> F64:
    fast = fast_times(values)
    if fast is not None:
        return fast
    out = np.empty(len(values), dtype=np.float64)
    for i, value in enumerate(values):
        try:
            out[i] = parse_time(value)
        except (ValueError, TypeError, OverflowError):
            raise InputError(
                f"column 'time': {value!r} is not a timestamp (ISO 8601 such as "
                "2026-11-02T09:00:00Z, or seconds since the epoch)",
                location=where(i),
            ) from None
    return out


def _number(value: Any) -> float:
    if value is None or value == "":
        return math.nan
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in ("true", "false"):
            return 1.0 if lowered == "true" else 0.0
    return float(value)


def numbers(name: str, values: Sequence[Any], where: RowName) -> F64:
    """Floats with NaN for absent values; negative values are refused (quality must be 0..1)."""
    try:
        out = np.array(values, dtype=np.float64)
    except (ValueError, TypeError):
        out = np.empty(len(values), dtype=np.float64)
        for i, value in enumerate(values):
            try:
                out[i] = _number(value)
            except (ValueError, TypeError):
                raise InputError(
                    f"column {name!r}: {value!r} is not a number", location=where(i)
                ) from None
    check_range(name, out, where)
    return out


def check_range(name: str, out: F64, where: RowName) -> None:
    high = 1.0 if name in ("quality", "refusal") else math.inf
    bad = np.flatnonzero((out < 0) | (out > high) | np.isinf(out))
    if bad.size:
        expect = "between 0 and 1" if high == 1.0 else "zero or more"
        raise InputError(
            f"column {name!r}: {out[bad[0]]!r} is out of range (expected {expect})",
            location=where(int(bad[0])),
        )


def labels(values: Sequence[Any]) -> Cat:
    def text(v: Any) -> str | None:
        if v is None or v == "" or (isinstance(v, float) and math.isnan(v)):
            return None
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        return str(v)

    return Cat.from_values([text(v) for v in values])


def statuses(values: Sequence[Any], where: RowName) -> np.ndarray[Any, np.dtype[np.bool_]]:
    cat = Cat.from_values([v if isinstance(v, str) else None for v in values])
    names = [lv.strip().lower() for lv in cat.levels]
    if all(lv in ("ok", "error") for lv in names) and not (cat.codes < 0).any():
        is_error = np.array([lv == "error" for lv in names] + [False])
        found: np.ndarray[Any, np.dtype[np.bool_]] = is_error[cat.codes]
        return found
    out = np.empty(len(values), dtype=bool)
    for i, value in enumerate(values):
        lowered = str(value).strip().lower() if value is not None else ""
        if lowered not in ("ok", "error"):
            raise InputError(
                f"column 'status': {value!r} is not 'ok' or 'error'", location=where(i)
            )
        out[i] = lowered == "error"
    return out


def events_from_columns(
    cols: Mapping[str, Sequence[Any]], n: int, source: str, where: RowName
) -> Events:
    """Build sorted Events from column lists (missing optional columns are absent)."""
    check_names(list(cols), source)
    if n == 0:
        raise InputError(
            "no rows: the file has a header or structure but no events", location=Location(source)
        )
    none: list[Any] = [None] * n
    events = Events(
        times(cols["time"], where),
        {k: labels(cols.get(k, none)) for k in LABELS},
        statuses(cols["status"], where),
        {k: numbers(k, cols.get(k, none), where) for k in NUMBERS},
        numbers("refusal", cols.get("refusal", none), where),
    )
    return events.sorted()
