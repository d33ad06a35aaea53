"""How fast OTLP/HTTP bodies become request events: protobuf (gzip and not) beside JSON.

Builds one ExportTraceServiceRequest of N GenAI spans with the opentelemetry-proto messages,
encodes it the three ways a sender may (protobuf, gzip protobuf, JSON), and times the intake's
decode (`firebreak.web.otlp_wire.decode`) plus the reader (`events_from_otlp`), best of 5 runs.
Prints spans per second for each encoding and the body sizes. Pure CPU, no server.

    python benchmarks/otlp_decode.py [--spans 5000]
"""

from __future__ import annotations

import argparse
import gzip
import json
import time

from google.protobuf import json_format
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2
from opentelemetry.proto.common.v1 import common_pb2
from opentelemetry.proto.trace.v1 import trace_pb2

from firebreak.signals.otlp import events_from_otlp
from firebreak.web import otlp_wire


def request(n: int) -> trace_service_pb2.ExportTraceServiceRequest:
    def attr(key: str, value: str | int) -> common_pb2.KeyValue:
        if isinstance(value, int):
            return common_pb2.KeyValue(key=key, value=common_pb2.AnyValue(int_value=value))
        return common_pb2.KeyValue(key=key, value=common_pb2.AnyValue(string_value=value))

    end = time.time_ns()
    spans = [
        trace_pb2.Span(
            trace_id=bytes(16),
            span_id=i.to_bytes(8, "big"),
            name="chat gpt-4o",
            kind=trace_pb2.Span.SPAN_KIND_CLIENT,
            start_time_unix_nano=end - 800_000_000 - i * 1000,
            end_time_unix_nano=end - i * 1000,
            attributes=[
                attr("gen_ai.provider.name", "openai"),
                attr("gen_ai.request.model", "gpt-4o"),
                attr("gen_ai.operation.name", "chat"),
                attr("gen_ai.usage.input_tokens", 120),
                attr("gen_ai.usage.output_tokens", 300),
            ],
        )
        for i in range(n)
    ]
    resource = trace_pb2.ResourceSpans(scope_spans=[trace_pb2.ScopeSpans(spans=spans)])
    resource.resource.attributes.append(attr("service.name", "chat-api"))
    return trace_service_pb2.ExportTraceServiceRequest(resource_spans=[resource])


def best(headers: dict[str, str], body: bytes, runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        data = otlp_wire.decode(headers, body, "resourceSpans", 64 * 1024 * 1024)
        events_from_otlp(data, "bench")
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spans", type=int, default=5000)
    n = parser.parse_args().spans
    message = request(n)
    proto = message.SerializeToString()
    as_json = json.dumps(json_format.MessageToDict(message)).encode()
    cases = [
        ("protobuf", {"content-type": otlp_wire.PROTOBUF}, proto),
        (
            "protobuf+gzip",
            {"content-type": otlp_wire.PROTOBUF, "content-encoding": "gzip"},
            gzip.compress(proto),
        ),
        ("json", {"content-type": "application/json"}, as_json),
    ]
    print(f"{n} GenAI spans per export")
    for name, headers, body in cases:
        seconds = best(headers, body)
        print(f"  {name:<14} {len(body) / 1024:8.0f} KiB  {n / seconds:10,.0f} spans/s")


if __name__ == "__main__":
    main()
