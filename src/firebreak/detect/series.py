"""``firebreak detect``: one exported metric in (timestamp,value), a score and an alarm per row out.

Rows are evaluated in time order (unsorted input is sorted; the output keeps the input order).
Rows that repeat a timestamp (a daylight-saving change, a duplicated export row) are scored in
input order and counted in ``Series.repeated``. Empty or NaN values are no data: the row gets
score 0 and alarm 0, and, for the state machines, an evaluation that is not true.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from firebreak.detect.anomaly import AnomalyCore
from firebreak.detect.cores import ChangeCore, SeasonalBaseline
from firebreak.errors import InputError, Location
from firebreak.signals.columns import parse_time
from firebreak.signals.schema import F64, B

DAY_S = 86400.0
WINDOW_ROWS = 3000  # anomaly: the range a value must leave, in rows
QUIET_ROWS = 12  # anomaly: rows below the sensitivity that end an alarm
WARMUP_ROWS = 150  # anomaly: rows with values before the first alarm


@dataclass
class Series:
    raw_times: list[str]
    raw_values: list[str]
    times: F64
    values: F64
    repeated: int = 0  # rows whose timestamp an earlier row already had


@dataclass(frozen=True)
class Options:
    kind: str = "anomaly"
    above: float | None = None
    below: float | None = None
    for_s: float | None = None
    sensitivity: float = 5.0
    baseline_s: float = 7 * DAY_S


def read_series(path: Path) -> Series:
    source = str(path)
    if not path.is_file():
        raise InputError("input file not found", location=Location(source))
    text = path.read_text(encoding="utf-8", errors="replace")
    reader = csv.reader(text.splitlines())
    header = [h.strip().lower() for h in next(reader, [])]
    if not header:
        raise InputError("empty file: expected a header timestamp,value", location=Location(source))
    if "timestamp" not in header or "value" not in header:
        raise InputError(
            f"expected columns timestamp,value; found {','.join(header)}",
            location=Location(source, 1, 1),
        )
    ti, vi = header.index("timestamp"), header.index("value")
    raw_t, raw_v, times, values = [], [], [], []
    for row in reader:
        if not row:
            continue
        where = Location(source, reader.line_num, 1)
        if len(row) <= max(ti, vi):
            raise InputError("row has fewer fields than the header", location=where)
        try:
            times.append(parse_time(row[ti]))
        except (ValueError, TypeError):
            raise InputError(
                f"timestamp {row[ti]!r} is not ISO 8601 or epoch seconds", location=where
            ) from None
        values.append(_value(row[vi], where))
        raw_t.append(row[ti])
        raw_v.append(row[vi])
    if not times:
        raise InputError("no rows after the header", location=Location(source))
    stamps = np.array(times)
    repeated = int(stamps.shape[0] - np.unique(stamps).shape[0])
    return Series(raw_t, raw_v, stamps, np.array(values, dtype=np.float64), repeated)


def _value(text: str, where: Location) -> float:
    if text.strip() == "" or text.strip().lower() in ("nan", "null", "none"):
        return math.nan
    try:
        value = float(text)
    except ValueError:
        raise InputError(f"value {text!r} is not a number", location=where) from None
    if math.isinf(value):
        raise InputError(f"value {text!r} is infinite", location=where)
    return value


def score_series(series: Series, options: Options) -> tuple[F64, B]:
    """(score >= 0, alarm) per row, in input order."""
    order = np.argsort(series.times, kind="stable")
    times, values = series.times[order], series.values[order]
    steps = np.diff(times)
    steps = steps[steps > 0]
    step = float(np.median(steps)) if steps.size else 60.0
    if options.kind == "threshold":
        score, alarm = _threshold(times, values, options)
    elif options.kind == "change":
        score, alarm = _change(values, step, options)
    else:
        score, alarm = _anomaly(values, options)
    missing = np.isnan(values)
    score, alarm = np.where(missing, 0.0, score), alarm & ~missing
    out_score, out_alarm = np.empty_like(score), np.empty_like(alarm)
    out_score[order], out_alarm[order] = score, alarm
    return out_score, out_alarm


def noise(values: F64) -> float:
    """Robust step-to-step noise: MAD of the first differences, as a standard deviation."""
    diffs = np.diff(values[~np.isnan(values)])
    if diffs.size == 0:
        return 0.0
    return float(1.4826 * np.median(np.abs(diffs - np.median(diffs))) / math.sqrt(2))


def _anomaly(values: F64, options: Options) -> tuple[F64, B]:
    """The runbooks' anomaly core over rows (the rows are the steps, however far apart)."""
    core = AnomalyCore(
        WINDOW_ROWS,
        options.sensitivity,
        "both",
        need_on=1,
        need_off=QUIET_ROWS,
        warmup=WARMUP_ROWS,
    )
    score, alarm, _ = core.extend(values[None, :])
    return score[0], alarm[0]


def _change(values: F64, step: float, options: Options) -> tuple[F64, B]:
    """CUSUM both ways on what the seasonal baseline does not explain (shift: 3 noise sigmas)."""
    baseline = SeasonalBaseline(step, 1, options.baseline_s, options.sensitivity, "both", 3, 6)
    _score, _alarm, expected = baseline.extend(values[None, :])
    values = values - expected[0]
    shift = max(3 * noise(values), 1e-9)
    scores, alarms = [], []
    for direction in ("up", "down"):
        core = ChangeCore(step, shift, direction, need_on=1, need_off=6)
        score, alarm, _ = core.extend(values[None, :])
        scores.append(score[0])
        alarms.append(alarm[0])
    return np.maximum(scores[0], scores[1]), alarms[0] | alarms[1]


def _threshold(times: F64, values: F64, options: Options) -> tuple[F64, B]:
    """Prometheus ``for``: pending at the first true row, firing once ``for`` has passed."""
    if options.above is not None:
        cond, score = values > options.above, np.maximum(values - options.above, 0.0)
    elif options.below is not None:
        cond, score = values < options.below, np.maximum(options.below - values, 0.0)
    else:
        raise InputError("--kind threshold needs --above or --below")
    held = options.for_s or 0.0
    alarm = np.zeros(values.shape[0], dtype=bool)
    active_since: float | None = None
    for i, (when, true) in enumerate(zip(times.tolist(), cond.tolist(), strict=True)):
        if not true:
            active_since = None
            continue
        if active_since is None:
            active_since = when
        alarm[i] = when - active_since >= held
    return np.nan_to_num(score), alarm


def write_output(path: Path | None, series: Series, score: F64, alarm: B) -> str | None:
    """timestamp,value,score,alarm in input order, to ``path`` or returned as text."""
    lines = ["timestamp,value,score,alarm"]
    for t, v, s, a in zip(
        series.raw_times, series.raw_values, score.tolist(), alarm.tolist(), strict=True
    ):
        lines.append(f"{_csv(t)},{_csv(v)},{s:.6g},{int(a)}")
    text = "\n".join(lines) + "\n"
    if path is None:
        return text
    path.write_text(text, encoding="utf-8")
    return None


def _csv(text: str) -> str:
    return f'"{text}"' if "," in text or '"' in text else text
