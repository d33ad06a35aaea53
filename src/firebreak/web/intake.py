"""Intake routes: validate, append to the inbox (group commit), answer. Nothing else.

Paths are fixed by DESIGN.md: ``/intake/alertmanager/{key}``, ``/v2/enqueue`` (PagerDuty Events
API v2), ``/intake/generic/{key}``, ``/v1/traces`` and ``/v1/metrics`` (OTLP/HTTP JSON).
"""

from __future__ import annotations

import hashlib
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from firebreak.errors import FirebreakError, InputError, Unauthorized
from firebreak.incidents.model import AlertIn
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

MAX_BODY = 5 * 1024 * 1024  # bytes; Alertmanager groups and OTLP batches stay far below this
STATUS = {"trigger": "firing", "resolve": "resolved", "acknowledge": "acknowledge"}
SEVERITY = {"critical": "sev1", "error": "sev2", "warning": "sev3", "info": "sev4"}
OTLP_MAX_AGE_S = 3600  # older telemetry is history, for backtest, not for live detection
OTLP_MAX_AHEAD_S = 300  # clocks disagree a little; telemetry from the future is refused

router = APIRouter(tags=["intake"])


class PayloadTooLarge(InputError):
    code = "payload_too_large"
    http_status = 413


async def read_body(request: Request) -> bytes:
    """The request body, refused with 413 past MAX_BODY."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_BODY:
        raise PayloadTooLarge(f"body is larger than {MAX_BODY} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise PayloadTooLarge(f"body is larger than {MAX_BODY} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


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
        status=STATUS[item.action],  # type: ignore[arg-type]
        labels=item.labels,
        summary=item.summary,
        severity=SEVERITY.get(severity, severity) if severity else None,
        payload=payload,
        integration_id=info.id,
        starts_at=item.starts_at,
        drill=item.labels.get("drill") == "true",  # live drills (firebreak drill --live)
    )


def _service(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


async def _accept(service: Service, source: str, alerts: list[AlertIn]) -> None:
    for alert in alerts:  # refuse a bad one here, so it never fails the shared commit
        alert.check()
    await service.writer.submit(alerts)
    service.stats.count_intake(source, "accepted", len(alerts))


async def intake_alertmanager(service: Service, key: str, body: bytes) -> tuple[int, Any]:
    """An Alertmanager webhook: each alert, firing or resolved, appended to the inbox."""
    info = _checked(service, key, "alertmanager")
    try:
        items = parse_alertmanager(decode_json(body))
    except BadPayload:
        service.stats.count_intake("alertmanager", "invalid")
        raise
    await _accept(service, "alertmanager", [to_alert(i, info) for i in items])
    return 200, {"status": "success", "alerts": len(items)}


async def intake_generic(service: Service, key: str, body: bytes) -> tuple[int, Any]:
    """A generic alert ``{"summary", "labels", "status", "dedup_key"}``."""
    info = _checked(service, key, "generic")
    try:
        item = parse_generic(decode_json(body))
    except BadPayload:
        service.stats.count_intake("generic", "invalid")
        raise
    await _accept(service, "generic", [to_alert(item, info)])
    return 202, {"status": "success", "dedup_key": item.dedup_key}


def _pd_error(status: int, message: str, errors: list[str]) -> tuple[int, Any]:
    return status, {"status": "invalid event", "message": message, "errors": errors}


async def intake_pagerduty(service: Service, body: bytes) -> tuple[int, Any]:
    """A PagerDuty Events API v2 event, answered in PagerDuty's shapes (202 or 4xx)."""
    try:
        data = decode_json(body)
        key = pagerduty_routing_key(data)
    except BadPayload as exc:
        service.stats.count_intake("pagerduty", "invalid")
        return _pd_error(400, exc.message, exc.errors)
    try:
        info = _checked(service, key, "pagerduty")
    except FirebreakError as exc:
        return _pd_error(exc.http_status, exc.message, [exc.message])
    try:
        item, _generated = parse_pagerduty(data)
        alert = to_alert(item, info)
        alert.check()
    except BadPayload as exc:
        service.stats.count_intake("pagerduty", "invalid")
        return _pd_error(400, exc.message, exc.errors)
    except InputError as exc:
        service.stats.count_intake("pagerduty", "invalid")
        return _pd_error(400, "Event object is invalid", [exc.message])
    await _accept(service, "pagerduty", [alert])
    return 202, {"status": "success", "message": "Event processed", "dedup_key": item.dedup_key}


def _checked(service: Service, key: str, kind: str) -> IntegrationInfo:
    try:
        return service.integration(key, kind)
    except FirebreakError:
        service.stats.count_intake(kind, "unauthorized")
        raise


# The routes below document intake in the OpenAPI schema and serve it when the fast path
# (web.fastpath, which calls the same functions without the framework's routing) is not in front.


@router.post("/intake/alertmanager/{integration_key}", summary="Alertmanager webhook (v4)")
async def alertmanager(integration_key: str, request: Request) -> JSONResponse:
    """Receive an Alertmanager webhook notification: each alert, firing or resolved."""
    status, body = await intake_alertmanager(
        _service(request), integration_key, await read_body(request)
    )
    return JSONResponse(body, status_code=status)


@router.post("/intake/generic/{integration_key}", summary="Generic JSON alert", status_code=202)
async def generic(integration_key: str, request: Request) -> JSONResponse:
    """Receive ``{"summary", "labels", "status", "dedup_key"}``."""
    status, body = await intake_generic(
        _service(request), integration_key, await read_body(request)
    )
    return JSONResponse(body, status_code=status)


@router.post("/v2/enqueue", summary="PagerDuty Events API v2", status_code=202)
async def pagerduty(request: Request) -> JSONResponse:
    """Receive a PagerDuty Events API v2 event; the routing_key is the integration key."""
    service = _service(request)
    try:
        raw = await read_body(request)
    except InputError as exc:
        status, body = _pd_error(exc.http_status, exc.message, [exc.message])
    else:
        status, body = await intake_pagerduty(service, raw)
    return JSONResponse(body, status_code=status)


def _bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise Unauthorized("send the integration key as 'Authorization: Bearer <key>'")
    return value.strip()


async def _otlp(request: Request, what: str) -> Response:
    from firebreak.signals.otlp import events_from_otlp

    service = _service(request)
    _checked(service, _bearer(request), "otlp")
    if "json" not in request.headers.get("content-type", "application/json"):
        raise UnsupportedMedia("only OTLP/HTTP JSON is accepted (Content-Type: application/json)")
    data = decode_json(await read_body(request))
    if not isinstance(data, dict) or what not in data:
        raise BadPayload(f"expected an OTLP export with {what}", [f"{what} is missing"])
    events = events_from_otlp(data, f"POST {request.url.path}")
    now = service.clock.now().timestamp()
    fresh = (events.time >= now - OTLP_MAX_AGE_S) & (events.time <= now + OTLP_MAX_AHEAD_S)
    kept = events.take(fresh)
    rejected = len(events) - len(kept)
    if len(kept):
        with service.otlp_lock:
            service.otlp_events.append(kept)
    service.stats.count_intake("otlp", "accepted", len(kept))
    if not rejected:
        return JSONResponse({"partialSuccess": {}})
    service.stats.count_intake("otlp", "too_old_or_new", rejected)
    field = "rejectedSpans" if what == "resourceSpans" else "rejectedDataPoints"
    message = (
        f"{rejected} call(s) ended more than {OTLP_MAX_AGE_S // 60} minutes ago or in the "
        "future; live detection takes recent telemetry (use firebreak backtest for history)"
    )
    return JSONResponse({"partialSuccess": {field: rejected, "errorMessage": message}})


class UnsupportedMedia(InputError):
    code = "unsupported_media_type"
    http_status = 415


@router.post("/v1/traces", summary="OTLP/HTTP JSON traces")
async def traces(request: Request) -> Response:
    """Spans with ``gen_ai.*`` attributes, turned into request events for the detectors."""
    return await _otlp(request, "resourceSpans")


@router.post("/v1/metrics", summary="OTLP/HTTP JSON metrics")
async def metrics(request: Request) -> Response:
    """``gen_ai.client.*`` metrics, turned into request events for the detectors."""
    return await _otlp(request, "resourceMetrics")
