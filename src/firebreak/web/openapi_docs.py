"""What the OpenAPI schema adds to the framework's own: the error answers every route may give
(the shared handlers, the token check and the body caps answer them, not the route itself), and
the bodies each intake route takes."""

from __future__ import annotations

from typing import Any

from firebreak import limits

ERROR = {
    "type": "object",
    "properties": {
        "error": {"type": "string", "description": "a stable code, such as not_found"},
        "message": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "string"}},
    },
    "required": ["error", "message"],
}
PAGERDUTY_ERROR = {
    "type": "object",
    "properties": {
        "status": {"type": "string", "enum": ["invalid event"]},
        "message": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "string"}},
    },
}
WHY = {
    400: "The body or a parameter is malformed, or a value is past a limit; the message says which",
    401: "No token (or integration key), or an unknown or revoked one",
    403: "The token's role does not allow this",
    404: "No such incident, token, integration or route",
    409: "The incident's state does not allow this change",
    413: f"The body is larger than {limits.BODY_OTHER} bytes "
    f"({limits.BODY_INTAKE} on intake routes), refused before it is read",
    415: "Only JSON is accepted here",
    422: "The body or query does not match the schema; details lists each field",
    503: "The store cannot be reached",
}
_LABELS = {"type": "object", "additionalProperties": {"type": "string"}}
_STRING = {"type": "string"}
INTAKE_BODIES: dict[str, dict[str, Any]] = {
    "/intake/generic/{integration_key}": {
        "type": "object",
        "properties": {
            "summary": {"type": "string", "maxLength": limits.SUMMARY},
            "labels": _LABELS,
            "status": {"type": "string", "enum": ["firing", "acknowledged", "resolved"]},
            "dedup_key": {"type": "string", "maxLength": limits.SENDER_KEY},
            "severity": {"type": "string", "maxLength": limits.SEVERITY},
            "details": {"type": "object"},
        },
        "additionalProperties": False,
    },
    "/intake/alertmanager/{integration_key}": {
        "type": "object",
        "description": "Alertmanager's webhook payload, version 4",
        "properties": {
            "version": {"type": "string", "enum": ["4"]},
            "groupKey": _STRING,
            "status": _STRING,
            "alerts": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "status": {"type": "string", "enum": ["firing", "resolved"]},
                        "labels": _LABELS,
                        "annotations": _LABELS,
                        "startsAt": {"type": "string", "format": "date-time"},
                        "endsAt": {"type": "string", "format": "date-time"},
                        "generatorURL": _STRING,
                        "fingerprint": _STRING,
                    },
                    "required": ["status", "labels"],
                },
            },
        },
        "required": ["alerts"],
    },
    "/v2/enqueue": {
        "type": "object",
        "description": "A PagerDuty Events API v2 event",
        "properties": {
            "routing_key": {"type": "string", "minLength": 32, "maxLength": 32},
            "event_action": {"type": "string", "enum": ["trigger", "acknowledge", "resolve"]},
            "dedup_key": {"type": "string", "maxLength": limits.SENDER_KEY},
            "payload": {
                "type": "object",
                "properties": {
                    "summary": {"type": "string", "maxLength": limits.SUMMARY},
                    "source": _STRING,
                    "severity": {
                        "type": "string",
                        "enum": ["critical", "error", "warning", "info"],
                    },
                    "timestamp": {"type": "string", "format": "date-time"},
                    "component": _STRING,
                    "group": _STRING,
                    "class": _STRING,
                    "custom_details": {},
                },
            },
        },
        "required": ["routing_key", "event_action"],
    },
    "/v1/traces": {
        "type": "object",
        "description": "An OTLP/HTTP JSON ExportTraceServiceRequest",
        "properties": {"resourceSpans": {"type": "array", "items": {"type": "object"}}},
        "required": ["resourceSpans"],
    },
    "/v1/metrics": {
        "type": "object",
        "description": "An OTLP/HTTP JSON ExportMetricsServiceRequest",
        "properties": {"resourceMetrics": {"type": "array", "items": {"type": "object"}}},
        "required": ["resourceMetrics"],
    },
}
_INTAKE_ERRORS = (400, 401, 403, 413, 415)


def _codes(path: str, method: str) -> tuple[int, ...]:
    if path in INTAKE_BODIES:
        return _INTAKE_ERRORS
    if path == "/healthz":
        return (503,)
    if not path.startswith("/api/"):
        return ()
    codes = [400, 401, 403, 422]
    if "{" in path:
        codes.append(404)
    if method == "post":
        codes += [409, 413]
    return tuple(codes)


def complete(schema: dict[str, Any]) -> dict[str, Any]:
    """Add the error answers and intake bodies to ``schema`` (the app's OpenAPI document)."""
    schemas = schema.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = ERROR
    schemas["PagerDutyError"] = PAGERDUTY_ERROR
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            shape = "PagerDutyError" if path == "/v2/enqueue" else "Error"
            for code in _codes(path, method):
                responses.setdefault(
                    str(code),
                    {
                        "description": WHY[code],
                        "content": {
                            "application/json": {
                                "schema": {"$ref": f"#/components/schemas/{shape}"}
                            }
                        },
                    },
                )
            body = INTAKE_BODIES.get(path)
            if body is not None:
                operation["requestBody"] = {
                    "required": True,
                    "content": {"application/json": {"schema": body}},
                }
    return schema
