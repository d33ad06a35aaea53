"""Write telemetry as JSONL (events and Statuspage summaries) or Parquet (events)."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from firebreak.errors import InputError, Location
from firebreak.signals.schema import LABELS, NUMBERS, Events


def iso(seconds: float) -> str:
    """UTC ISO 8601 with milliseconds and a Z."""
    stamp = datetime.fromtimestamp(seconds, tz=UTC)
    return stamp.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def rows(events: Events) -> Iterator[dict[str, Any]]:
    """Events as row dicts in the column names of docs/signals.md (absent values left out)."""
    labels = {k: (events.labels[k].codes, events.labels[k].levels) for k in LABELS}
    numbers = {k: events.numbers[k] for k in NUMBERS}
    for i in range(len(events)):
        row: dict[str, Any] = {"time": iso(float(events.time[i]))}
        for name, (codes, levels) in labels.items():
            code = int(codes[i])
            if code >= 0:
                row[name] = levels[code]
        row["status"] = "error" if events.error[i] else "ok"
        for name, column in numbers.items():
            value = float(column[i])
            if not math.isnan(value):
                row[name] = round(value, 9)
        refusal = float(events.refusal[i])
        if not math.isnan(refusal):
            row["refusal"] = bool(refusal)
        yield row


def write_jsonl(path: Path, events: Events, summaries: list[dict[str, Any]]) -> int:
    """Events then status summaries, one JSON object a line; returns the lines written."""
    count = 0
    with path.open("w", encoding="utf-8") as out:
        for row in rows(events):
            out.write(json.dumps(row, separators=(",", ":")) + "\n")
            count += 1
        for summary in summaries:
            out.write(json.dumps(summary, separators=(",", ":")) + "\n")
            count += 1
    return count


def write_parquet(path: Path, events: Events) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    columns: dict[str, Any] = {
        "time": pa.array((events.time * 1e6).astype("int64"), pa.timestamp("us", tz="UTC"))
    }
    for name in LABELS:
        cat = events.labels[name]
        indices = pa.array(cat.codes.clip(0, None), pa.int32(), mask=cat.codes < 0)
        dictionary = pa.array(cat.levels or [""], pa.string())
        columns[name] = pa.DictionaryArray.from_arrays(indices, dictionary).cast(pa.string())
    columns["status"] = pa.array(["error" if e else "ok" for e in events.error.tolist()])
    for name in NUMBERS:
        columns[name] = pa.array(events.numbers[name], pa.float64(), from_pandas=True)
    columns["refusal"] = pa.array(events.refusal, pa.float64(), from_pandas=True)
    pq.write_table(pa.table(columns), path)
    return len(events)


def write(path: Path, events: Events, summaries: list[dict[str, Any]]) -> list[Path]:
    """By extension: .jsonl holds everything; .parquet holds events and a .status.jsonl beside."""
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        write_jsonl(path, events, summaries)
        return [path]
    if suffix in (".parquet", ".pq"):
        write_parquet(path, events)
        if not summaries:
            return [path]
        side = path.with_name(path.stem + ".status.jsonl")
        write_jsonl(side, Events.empty(), summaries)
        return [path, side]
    raise InputError(
        "expected an output file ending in .jsonl or .parquet", location=Location(str(path))
    )
