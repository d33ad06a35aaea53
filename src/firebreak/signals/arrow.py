"""Fast path: an Arrow table (Parquet, or JSONL read by Arrow) straight to Events, vectorised.

Returns None whenever a column needs a closer look (a value of the wrong type, a bad time, an
out-of-range number); the caller then takes the row-by-row path, whose errors name the row.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from firebreak.signals.columns import check_names, fast_times
from firebreak.signals.schema import F64, LABELS, NUMBERS, Cat, Events


def events_from_table(table: Any, source: str) -> Events | None:
    import pyarrow as pa

    check_names(table.column_names, source)
    if table.num_rows == 0:
        return None
    try:
        time = _time(table.column("time"))
        if time is None:
            return None
        labels = {}
        for name in LABELS:
            cat = (
                _cat(table.column(name))
                if name in table.column_names
                else Cat.constant(None, table.num_rows)
            )
            if cat is None:
                return None
            labels[name] = cat
        error = _status(table.column("status"))
        numbers = {name: _number(table, name) for name in NUMBERS}
        refusal = _number(table, "refusal")
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, ValueError):
        return None
    if error is None or any(v is None for v in numbers.values()) or refusal is None:
        return None
    checked = {k: v for k, v in numbers.items() if v is not None}
    for name, values in [*checked.items(), ("refusal", refusal)]:
        high = 1.0 if name in ("quality", "refusal") else np.inf
        if bool(((values < 0) | (values > high) | np.isinf(values)).any()):
            return None
    return Events(time, labels, error, checked, refusal).sorted()


def _time(column: Any) -> F64 | None:
    import pyarrow as pa

    if pa.types.is_timestamp(column.type):
        micros = column.cast(pa.timestamp("us", column.type.tz)).cast(pa.int64())
        if micros.null_count:
            return None
        return np.asarray(micros.to_numpy(), dtype=np.float64) / 1e6
    if pa.types.is_integer(column.type) or pa.types.is_floating(column.type):
        if column.null_count:
            return None
        values = np.asarray(column.to_numpy(), dtype=np.float64)
        return values if bool(np.isfinite(values).all()) else None
    if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        return fast_times(column.to_pylist())
    return None


def _cat(column: Any) -> Cat | None:
    import pyarrow as pa

    if pa.types.is_floating(column.type):
        return None  # 429.0 and friends: the row path spells them as "429"
    text = column.cast(pa.string()).combine_chunks().dictionary_encode()
    levels = [str(v) for v in text.dictionary.to_pylist()]
    if "" in levels:
        return None
    codes = text.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int32)
    return Cat(codes, levels)


def _status(column: Any) -> np.ndarray[Any, np.dtype[np.bool_]] | None:
    import pyarrow as pa
    import pyarrow.compute as pc

    if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
        return None
    if column.null_count:
        return None
    lowered = pc.utf8_lower(pc.utf8_trim_whitespace(column))
    is_error = pc.equal(lowered, "error")
    valid = pc.or_(is_error, pc.equal(lowered, "ok"))
    if not pc.all(valid).as_py():
        return None
    return np.asarray(is_error.to_numpy(zero_copy_only=False), dtype=bool)


def _number(table: Any, name: str) -> F64 | None:
    import pyarrow as pa

    if name not in table.column_names:
        return np.full(table.num_rows, np.nan)
    column = table.column(name)
    if not (
        pa.types.is_integer(column.type)
        or pa.types.is_floating(column.type)
        or pa.types.is_boolean(column.type)
        or pa.types.is_null(column.type)
    ):
        return None
    values = column.cast(pa.float64()).to_numpy(zero_copy_only=False)
    return np.asarray(values, dtype=np.float64)
