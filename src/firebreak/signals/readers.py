"""Read telemetry files: JSONL, CSV, Parquet, OTLP/HTTP JSON and Statuspage summaries.

``read_telemetry(path)`` picks the reader from the file name (``.jsonl``/``.ndjson``, ``.csv``,
``.parquet``, ``.json``) and returns :class:`Telemetry`. A JSONL line that is a Statuspage
summary (it has ``page`` and ``status`` keys) becomes a provider status sample; a ``.json`` file
may be an OTLP export (``resourceSpans`` or ``resourceMetrics``), a Statuspage summary, or a list
of event rows.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from firebreak.errors import InputError, Location
from firebreak.signals.arrow import events_from_table
from firebreak.signals.columns import events_from_columns
from firebreak.signals.otlp import events_from_otlp
from firebreak.signals.prices import apply_prices, load_prices
from firebreak.signals.schema import COLUMNS, Events, StatusEvents, Telemetry, concat
from firebreak.signals.statuspage import is_summary, status_sample

MAX_JSON_BYTES = 512_000_000


def read_telemetry(path: Path, prices: Path | None = None) -> Telemetry:
    """Read one telemetry file; price calls without cost when ``prices`` is given."""
    source = str(path)
    if not path.is_file():
        raise InputError("telemetry file not found", location=Location(source))
    if path.stat().st_size == 0:
        raise InputError("empty file: expected telemetry events", location=Location(source))
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        telemetry = _read_jsonl(path, source)
    elif suffix == ".csv":
        telemetry = Telemetry(events=_read_csv(path, source))
    elif suffix in (".parquet", ".pq"):
        telemetry = Telemetry(events=_read_parquet(path, source))
    elif suffix == ".json":
        telemetry = _read_json(path, source)
    else:
        raise InputError(
            f"unknown telemetry format {suffix or '(no extension)'!r}: expected .jsonl, .csv, "
            ".parquet or .json (OTLP or Statuspage)",
            location=Location(source),
        )
    if prices is not None:
        apply_prices(telemetry.events, load_prices(prices))
    return telemetry


def read_many(paths: list[Path], prices: Path | None = None) -> Telemetry:
    out = Telemetry()
    for path in paths:
        out = out.merge(read_telemetry(path, prices))
    return out


def _text(path: Path, source: str) -> str:
    raw = path.read_bytes()
    if b"\x00" in raw[:4096]:
        raise InputError("binary file: expected text telemetry", location=Location(source))
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text (byte {exc.start})", location=Location(source)) from None


def _rows_to_events(rows: list[dict[str, Any]], lines: list[int], source: str) -> Events:
    names: dict[str, None] = {}
    for row in rows:
        names.update(dict.fromkeys(row))
    cols = {name: [row.get(name) for row in rows] for name in names}
    return events_from_columns(cols, len(rows), source, lambda i: Location(source, lines[i], 1))


def _row_of(source: str) -> Any:
    return lambda i: Location(f"{source} (row {i + 1})")


def _read_jsonl(path: Path, source: str) -> Telemetry:
    fast = _fast_jsonl(path, source)
    return fast if fast is not None else _slow_jsonl(path, source)


def _fast_jsonl(path: Path, source: str) -> Telemetry | None:
    """Arrow's JSON reader for the event lines; None to take the line-by-line path."""
    import io

    import pyarrow as pa
    import pyarrow.json as pj

    events: list[str] = []
    status: list[tuple[float, str, float]] = []
    for number, line in enumerate(_text(path, source).splitlines(), start=1):
        if not line.strip():
            continue
        if '"page"' in line:
            try:
                obj = json.loads(line)
            except json.JSONDecodeError:
                return None
            if isinstance(obj, dict) and is_summary(obj):
                status.append(status_sample(obj, Location(source, number, 1)))
                continue
        events.append(line)
    if not events:
        return None
    try:
        table = pj.read_json(io.BytesIO("\n".join(events).encode()))
        found = events_from_table(table, source)
    except (pa.ArrowException, InputError):
        return None
    if found is None:
        return None
    return Telemetry(found, StatusEvents.from_rows(status))


def _slow_jsonl(path: Path, source: str) -> Telemetry:
    rows: list[dict[str, Any]] = []
    lines: list[int] = []
    status: list[tuple[float, str, float]] = []
    for number, line in enumerate(_text(path, source).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(
                f"not valid JSON: {exc.msg}", location=Location(source, number, exc.colno)
            ) from None
        if not isinstance(obj, dict):
            raise InputError(
                "expected a JSON object per line", location=Location(source, number, 1)
            )
        if is_summary(obj):
            status.append(status_sample(obj, Location(source, number, 1)))
        else:
            rows.append(obj)
            lines.append(number)
    if not rows and not status:
        raise InputError("no events: the file holds only blank lines", location=Location(source))
    events = _rows_to_events(rows, lines, source) if rows else Events.empty()
    return Telemetry(events, StatusEvents.from_rows(status))


def _read_csv(path: Path, source: str) -> Events:
    reader = csv.reader(_text(path, source).splitlines())
    header = next(reader, None)
    if not header:
        raise InputError("empty CSV: expected a header row", location=Location(source))
    header = [h.strip() for h in header]
    cols: dict[str, list[Any]] = {h: [] for h in header}
    lines: list[int] = []
    for row in reader:
        if not row:
            continue
        if len(row) != len(header):
            raise InputError(
                f"expected {len(header)} fields as in the header, found {len(row)}",
                location=Location(source, reader.line_num, 1),
            )
        for name, value in zip(header, row, strict=True):
            cols[name].append(value)
        lines.append(reader.line_num)
    return events_from_columns(cols, len(lines), source, lambda i: Location(source, lines[i], 1))


def _read_parquet(path: Path, source: str) -> Events:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError) as exc:
        raise InputError(
            f"not a readable Parquet file (truncated or corrupt?): {exc}", location=Location(source)
        ) from None

    fast = events_from_table(table, source)
    if fast is not None:
        return fast
    cols: dict[str, Any] = {}
    for name in table.column_names:
        column = table.column(name)
        if name == "time" and pa.types.is_timestamp(column.type):
            seconds = column.cast(pa.timestamp("us", column.type.tz)).cast(pa.int64())
            cols[name] = (seconds.to_numpy(zero_copy_only=False) / 1e6).tolist()
        elif name in COLUMNS:
            cols[name] = column.to_pylist()
        else:
            cols[name] = []
    return events_from_columns(cols, table.num_rows, source, _row_of(source))


def _read_json(path: Path, source: str) -> Telemetry:
    if path.stat().st_size > MAX_JSON_BYTES:
        raise InputError(
            "JSON file too large: use JSONL for big exports", location=Location(source)
        )
    try:
        data = json.loads(_text(path, source))
    except json.JSONDecodeError as exc:
        raise InputError(
            f"not valid JSON: {exc.msg}", location=Location(source, exc.lineno, exc.colno)
        ) from None
    if isinstance(data, dict) and ("resourceSpans" in data or "resourceMetrics" in data):
        return Telemetry(events=events_from_otlp(data, source))
    if isinstance(data, dict) and is_summary(data):
        return Telemetry(status=StatusEvents.from_rows([status_sample(data, Location(source))]))
    if isinstance(data, list) and all(isinstance(r, dict) for r in data):
        if not data:
            raise InputError("empty list: expected event rows", location=Location(source))
        names: dict[str, None] = {}
        for row in data:
            names.update(dict.fromkeys(row))
        cols = {name: [row.get(name) for row in data] for name in names}
        return Telemetry(events=events_from_columns(cols, len(data), source, _row_of(source)))
    raise InputError(
        "unrecognised JSON: expected an OTLP export (resourceSpans/resourceMetrics), a "
        "Statuspage summary (page, status, components) or a list of event rows",
        location=Location(source),
    )


__all__ = ["concat", "read_many", "read_telemetry"]
