"""OTLP/gRPC intake on a port of its own (``serve --otlp-grpc-port``, off by default).

The TraceService and MetricsService of the OpenTelemetry protocol, from the ``opentelemetry-proto``
package's generated stubs. Same key check as OTLP/HTTP (``authorization: Bearer <key>`` metadata,
an ``otlp`` integration), same size limit, same acceptance (:func:`intake.accept_otlp`).
"""

from __future__ import annotations

import logging
from concurrent import futures
from typing import Any

import grpc
from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2_grpc
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2_grpc

from firebreak.errors import FirebreakError, Forbidden, Unauthorized
from firebreak.web import otlp_wire
from firebreak.web.intake import MAX_BODY, accept_otlp
from firebreak.web.service import Service

log = logging.getLogger("firebreak.web")
_CODES = {
    Unauthorized: grpc.StatusCode.UNAUTHENTICATED,
    Forbidden: grpc.StatusCode.PERMISSION_DENIED,
}


def _export(service: Service, what: str, method: str, request: Any, context: Any) -> Any:
    try:
        metadata = dict(context.invocation_metadata())
        scheme, _, key = str(metadata.get("authorization", "")).partition(" ")
        if scheme.lower() != "bearer" or not key.strip():
            raise Unauthorized("send the integration key as metadata 'authorization: Bearer <key>'")
        try:
            service.integration(key.strip(), "otlp")
        except FirebreakError:
            service.stats.count_intake("otlp", "unauthorized")
            raise
        data = otlp_wire.as_json(request)
        rejected, message = accept_otlp(service, data, what, f"gRPC {method}")
        return otlp_wire.response(what, rejected, message)
    except FirebreakError as exc:
        code = next(
            (c for kind, c in _CODES.items() if isinstance(exc, kind)),
            grpc.StatusCode.INVALID_ARGUMENT,
        )
        context.abort(code, exc.message)
    except Exception as exc:  # never a traceback to the sender; the log names the type
        log.error("OTLP/gRPC intake failed: %s", type(exc).__name__)
        context.abort(grpc.StatusCode.INTERNAL, "internal error; see the server log")


class _Traces(trace_service_pb2_grpc.TraceServiceServicer):
    def __init__(self, service: Service) -> None:
        self.service = service

    def Export(self, request: Any, context: Any) -> Any:
        return _export(self.service, "resourceSpans", "TraceService/Export", request, context)


class _Metrics(metrics_service_pb2_grpc.MetricsServiceServicer):
    def __init__(self, service: Service) -> None:
        self.service = service

    def Export(self, request: Any, context: Any) -> Any:
        return _export(self.service, "resourceMetrics", "MetricsService/Export", request, context)


def start(service: Service, host: str, port: int) -> tuple[Any, int]:
    """A started gRPC server on ``host:port`` (0: a free port) and the port it bound."""
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=4),
        options=[("grpc.max_receive_message_length", MAX_BODY)],
    )
    trace_service_pb2_grpc.add_TraceServiceServicer_to_server(_Traces(service), server)  # type: ignore[no-untyped-call]
    metrics_service_pb2_grpc.add_MetricsServiceServicer_to_server(_Metrics(service), server)  # type: ignore[no-untyped-call]
    shown = f"[{host}]" if ":" in host else host
    bound = server.add_insecure_port(f"{shown}:{port}")
    if bound == 0:
        raise FirebreakError(f"cannot listen for OTLP/gRPC on {host}:{port}")
    server.start()
    return server, bound
