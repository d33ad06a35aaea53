"""OTLP as senders speak it: JSON or protobuf bodies, gzip or not, and the matching answers.

Protobuf is decoded with the OpenTelemetry project's own message definitions (the
``opentelemetry-proto`` package) and turned into the OTLP/JSON shape that
:func:`firebreak.signals.otlp.events_from_otlp` reads, so both encodings feed one reader.
"""

from __future__ import annotations

import zlib
from typing import Any

from google.protobuf import json_format
from google.protobuf.message import DecodeError, Message
from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2

from firebreak.errors import InputError, PayloadTooLarge
from firebreak.web.formats import BadPayload, decode_json

PROTOBUF = "application/x-protobuf"
# what (the export's top key) -> (request message, response message, rejected count field)
MESSAGES: dict[str, tuple[type[Message], type[Message], str]] = {
    "resourceSpans": (
        trace_service_pb2.ExportTraceServiceRequest,
        trace_service_pb2.ExportTraceServiceResponse,
        "rejected_spans",
    ),
    "resourceMetrics": (
        metrics_service_pb2.ExportMetricsServiceRequest,
        metrics_service_pb2.ExportMetricsServiceResponse,
        "rejected_data_points",
    ),
}


class Unsupported(InputError):
    code = "unsupported_media_type"
    http_status = 415


def gunzip(body: bytes, limit: int) -> bytes:
    """A gzip body inflated, refused past ``limit`` bytes (no decompression bomb gets through)."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        data = inflater.decompress(body, limit + 1)
    except zlib.error as exc:
        raise BadPayload("the body is not valid gzip", [str(exc)]) from None
    if len(data) > limit or inflater.unconsumed_tail:
        raise PayloadTooLarge(f"the body inflates to more than {limit} bytes")
    if not inflater.eof:
        raise BadPayload("the gzip body is truncated", ["unexpected end of the gzip stream"])
    return data


def is_protobuf(headers: dict[str, str]) -> bool:
    kind = headers.get("content-type", "application/json").split(";")[0].strip().lower()
    if kind == PROTOBUF:
        return True
    if kind != "application/json":
        raise Unsupported(
            f"Content-Type {kind!r} is not OTLP/HTTP: send application/x-protobuf or "
            "application/json"
        )
    return False


def decode(headers: dict[str, str], body: bytes, what: str, limit: int) -> dict[str, Any]:
    """The export as an OTLP/JSON-shaped dict, whichever encoding and compression it came in."""
    encoding = headers.get("content-encoding", "identity").strip().lower()
    if encoding == "gzip":
        body = gunzip(body, limit)
    elif encoding not in ("", "identity"):
        raise Unsupported(f"Content-Encoding {encoding!r} is not supported: send gzip or none")
    if is_protobuf(headers):
        return from_protobuf(body, what)
    data = decode_json(body)
    if not isinstance(data, dict) or what not in data:
        raise BadPayload(f"expected an OTLP export with {what}", [f"{what} is missing"])
    return data


def from_protobuf(body: bytes, what: str) -> dict[str, Any]:
    request_type = MESSAGES[what][0]
    try:
        message = request_type.FromString(body)
    except DecodeError as exc:
        name = request_type.DESCRIPTOR.full_name
        raise BadPayload(
            f"the body is not a valid protobuf {name}", [str(exc) or "cannot be parsed"]
        ) from None
    return as_json(message)


def as_json(message: Message) -> dict[str, Any]:
    """A decoded request in the OTLP/JSON shape the reader takes (camelCase keys, enums as
    numbers). Only the fields the reader uses are mapped, straight from the messages: the
    generic ``json_format`` conversion is several times slower on large exports."""
    if isinstance(message, trace_service_pb2.ExportTraceServiceRequest):
        return {"resourceSpans": [_resource_spans(r) for r in message.resource_spans]}
    if isinstance(message, metrics_service_pb2.ExportMetricsServiceRequest):
        return {"resourceMetrics": [_resource_metrics(r) for r in message.resource_metrics]}
    data: dict[str, Any] = json_format.MessageToDict(message, use_integers_for_enums=True)
    return data


def _value(v: Any) -> dict[str, Any]:
    kind = v.WhichOneof("value")
    if kind == "string_value":
        return {"stringValue": v.string_value}
    if kind == "bool_value":
        return {"boolValue": v.bool_value}
    if kind == "int_value":
        return {"intValue": v.int_value}
    if kind == "double_value":
        return {"doubleValue": v.double_value}
    return {}  # arrays, maps and bytes: no GenAI attribute the reader uses is one


def _attrs(items: Any) -> list[dict[str, Any]]:
    return [{"key": a.key, "value": _value(a.value)} for a in items]


def _resource_spans(res: Any) -> dict[str, Any]:
    return {
        "resource": {"attributes": _attrs(res.resource.attributes)},
        "scopeSpans": [
            {
                "spans": [
                    {
                        "attributes": _attrs(span.attributes),
                        "startTimeUnixNano": span.start_time_unix_nano,
                        "endTimeUnixNano": span.end_time_unix_nano,
                        "status": {"code": span.status.code},
                    }
                    for span in scope.spans
                ]
            }
            for scope in res.scope_spans
        ],
    }


def _resource_metrics(res: Any) -> dict[str, Any]:
    scopes = []
    for scope in res.scope_metrics:
        metrics = []
        for metric in scope.metrics:
            entry: dict[str, Any] = {"name": metric.name, "unit": metric.unit}
            kind = metric.WhichOneof("data")
            if kind == "histogram":
                hist = metric.histogram
                entry["histogram"] = {
                    "aggregationTemporality": hist.aggregation_temporality,
                    "dataPoints": [
                        {
                            "attributes": _attrs(p.attributes),
                            "startTimeUnixNano": p.start_time_unix_nano,
                            "timeUnixNano": p.time_unix_nano,
                            "bucketCounts": list(p.bucket_counts),
                            "explicitBounds": list(p.explicit_bounds),
                            "sum": p.sum,
                            "count": p.count,
                        }
                        for p in hist.data_points
                    ],
                }
            elif kind == "sum":  # counters, such as the token usage counters
                total = metric.sum
                entry["sum"] = {
                    "aggregationTemporality": total.aggregation_temporality,
                    "dataPoints": [
                        {
                            "attributes": _attrs(p.attributes),
                            "startTimeUnixNano": p.start_time_unix_nano,
                            "timeUnixNano": p.time_unix_nano,
                            **_number(p),
                        }
                        for p in total.data_points
                    ],
                }
            metrics.append(entry)
        scopes.append({"metrics": metrics})
    return {"resource": {"attributes": _attrs(res.resource.attributes)}, "scopeMetrics": scopes}


def _number(point: Any) -> dict[str, float | int]:
    """A number point's value under its OTLP JSON name."""
    if point.WhichOneof("value") == "as_double":
        return {"asDouble": point.as_double}
    return {"asInt": point.as_int}


def response(what: str, rejected: int, message: str) -> Message:
    """The Export*ServiceResponse: ``partial_success`` set only when something was rejected, or
    with ``rejected`` 0 and a message as a warning (the OTLP specification's two cases)."""
    reply = MESSAGES[what][1]()
    if rejected or message:
        partial = reply.partial_success
        setattr(partial, MESSAGES[what][2], rejected)
        partial.error_message = message
    return reply
