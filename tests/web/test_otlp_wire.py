"""OTLP/HTTP protobuf and gzip at the intake: malformed bodies get a 400 that says why, a
partly stale export gets partial_success as the OTLP specification writes it."""

from __future__ import annotations

import gzip
import time

import pytest
from fb_server import Running
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2
from opentelemetry.proto.common.v1 import common_pb2
from opentelemetry.proto.trace.v1 import trace_pb2

pytestmark = pytest.mark.slow  # starts a server

PROTO = "application/x-protobuf"


def _request(*ends_ns: int) -> trace_service_pb2.ExportTraceServiceRequest:
    def attr(key: str, value: str) -> common_pb2.KeyValue:
        return common_pb2.KeyValue(key=key, value=common_pb2.AnyValue(string_value=value))

    spans = [
        trace_pb2.Span(
            name="chat gpt-4o",
            start_time_unix_nano=end - 900_000_000,
            end_time_unix_nano=end,
            attributes=[
                attr("gen_ai.provider.name", "openai"),
                attr("gen_ai.request.model", "gpt-4o"),
            ],
        )
        for end in ends_ns
    ]
    resource = trace_pb2.ResourceSpans(scope_spans=[trace_pb2.ScopeSpans(spans=spans)])
    resource.resource.attributes.append(attr("service.name", "chat-api"))
    return trace_service_pb2.ExportTraceServiceRequest(resource_spans=[resource])


def test_a_malformed_protobuf_body_is_a_400_with_the_reason(server: Running) -> None:
    auth = {"Authorization": f"Bearer {server.keys['otlp']}", "Content-Type": PROTO}
    with server.client() as c:
        answer = c.post("/v1/traces", content=b"\\xff\\xff\\xff\\xff", headers=auth)
        assert answer.status_code == 400
        body = answer.json()
        assert "not a valid protobuf" in body["message"]
        assert "ExportTraceServiceRequest" in body["message"] and body["errors"]
        cut = _request(time.time_ns()).SerializeToString()[:-3]
        assert c.post("/v1/traces", content=cut, headers=auth).status_code == 400
        bad_gzip = c.post(
            "/v1/traces",
            content=b"\\x1f\\x8bnot gzip",
            headers={**auth, "Content-Encoding": "gzip"},
        )
        assert bad_gzip.status_code == 400 and "gzip" in bad_gzip.json()["message"]


def test_gzip_protobuf_is_accepted_and_stale_spans_are_a_partial_success(server: Running) -> None:
    auth = {
        "Authorization": f"Bearer {server.keys['otlp']}",
        "Content-Type": PROTO,
        "Content-Encoding": "gzip",
    }
    now = time.time_ns()
    body = gzip.compress(_request(now, now - 3 * 3600 * 10**9).SerializeToString())
    with server.client() as c:
        answer = c.post("/v1/traces", content=body, headers=auth)
        assert answer.status_code == 200 and answer.headers["content-type"] == PROTO
        reply = trace_service_pb2.ExportTraceServiceResponse.FromString(answer.content)
        assert reply.partial_success.rejected_spans == 1
        assert "minutes ago" in reply.partial_success.error_message
        metrics = c.get("/metrics").text
    assert 'firebreak_intake_alerts_total{source="otlp",outcome="accepted"} 1' in metrics


def test_a_gzip_bomb_is_refused_before_it_is_inflated(server: Running) -> None:
    auth = {
        "Authorization": f"Bearer {server.keys['otlp']}",
        "Content-Type": PROTO,
        "Content-Encoding": "gzip",
    }
    bomb = gzip.compress(b"\\x00" * (6 * 1024 * 1024))
    with server.client() as c:
        answer = c.post("/v1/traces", content=bomb, headers=auth)
    assert answer.status_code == 413


def test_the_direct_mapping_reads_as_the_generic_conversion_does() -> None:
    from google.protobuf import json_format
    from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2
    from opentelemetry.proto.metrics.v1 import metrics_pb2

    from firebreak.signals.otlp import events_from_otlp
    from firebreak.web.otlp_wire import as_json

    now = time.time_ns()
    traces = _request(now, now - 5 * 10**9)
    traces.resource_spans[0].scope_spans[0].spans[1].status.code = 2  # an error span
    point = metrics_pb2.HistogramDataPoint(
        time_unix_nano=now,
        bucket_counts=[1, 3, 0],
        explicit_bounds=[0.5, 2.0],
        sum=4.0,
        count=4,
    )
    point.attributes.add(key="gen_ai.provider.name").value.string_value = "anthropic"
    point.attributes.add(key="error.type").value.string_value = "529"
    hist = metrics_pb2.Metric(
        name="gen_ai.client.operation.duration",
        histogram=metrics_pb2.Histogram(data_points=[point], aggregation_temporality=1),
    )
    metrics = metrics_service_pb2.ExportMetricsServiceRequest(
        resource_metrics=[
            metrics_pb2.ResourceMetrics(scope_metrics=[metrics_pb2.ScopeMetrics(metrics=[hist])])
        ]
    )
    for message in (traces, metrics):
        generic = json_format.MessageToDict(message, use_integers_for_enums=True)
        ours, theirs = events_from_otlp(as_json(message), "a"), events_from_otlp(generic, "b")
        assert len(ours) == len(theirs) > 0
        assert ours.time.tolist() == theirs.time.tolist()
        assert ours.error.tolist() == theirs.error.tolist()
        for name in ("provider", "error_type", "service"):
            mine = [ours.labels[name].value(i) for i in range(len(ours))]
            assert mine == [theirs.labels[name].value(i) for i in range(len(theirs))]
