"""The OpenTelemetry Python SDK's own OTLP exporters, configured as a user would, feed a trigger.

HTTP/protobuf (gzip) to ``/v1/traces`` and ``/v1/metrics``, and gRPC to the port ``serve
--otlp-grpc-port`` opens: GenAI spans and metrics with an outage in them open an incident.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import grpc
import httpx
import pytest
from fb_server import Running, serve
from opentelemetry.exporter.otlp.proto.grpc.metric_exporter import (
    OTLPMetricExporter as GrpcMetricExporter,
)
from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import (
    OTLPSpanExporter as GrpcSpanExporter,
)
from opentelemetry.exporter.otlp.proto.http import Compression
from opentelemetry.exporter.otlp.proto.http.metric_exporter import (
    OTLPMetricExporter as HttpMetricExporter,
)
from opentelemetry.exporter.otlp.proto.http.trace_exporter import (
    OTLPSpanExporter as HttpSpanExporter,
)
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.trace import SpanKind, Status, StatusCode

from firebreak.web import otlp_grpc

pytestmark = pytest.mark.slow
RESOURCE = Resource.create({"service.name": "chat-api"})


def write_workspace(root: Path) -> None:
    (root / "org").mkdir(parents=True)
    (root / "runbooks").mkdir()
    (root / "firebreak.toml").write_text('[workspace]\nprofile = "small"\n')
    (root / "org" / "org.yaml").write_text(
        "people:\n  - {id: dana, contacts: [{type: email, address: dana@example.com}]}\n"
        "teams:\n  - {id: ml, members: [dana]}\n"
        "services:\n  - {id: chat-api, team: ml, escalation: page}\n"
        "escalation_policies:\n"
        "  - {id: page, levels: [{targets: [person:dana], ack_within: 5m}]}\n"
    )
    (root / "runbooks" / "chat-errors.md").write_text(
        "---\ntitle: Chat errors\nservice: chat-api\nscenario: inference_outage\n"
        "severity: sev1\nowner: team:ml\nroles: {commander: person:dana}\n"
        "trigger: {signal: error_ratio, where: {service: chat-api}, above: 0.3, window: 1m,"
        " min_requests: 20}\n---\n# Chat errors\n\n## Meaning\nx\n\n## Impact\nx\n\n"
        "## Diagnosis\n1. Look. *(commander)*\n   `true`\n   Expect: x.\n\n"
        "## Mitigation\n1. Fix. *(commander)*\n   `true`\n   Expect: x.\n"
    )


def genai_traffic(tracer: Any, meter: Any, ok: int, failed: int) -> None:
    """Chat calls as an instrumented gateway records them: a CLIENT span and a duration point."""
    duration = meter.create_histogram("gen_ai.client.operation.duration", unit="s")
    for i in range(ok + failed):
        attrs: dict[str, Any] = {
            "gen_ai.provider.name": "openai",
            "gen_ai.request.model": "gpt-4o",
            "gen_ai.operation.name": "chat",
        }
        broken = i >= ok
        if broken:
            attrs["error.type"] = "500"
        with tracer.start_as_current_span("chat gpt-4o", kind=SpanKind.CLIENT) as span:
            span.set_attributes({**attrs, "gen_ai.usage.input_tokens": 120})
            if broken:
                span.set_status(Status(StatusCode.ERROR, "upstream 500"))
        duration.record(0.4, attributes=attrs)


def _incidents(server: Running) -> list[dict[str, Any]]:
    with server.client("viewer") as c:
        found: list[dict[str, Any]] = c.get("/api/incidents").json()["incidents"]
        return found


def _accepted(server: Running) -> int:
    with server.client() as c:
        text = c.get("/metrics").text
    match = re.search(
        r'firebreak_intake_alerts_total\{source="otlp",outcome="accepted"\} (\d+)', text
    )
    return int(match.group(1)) if match else 0


def _providers(span_exporter: Any, metric_exporter: Any) -> tuple[Any, Any, Any, Any]:
    tracer_provider = TracerProvider(resource=RESOURCE)
    tracer_provider.add_span_processor(SimpleSpanProcessor(span_exporter))
    reader = PeriodicExportingMetricReader(metric_exporter, export_interval_millis=3_600_000)
    meter_provider = MeterProvider(resource=RESOURCE, metric_readers=[reader])
    return (
        tracer_provider,
        meter_provider,
        tracer_provider.get_tracer("gateway"),
        meter_provider.get_meter("gateway"),
    )


def _outage_opens_an_incident(server: Running, tracer: Any, meter: Any, flush: Any) -> None:
    genai_traffic(tracer, meter, ok=30, failed=0)
    flush()
    assert server.wait_for(lambda: _accepted(server) >= 60, timeout=10), _accepted(server)
    time.sleep(1)
    assert _incidents(server) == []
    genai_traffic(tracer, meter, ok=10, failed=40)  # the outage: 80% of calls fail
    flush()
    # the SDK's metrics are cumulative: the second export counts only its 50 new calls
    assert server.wait_for(lambda: _accepted(server) >= 160, timeout=10), _accepted(server)
    time.sleep(0.5)
    assert _accepted(server) == 160  # 50 spans + 50 metric calls, none counted twice
    found = server.wait_for(lambda: _incidents(server), timeout=70)  # evaluated every 30 s
    assert found and found[0]["runbook_id"] == "chat-errors"
    assert found[0]["service"] == "chat-api"


def test_the_sdk_http_protobuf_exporters_feed_a_trigger(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    write_workspace(root)
    with serve(root, tick=0.5) as server:
        headers = {"Authorization": f"Bearer {server.keys['otlp']}"}
        spans = HttpSpanExporter(
            endpoint=f"{server.url}/v1/traces", headers=headers, compression=Compression.Gzip
        )
        metrics = HttpMetricExporter(
            endpoint=f"{server.url}/v1/metrics", headers=headers, compression=Compression.Gzip
        )
        tp, mp, tracer, meter = _providers(spans, metrics)
        try:
            _outage_opens_an_incident(server, tracer, meter, lambda: mp.force_flush(10_000))
        finally:
            tp.shutdown()
            mp.shutdown()


def test_the_sdk_grpc_exporters_feed_a_trigger(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    write_workspace(root)
    with serve(root, tick=0.5) as server:
        grpc_server, port = otlp_grpc.start(server.app.state.service, "127.0.0.1", 0)
        try:
            headers = {"authorization": f"Bearer {server.keys['otlp']}"}
            options = {"endpoint": f"127.0.0.1:{port}", "insecure": True, "headers": headers}
            spans = GrpcSpanExporter(compression=grpc.Compression.Gzip, **options)
            metrics = GrpcMetricExporter(**options)
            tp, mp, tracer, meter = _providers(spans, metrics)
            try:
                _outage_opens_an_incident(server, tracer, meter, lambda: mp.force_flush(10_000))
            finally:
                tp.shutdown()
                mp.shutdown()
            wrong = GrpcSpanExporter(
                endpoint=f"127.0.0.1:{port}", insecure=True, headers={"authorization": "Bearer x"}
            )
            before = _accepted(server)
            tp2 = TracerProvider(resource=RESOURCE)
            tp2.add_span_processor(SimpleSpanProcessor(wrong))
            genai_traffic(tp2.get_tracer("gateway"), MeterProvider().get_meter("m"), 3, 0)
            tp2.shutdown()
            assert _accepted(server) == before  # a wrong key is refused, as over HTTP
        finally:
            grpc_server.stop(2)


def test_serve_opens_the_grpc_port_only_when_asked(tmp_path: Path) -> None:
    import socket

    root = tmp_path / "ws"
    write_workspace(root)
    ports = []
    for _ in range(2):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            ports.append(s.getsockname()[1])
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "firebreak",
            "serve",
            "--workspace",
            str(root),
            "--port",
            str(ports[0]),
            "--otlp-grpc-port",
            str(ports[1]),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{ports[0]}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        channel = grpc.insecure_channel(f"127.0.0.1:{ports[1]}")
        grpc.channel_ready_future(channel).result(timeout=10)
        channel.close()
    finally:
        proc.terminate()
        _out, err = proc.communicate(timeout=20)
    assert f"OTLP/gRPC on 127.0.0.1:{ports[1]}" in err
