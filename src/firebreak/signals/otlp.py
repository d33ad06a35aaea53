"""OTLP/HTTP JSON (traces and ``gen_ai.client.*`` metrics) to request events.

Names follow the OpenTelemetry GenAI semantic conventions, old and new (docs/signals.md pins the
versions). Spans: every span with ``gen_ai.provider.name`` (or the older ``gen_ai.system``) is
one model call. Its end time is the event time, its duration the latency; ``error.type`` (or span
status code 2) marks an error; its ``gen_ai.evaluation.result`` events (span events, or log
records with its span id) give its quality. Metrics: each point of the duration histogram
(``gen_ai.client.inference.duration``, or the older ``gen_ai.client.operation.duration``)
becomes one event per counted call, with the latency of its bucket's middle; the matching token
points (``gen_ai.client.inference.usage.*_tokens`` counters, the per-operation
``gen_ai.client.inference.operation.*_tokens`` histograms, or the older
``gen_ai.client.token.usage``) spread their token sums evenly over those calls. Cumulative points
(the SDKs' default) are differenced per stream (metric, attribute set, start time): within one
export, and across exports when the caller keeps a :class:`Cumulative` (live intake does). A
duration or token metric in a unit firebreak cannot read refuses the export with a message naming
the metric and unit.
"""

from __future__ import annotations

import threading
from collections import OrderedDict, defaultdict
from typing import Any

from firebreak.errors import InputError, Location
from firebreak.signals.columns import events_from_columns
from firebreak.signals.schema import Events

Row = dict[str, Any]
Point = tuple[dict[str, Any], dict[str, Any], int]  # resource attrs, point, temporality
StreamKey = tuple[Any, ...]
DURATIONS = ("gen_ai.client.inference.duration", "gen_ai.client.operation.duration")
OLD_TOKENS = "gen_ai.client.token.usage"  # one histogram, gen_ai.token.type says which
TOKENS = {  # newer names: one metric per kind of token
    "gen_ai.client.inference.usage.input_tokens": "input",
    "gen_ai.client.inference.usage.output_tokens": "output",
    "gen_ai.client.inference.operation.input_tokens": "input",
    "gen_ai.client.inference.operation.output_tokens": "output",
}
TIME_UNITS = {"s": 1.0, "ms": 1e-3, "us": 1e-6, "ns": 1e-9, "": 1.0}  # UCUM; "" as s
TOKEN_UNITS = ("{token}", "{tokens}", "token", "tokens", "1", "")
EVALUATION = "gen_ai.evaluation.result"
MAX_CALLS = 100_000  # calls one export may stand for (histogram counts are expanded to events)
MAX_STREAMS = 100_000  # cumulative streams remembered across exports (the oldest are forgotten)


class Cumulative:
    """The last value of each cumulative stream seen, so that the next export of a stream counts
    only what is new. A stream first seen is counted whole only when it started at or after
    ``since_ns`` (the listening process's start); an older one (the sender ran before firebreak
    did) only sets the base, so a restart of firebreak never counts past calls again."""

    def __init__(self, since_ns: int) -> None:
        self.since_ns = since_ns
        self._last: OrderedDict[StreamKey, tuple[list[float], float]] = OrderedDict()
        self._lock = threading.Lock()

    def step(
        self, key: StreamKey, start_ns: int, counts: list[float], total: float
    ) -> tuple[list[float], float]:
        """The delta of one cumulative point since the stream's last point."""
        with self._lock:
            prev = self._last.pop(key, None)
            self._last[key] = (counts, total)
            while len(self._last) > MAX_STREAMS:
                self._last.popitem(last=False)
        if prev is None:
            if start_ns >= self.since_ns:
                return counts, total
            return [0.0] * len(counts), 0.0
        prev_counts, prev_total = prev
        if len(prev_counts) != len(counts) or total < prev_total:
            return counts, total  # buckets changed or the stream was reset: a new stream
        return [max(c - p, 0.0) for c, p in zip(counts, prev_counts, strict=True)], (
            total - prev_total
        )


def _value(v: dict[str, Any]) -> Any:
    for key in ("stringValue", "boolValue", "doubleValue"):
        if key in v:
            return v[key]
    if "intValue" in v:
        return int(v["intValue"])
    return None


def _attrs(items: list[dict[str, Any]] | None) -> dict[str, Any]:
    return {a["key"]: _value(a.get("value", {})) for a in items or [] if "key" in a}


def _call(attrs: dict[str, Any], service: Any) -> Row:
    error_type = attrs.get("error.type")
    return {
        "service": service,
        "provider": attrs.get("gen_ai.provider.name") or attrs.get("gen_ai.system"),
        "model": attrs.get("gen_ai.request.model") or attrs.get("gen_ai.response.model"),
        "operation": attrs.get("gen_ai.operation.name"),
        "error_type": error_type,
        "status": "error" if error_type is not None else "ok",
        "session": attrs.get("gen_ai.conversation.id") or attrs.get("session.id"),
    }


def _span_rows(data: dict[str, Any]) -> list[Row]:
    rows = []
    logged = _logged_scores(data)
    for res in data.get("resourceSpans") or []:
        service = _attrs(res.get("resource", {}).get("attributes")).get("service.name")
        for scope in res.get("scopeSpans") or []:
            for span in scope.get("spans") or []:
                attrs = _attrs(span.get("attributes"))
                if not (attrs.get("gen_ai.provider.name") or attrs.get("gen_ai.system")):
                    continue
                row = _call(attrs, service)
                end, start = int(span["endTimeUnixNano"]), int(span["startTimeUnixNano"])
                if span.get("status", {}).get("code") == 2 and row["error_type"] is None:
                    row.update(status="error", error_type="_OTHER")
                row.update(
                    time=end / 1e9,
                    latency_s=(end - start) / 1e9,
                    input_tokens=attrs.get("gen_ai.usage.input_tokens"),
                    output_tokens=attrs.get("gen_ai.usage.output_tokens"),
                )
                scores = _scores(span.get("events") or [])
                scores += logged.get(str(span.get("spanId") or ""), [])
                if scores:
                    row["quality"] = sum(scores) / len(scores)
                rows.append(row)
    return rows


def _score(attrs: dict[str, Any]) -> float | None:
    """An evaluation's score as a quality: ``gen_ai.evaluation.score.value`` within 0..1 (other
    scales are not a quality firebreak can compare, and are left out)."""
    value = attrs.get("gen_ai.evaluation.score.value")
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if 0.0 <= value <= 1.0 else None


def _scores(events: list[dict[str, Any]]) -> list[float]:
    """Scores of a span's ``gen_ai.evaluation.result`` span events."""
    out = []
    for event in events:
        if event.get("name") == EVALUATION:
            score = _score(_attrs(event.get("attributes")))
            if score is not None:
                out.append(score)
    return out


def _logged_scores(data: dict[str, Any]) -> dict[str, list[float]]:
    """Span id -> scores of the ``gen_ai.evaluation.result`` log records parented to it."""
    out: dict[str, list[float]] = defaultdict(list)
    for res in data.get("resourceLogs") or []:
        for scope in res.get("scopeLogs") or []:
            for record in scope.get("logRecords") or []:
                attrs = _attrs(record.get("attributes"))
                name = record.get("eventName") or attrs.get("event.name")
                span_id = str(record.get("spanId") or "")
                score = _score(attrs)
                if name == EVALUATION and span_id and score is not None:
                    out[span_id].append(score)
    return out


def _points(data: dict[str, Any], name: str, units: Any = TIME_UNITS) -> list[Point]:
    """(resource attrs, point, temporality) for every point of metric ``name``, a histogram or a
    sum (a counter: its value becomes the point's ``sum``). Histogram bounds come back in seconds
    for time units; a unit not in ``units`` is refused."""
    out: list[Point] = []
    for res in data.get("resourceMetrics") or []:
        rattrs = _attrs(res.get("resource", {}).get("attributes"))
        for scope in res.get("scopeMetrics") or []:
            for metric in scope.get("metrics") or []:
                if metric.get("name") != name:
                    continue
                body = metric.get("histogram") or metric.get("sum")
                if not isinstance(body, dict):
                    continue
                factor = _unit_factor(name, str(metric.get("unit") or ""), units)
                temporality = int(body.get("aggregationTemporality", 2))
                for point in body.get("dataPoints") or []:
                    out.append((rattrs, _scaled(point, factor), temporality))
    return out


def _unit_factor(name: str, unit: str, units: Any) -> float:
    if unit not in units:
        known = ", ".join(u for u in units if u) or "none"
        raise InputError(
            f"metric {name} has unit {unit!r}, which firebreak cannot read (expected one of "
            f"{known}); nothing of this export was recorded"
        )
    return float(units[unit]) if isinstance(units, dict) else 1.0


def _scaled(point: dict[str, Any], factor: float) -> dict[str, Any]:
    """The point with ``sum`` and ``explicitBounds`` in seconds (a counter's value as ``sum``)."""
    out = dict(point)
    if "asInt" in point or "asDouble" in point:
        out["sum"] = float(point.get("asDouble", point.get("asInt", 0)))
        out.setdefault("bucketCounts", [])
    if factor != 1.0:
        out["sum"] = float(out.get("sum", 0.0)) * factor
        out["explicitBounds"] = [float(b) * factor for b in point.get("explicitBounds") or []]
    return out


def _deltas(
    points: list[Point], name: str = "", state: Cumulative | None = None
) -> list[tuple[Row, float, list[float], float]]:
    """(attrs incl. service, time, per-bucket counts, sum) as deltas. Cumulative points are
    differenced per stream within the export, and across exports with ``state``."""
    local = Cumulative(since_ns=0) if state is None else state
    out = []
    ordered = sorted(points, key=lambda p: int(p[1]["timeUnixNano"]))
    for rattrs, point, temporality in ordered:
        attrs = _attrs(point.get("attributes"))
        attrs["service.name"] = rattrs.get("service.name")
        counts = [float(c) for c in point.get("bucketCounts") or []]
        total = float(point.get("sum", 0.0))
        if temporality == 2:
            start = int(point.get("startTimeUnixNano") or 0)
            key = (name, start, *sorted((k, str(v)) for k, v in attrs.items()))
            counts, total = local.step(key, start, counts, total)
        out.append((attrs, int(point["timeUnixNano"]) / 1e9, counts, total))
    return out


def _token_totals(
    data: dict[str, Any], state: Cumulative | None
) -> dict[tuple[Any, ...], dict[str, tuple[float, float]]]:
    """(time, attrs) -> token kind -> (tokens, calls they were counted over; 0 for counters)."""
    tokens: dict[tuple[Any, ...], dict[str, tuple[float, float]]] = defaultdict(dict)
    old = _points(data, OLD_TOKENS, TOKEN_UNITS)
    for attrs, when, counts, total in _deltas(old, OLD_TOKENS, state):
        kind = attrs.pop("gen_ai.token.type", None)
        tokens[(when, *_key(attrs))][f"{kind}_tokens"] = (total, sum(counts))
    for name, kind in TOKENS.items():
        for attrs, when, counts, total in _deltas(_points(data, name, TOKEN_UNITS), name, state):
            tokens[(when, *_key(attrs))][f"{kind}_tokens"] = (total, sum(counts))
    return tokens


def _key(attrs: dict[str, Any]) -> list[tuple[str, str]]:
    return sorted((k, str(v)) for k, v in attrs.items())


def _metric_rows(data: dict[str, Any], state: Cumulative | None = None) -> list[Row]:
    tokens = _token_totals(data, state)
    rows: list[Row] = []
    # an exporter moving to the new names may send both for the same calls: the new one wins
    chosen = next(((n, p) for n, p in ((n, _points(data, n)) for n in DURATIONS) if p), None)
    if chosen:
        name, duration = chosen
        for attrs, when, counts, _total in _deltas(duration, name, state):
            bounds = _bounds(duration, attrs)
            calls = sum(counts)
            found = tokens.get((when, *_key(attrs)), {})
            per_call = {k: total / max(n or calls, 1.0) for k, (total, n) in found.items()}
            if calls > MAX_CALLS - len(rows):
                raise ValueError(f"more than {MAX_CALLS} calls in one export")
            for index, count in enumerate(counts):
                latency = _bucket_middle(bounds, index)
                for _ in range(round(count)):
                    row = _call(attrs, attrs.get("service.name"))
                    row.update(time=when, latency_s=latency, **per_call)
                    rows.append(row)
    return rows


def _bounds(points: list[Point], attrs: dict[str, Any]) -> list[float]:
    for _res, point, _temp in points:
        if _attrs(point.get("attributes")).items() <= attrs.items():
            return [float(b) for b in point.get("explicitBounds") or []]
    return []


def _bucket_middle(bounds: list[float], index: int) -> float:
    if not bounds:
        return float("nan")
    if index == 0:
        return float(bounds[0]) / 2
    if index >= len(bounds):
        return float(bounds[-1])
    return (float(bounds[index - 1]) + float(bounds[index])) / 2


def events_from_otlp(
    data: dict[str, Any],
    source: str,
    allow_empty: bool = False,
    cumulative: Cumulative | None = None,
) -> Events:
    """The model calls of an export; none is an error unless ``allow_empty`` (live intake, where
    a Collector forwards every span and only the gen_ai ones are ours). ``cumulative`` carries
    cumulative metric streams across exports (live intake keeps one)."""
    try:
        rows = _span_rows(data) + _metric_rows(data, cumulative)
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as exc:
        raise InputError(
            f"malformed OTLP JSON: {type(exc).__name__} {exc}", location=Location(source)
        ) from None
    if not rows and allow_empty:
        return Events.empty()
    if not rows:
        raise InputError(
            "no gen_ai calls in this OTLP export (no span or metric point with "
            "gen_ai.provider.name or gen_ai.system)",
            location=Location(source),
        )
    cols = {name: [row.get(name) for row in rows] for name in {k for r in rows for k in r}}
    return events_from_columns(
        cols, len(rows), source, lambda i: Location(f"{source} (call {i + 1})")
    )
