"""Intake: validate, append to the inbox (group commit), answer. Nothing else.

Paths are fixed by DESIGN.md: ``/intake/alertmanager/{key}``, ``/v2/enqueue`` (PagerDuty Events
API v2), ``/intake/generic/{key}``, ``/v1/traces`` and ``/v1/metrics`` (OTLP/HTTP, protobuf or JSON).

Every intake kind answers through one path: :class:`Intake`, an ASGI handler the app calls before
its middleware and routing (at load, their cost per request is most of an alert post's). It
matches the request against ``ROUTES``, reads the body once, calls the route's handler and
renders its answer or its error. The OpenAPI schema lists the same table (``openapi_paths``).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

from firebreak import limits
from firebreak.errors import FirebreakError, InputError, PayloadTooLarge, Unauthorized
from firebreak.incidents.model import AlertIn
from firebreak.signals.otlp import events_from_otlp
from firebreak.web import otlp_wire
from firebreak.web.credentials import IntegrationInfo
from firebreak.web.formats import (
    BadPayload,
    Incoming,
    decode_json,
    pagerduty_routing_key,
    parse_alertmanager,
    parse_generic,
    parse_pagerduty,
)
from firebreak.web.service import Service

MAX_BODY = limits.BODY_INTAKE
SEVERITY = {"critical": "sev1", "error": "sev2", "warning": "sev3", "info": "sev4"}
OTLP_MAX_AGE_S = 3600  # older telemetry is history, for backtest, not for live detection
OTLP_MAX_AHEAD_S = 300  # clocks disagree a little; telemetry from the future is refused

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Answer = tuple[int, Any]  # status, JSON body

log = logging.getLogger("firebreak.web")


@dataclass(frozen=True)
class Posted:
    """One intake request: its path, the key the path carries (if any), headers, body."""

    path: str
    key: str
    headers: dict[str, str]  # lower-case names
    body: bytes


def error_body(exc: FirebreakError) -> dict[str, Any]:
    """``{"error": code, "message": …}``, with ``errors`` when the error lists each problem."""
    body: dict[str, Any] = {"error": exc.code, "message": exc.message}
    errors = getattr(exc, "errors", None)
    if isinstance(errors, list):
        body["errors"] = errors
    return body


def pagerduty_error_body(exc: FirebreakError) -> dict[str, Any]:
    """PagerDuty's own error shape, so its clients read our refusals as they read PagerDuty's."""
    errors = getattr(exc, "errors", None)
    listed = errors if isinstance(errors, list) else [exc.message]
    return {"status": "invalid event", "message": exc.message, "errors": listed}


@dataclass(frozen=True)
class IntakeRoute:
    """One intake endpoint: where it is, whose key it takes, how it answers and how it fails."""

    path: str  # ``{integration_key}`` marks the key's place
    kind: str  # the integration kind whose key it takes
    summary: str
    description: str
    status: int  # the success status
    handle: Callable[[Service, Posted], Awaitable[Answer]]
    errors: Callable[[FirebreakError], dict[str, Any]] = error_body

    @property
    def pattern(self) -> re.Pattern[str]:
        return re.compile("^" + self.path.replace("{integration_key}", "([^/]+)") + "$")


def scoped_key(integration_id: int, key: str) -> str:
    """A sender's key scoped to its integration (two senders never share a fingerprint)."""
    scoped = f"{integration_id}/{key}"
    if len(scoped) > 255:
        scoped = f"{integration_id}/sha256:{hashlib.sha256(key.encode()).hexdigest()}"
    return scoped


def to_alert(item: Incoming, info: IntegrationInfo) -> AlertIn:
    payload: dict[str, Any] = {
        "details": item.details,
        "sender_key": item.dedup_key,
        "integration": info.name,
    }
    if item.group_key is not None:
        payload["group_key"] = item.group_key
    severity = item.severity.lower() if item.severity else None
    return AlertIn(
        source=item.source,
        dedup_key=scoped_key(info.id, item.dedup_key),
        action=item.action,
        labels=item.labels,
        summary=item.summary,
        severity=SEVERITY.get(severity, severity) if severity else None,
        payload=payload,
        integration_id=info.id,
        starts_at=item.starts_at,
        drill=item.labels.get("drill") == "true",  # live drills (firebreak drill --live)
    )


async def _accept(service: Service, source: str, alerts: list[AlertIn]) -> None:
    for alert in alerts:  # refuse a bad one here, so it never fails the shared commit
        alert.check()
    await service.writer.submit(alerts)
    service.stats.count_intake(source, "accepted", len(alerts))


def _checked(service: Service, key: str, kind: str) -> IntegrationInfo:
    try:
        return service.integration(key, kind)
    except FirebreakError:
        service.stats.count_intake(kind, "unauthorized")
        raise


async def alertmanager(service: Service, posted: Posted) -> Answer:
    """An Alertmanager webhook: each alert, firing or resolved, appended to the inbox."""
    info = _checked(service, posted.key, "alertmanager")
    try:
        items = parse_alertmanager(decode_json(posted.body))
    except BadPayload:
        service.stats.count_intake("alertmanager", "invalid")
        raise
    await _accept(service, "alertmanager", [to_alert(i, info) for i in items])
    return 200, {"status": "success", "alerts": len(items)}


async def generic(service: Service, posted: Posted) -> Answer:
    """A generic alert ``{"summary", "labels", "status", "dedup_key"}``."""
    info = _checked(service, posted.key, "generic")
    try:
        item = parse_generic(decode_json(posted.body))
    except BadPayload:
        service.stats.count_intake("generic", "invalid")
        raise
    await _accept(service, "generic", [to_alert(item, info)])
    return 202, {"status": "success", "dedup_key": item.dedup_key}


async def pagerduty(service: Service, posted: Posted) -> Answer:
    """A PagerDuty Events API v2 event, answered in PagerDuty's shapes (202 or 4xx)."""
    try:
        data = decode_json(posted.body)
        key = pagerduty_routing_key(data)
    except BadPayload:
        service.stats.count_intake("pagerduty", "invalid")
        raise
    info = _checked(service, key, "pagerduty")
    try:
        item, _generated = parse_pagerduty(data)
        alert = to_alert(item, info)
        alert.check()
    except BadPayload:
        service.stats.count_intake("pagerduty", "invalid")
        raise
    except InputError as exc:
        service.stats.count_intake("pagerduty", "invalid")
        raise BadPayload("Event object is invalid", [exc.message]) from None
    await _accept(service, "pagerduty", [alert])
    return 202, {"status": "success", "message": "Event processed", "dedup_key": item.dedup_key}


def _bearer(posted: Posted) -> str:
    scheme, _, value = posted.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise Unauthorized("send the integration key as 'Authorization: Bearer <key>'")
    return value.strip()


@dataclass(frozen=True)
class Raw:
    """An answer body sent as it is (an OTLP protobuf response), not as JSON."""

    data: bytes
    content_type: str


async def _otlp(service: Service, posted: Posted, what: str) -> Answer:

    _checked(service, _bearer(posted), "otlp")
    data = otlp_wire.decode(posted.headers, posted.body, what, MAX_BODY)
    rejected, message = accept_otlp(service, data, what, f"POST {posted.path}")
    if otlp_wire.is_protobuf(posted.headers):
        reply = otlp_wire.response(what, rejected, message)
        return 200, Raw(reply.SerializeToString(), otlp_wire.PROTOBUF)
    if not message:
        return 200, {"partialSuccess": {}}
    field = "rejectedSpans" if what == "resourceSpans" else "rejectedDataPoints"
    return 200, {"partialSuccess": {field: rejected, "errorMessage": message}}


def accept_otlp(service: Service, data: dict[str, Any], what: str, source: str) -> tuple[int, str]:
    """Hand an export's recent calls to the detector; (rejected count, why) for the rest.

    HTTP (JSON and protobuf) and gRPC intake share it, so they accept and refuse alike.
    """
    events = events_from_otlp(data, source, allow_empty=True, cumulative=service.otlp_cumulative)
    if not len(events):
        service.stats.count_intake("otlp", "not_gen_ai", 1)
        return 0, "no gen_ai calls in this export (no gen_ai.provider.name or gen_ai.system)"
    now = service.clock.now().timestamp()
    fresh = (events.time >= now - OTLP_MAX_AGE_S) & (events.time <= now + OTLP_MAX_AHEAD_S)
    kept = events.take(fresh)
    rejected = len(events) - len(kept)
    if len(kept):
        with service.otlp_lock:
            service.otlp_events.append(kept)
    service.stats.count_intake("otlp", "accepted", len(kept))
    if not rejected:
        return 0, ""
    service.stats.count_intake("otlp", "too_old_or_new", rejected)
    message = (
        f"{rejected} call(s) ended more than {OTLP_MAX_AGE_S // 60} minutes ago or in the "
        "future; live detection takes recent telemetry (use firebreak backtest for history)"
    )
    return rejected, message


async def traces(service: Service, posted: Posted) -> Answer:
    """Spans with ``gen_ai.*`` attributes, turned into request events for the detectors."""
    return await _otlp(service, posted, "resourceSpans")


async def metrics(service: Service, posted: Posted) -> Answer:
    """``gen_ai.client.*`` metrics, turned into request events for the detectors."""
    return await _otlp(service, posted, "resourceMetrics")


ROUTES: tuple[IntakeRoute, ...] = (
    IntakeRoute(
        "/intake/alertmanager/{integration_key}",
        "alertmanager",
        "Alertmanager webhook (v4)",
        "Receive an Alertmanager webhook notification: each alert, firing or resolved.",
        200,
        alertmanager,
    ),
    IntakeRoute(
        "/v2/enqueue",
        "pagerduty",
        "PagerDuty Events API v2",
        "Receive a PagerDuty Events API v2 event; the routing_key is the integration key.",
        202,
        pagerduty,
        pagerduty_error_body,
    ),
    IntakeRoute(
        "/intake/generic/{integration_key}",
        "generic",
        "Generic JSON alert",
        'Receive ``{"summary", "labels", "status", "dedup_key"}``.',
        202,
        generic,
    ),
    IntakeRoute(
        "/v1/traces",
        "otlp",
        "OTLP/HTTP traces (protobuf or JSON, gzip or not)",
        "Spans with ``gen_ai.*`` attributes, turned into request events for the detectors "
        "(``Authorization: Bearer <integration key>``).",
        200,
        traces,
    ),
    IntakeRoute(
        "/v1/metrics",
        "otlp",
        "OTLP/HTTP metrics (protobuf or JSON, gzip or not)",
        "``gen_ai.client.*`` metrics, turned into request events for the detectors "
        "(``Authorization: Bearer <integration key>``).",
        200,
        metrics,
    ),
)
_MATCHERS = [(route.pattern, route) for route in ROUTES]


def match(path: str) -> tuple[IntakeRoute, str] | None:
    """The intake route for ``path`` and the key the path carries ("" when none)."""
    for pattern, route in _MATCHERS:
        found = pattern.match(path)
        if found is not None:
            return route, found.group(1) if found.groups() else ""
    return None


class Intake:
    """Answers every intake request before the app's middleware and routing."""

    def __init__(self, service: Service) -> None:
        self.service = service

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> bool:
        """Answer the request if its path is an intake route; False to let the app have it."""
        if scope["type"] != "http":
            return False
        found = match(scope["path"])
        if found is None:
            return False
        route, key = found
        if scope["method"] != "POST":
            body = {"error": "method_not_allowed", "message": "Method Not Allowed"}
            await _answer(send, 405, body, [(b"allow", b"POST")])
            return True
        status, answer = await self._handle(route, key, scope, receive)
        await _answer(send, status, answer)
        return True

    async def _handle(self, route: IntakeRoute, key: str, scope: Scope, receive: Receive) -> Answer:
        try:
            headers = {
                n.decode("latin-1").lower(): v.decode("latin-1") for n, v in scope["headers"]
            }
            body = await _read(headers, receive)
            return await route.handle(self.service, Posted(scope["path"], key, headers, body))
        except FirebreakError as exc:
            return exc.http_status, route.errors(exc)
        except Exception as exc:  # never a traceback to the sender; the log names the type
            log.error("intake failed: %s", type(exc).__name__)
            return 500, {"error": "internal", "message": "internal error; see the server log"}


async def _read(headers: dict[str, str], receive: Receive) -> bytes:
    """The request body, refused with 413 past MAX_BODY (declared or sent)."""
    declared = headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:
        raise PayloadTooLarge(f"body is larger than {MAX_BODY} bytes")
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            raise PayloadTooLarge(f"body is larger than {MAX_BODY} bytes")
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


_ENCODER = json.JSONEncoder(separators=(",", ":"))  # built once, not per answer


async def _answer(
    send: Send, status: int, body: Any, extra: list[tuple[bytes, bytes]] | None = None
) -> None:
    if isinstance(body, Raw):
        data, kind = body.data, body.content_type.encode()
    else:
        data, kind = _ENCODER.encode(body).encode(), b"application/json"
    headers = [(b"content-type", kind), (b"content-length", str(len(data)).encode())]
    if status == 401:
        headers.append((b"www-authenticate", b"Bearer"))
    await send(
        {"type": "http.response.start", "status": status, "headers": headers + (extra or [])}
    )
    await send({"type": "http.response.body", "body": data})


def openapi_paths() -> dict[str, Any]:
    """The intake routes as OpenAPI path items, for the app's schema."""
    paths: dict[str, Any] = {}
    for route in ROUTES:
        parameters = []
        if "{integration_key}" in route.path:
            parameters.append(
                {
                    "name": "integration_key",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "string", "title": "Integration Key"},
                }
            )
        paths[route.path] = {
            "post": {
                "tags": ["intake"],
                "summary": route.summary,
                "description": route.description,
                "operationId": f"intake_{route.handle.__name__}",
                "parameters": parameters,
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": {"type": "object"}}},
                },
                "responses": {
                    str(route.status): {
                        "description": "Accepted",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    },
                    "4XX": {"description": "Refused, with a message saying why"},
                },
            }
        }
    return paths
