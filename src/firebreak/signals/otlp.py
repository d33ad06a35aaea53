"""OTLP/HTTP JSON (traces and ``gen_ai.client.*`` metrics) to request events.

Spans: every span with ``gen_ai.provider.name`` (or the older ``gen_ai.system``) is one model
call. Its end time is the event time, its duration the latency; ``error.type`` (or span status
code 2) marks an error. Metrics: each ``gen_ai.client.operation.duration`` histogram point
becomes one event per counted call, with the latency of its bucket's middle; the matching
``gen_ai.client.token.usage`` points spread their token sums evenly over those calls.
Cumulative points are differenced per attribute set.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from firebreak.errors import InputError, Location
from firebreak.signals.columns import events_from_columns
from firebreak.signals.schema import Events

Row = dict[str, Any]
MAX_CALLS = 100_000  # calls one export may stand for (histogram counts are expanded to events)


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
                rows.append(row)
    return rows


def _points(data: dict[str, Any], name: str) -> list[tuple[dict[str, Any], dict[str, Any], int]]:
    """(resource attrs, point, temporality) for every histogram point of metric ``name``."""
    out = []
    for res in data.get("resourceMetrics") or []:
        rattrs = _attrs(res.get("resource", {}).get("attributes"))
        for scope in res.get("scopeMetrics") or []:
            for metric in scope.get("metrics") or []:
                if metric.get("name") != name or "histogram" not in metric:
                    continue
                hist = metric["histogram"]
                for point in hist.get("dataPoints") or []:
                    out.append((rattrs, point, int(hist.get("aggregationTemporality", 2))))
    return out


def _deltas(
    points: list[tuple[dict[str, Any], dict[str, Any], int]],
) -> list[tuple[Row, float, list[float], float]]:
    """(attrs incl. service, time, per-bucket counts, sum) as deltas."""
    last: dict[tuple[Any, ...], tuple[list[float], float]] = {}
    out = []
    ordered = sorted(points, key=lambda p: int(p[1]["timeUnixNano"]))
    for rattrs, point, temporality in ordered:
        attrs = _attrs(point.get("attributes"))
        attrs["service.name"] = rattrs.get("service.name")
        counts = [float(c) for c in point.get("bucketCounts") or []]
        total = float(point.get("sum", 0.0))
        key = tuple(sorted((k, str(v)) for k, v in attrs.items()))
        if temporality == 2:
            prev_counts, prev_sum = last.get(key, ([0.0] * len(counts), 0.0))
            last[key] = (counts, total)
            if len(prev_counts) == len(counts):
                counts = [c - p for c, p in zip(counts, prev_counts, strict=True)]
                total -= prev_sum
        out.append((attrs, int(point["timeUnixNano"]) / 1e9, counts, total))
    return out


def _metric_rows(data: dict[str, Any]) -> list[Row]:
    tokens: dict[tuple[Any, ...], dict[str, float]] = defaultdict(dict)
    for attrs, when, counts, total in _deltas(_points(data, "gen_ai.client.token.usage")):
        kind = attrs.pop("gen_ai.token.type", None)
        key = (when, *sorted((k, str(v)) for k, v in attrs.items()))
        tokens[key][f"{kind}_tokens"] = total / max(sum(counts), 1.0)
    rows: list[Row] = []
    duration = _points(data, "gen_ai.client.operation.duration")
    for attrs, when, counts, _total in _deltas(duration):
        bounds = _bounds(duration, attrs)
        per_call = tokens.get((when, *sorted((k, str(v)) for k, v in attrs.items())), {})
        if sum(counts) > MAX_CALLS - len(rows):
            raise ValueError(f"more than {MAX_CALLS} calls in one export")
        for index, count in enumerate(counts):
            latency = _bucket_middle(bounds, index)
            for _ in range(round(count)):
                row = _call(attrs, attrs.get("service.name"))
                row.update(time=when, latency_s=latency, **per_call)
                rows.append(row)
    return rows


def _bounds(
    points: list[tuple[dict[str, Any], dict[str, Any], int]], attrs: dict[str, Any]
) -> list[float]:
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


def events_from_otlp(data: dict[str, Any], source: str, allow_empty: bool = False) -> Events:
    """The model calls of an export; none is an error unless ``allow_empty`` (live intake, where
    a Collector forwards every span and only the gen_ai ones are ours)."""
    try:
        rows = _span_rows(data) + _metric_rows(data)
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
