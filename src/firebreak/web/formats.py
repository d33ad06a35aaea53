"""Parse what alert senders post: Alertmanager webhook v4, PagerDuty Events API v2, generic JSON.

Each parser takes the decoded JSON body and returns :class:`Incoming` alerts, or raises
:class:`BadPayload` listing every problem found (so a sender learns all of them at once). Nothing
here touches the store: intake appends what these return.
"""

from __future__ import annotations

import hashlib
import json
import math
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from firebreak import limits
from firebreak.errors import InputError
from firebreak.incidents.model import ACTIONS, Action

PD_SEVERITIES = ("critical", "error", "warning", "info")
MAX_KEY = limits.SENDER_KEY
MAX_SUMMARY = limits.SUMMARY
GENERIC_STATUS: dict[str, Action] = {
    "firing": "trigger",
    "trigger": "trigger",
    "triggered": "trigger",
    "acknowledge": "acknowledge",
    "acknowledged": "acknowledge",
    "resolve": "resolve",
    "resolved": "resolve",
}


class BadPayload(InputError):
    """A payload that does not have the documented shape; ``errors`` lists each problem."""

    code = "invalid_payload"

    def __init__(self, message: str, errors: list[str]) -> None:
        super().__init__(message)
        self.errors = errors


@dataclass(frozen=True)
class Incoming:
    """One alert event as a sender described it, before the pipeline normalises it."""

    source: str  # alertmanager | pagerduty | generic
    action: Action
    dedup_key: str  # the sender's fingerprint or dedup_key
    summary: str
    labels: dict[str, str] = field(default_factory=dict)
    severity: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    starts_at: datetime | None = None
    group_key: str | None = None


def _no_constant(name: str) -> Any:
    raise BadPayload(f"{name} is not a JSON number", [f"{name} is not a JSON number"])


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        msg = f"the number {text[:40]} is too large for a float"
        raise BadPayload(msg, [msg])
    return value


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > limits.JSON_INT_DIGITS:
        msg = f"an integer of more than {limits.JSON_INT_DIGITS} digits"
        raise BadPayload(msg, [msg])
    return int(text)


# One decoder, built once: json.loads with hooks would build a new one for every body.
_DECODER = json.JSONDecoder(
    parse_constant=_no_constant, parse_float=_finite, parse_int=_bounded_int
)


def decode_json(body: bytes) -> Any:
    """Decode a request body as JSON, or raise BadPayload saying where it broke.

    Refused besides malformed JSON: NaN and Infinity, integers past ``limits.JSON_INT_DIGITS``
    digits, nesting past ``limits.JSON_DEPTH``, NUL characters and lone surrogates in strings.
    """
    if not body.strip():
        raise BadPayload("empty body, expected a JSON object", ["body is empty"])
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise BadPayload("body is not UTF-8 text", ["body is not UTF-8"]) from None
    try:
        data = _DECODER.decode(text)
    except json.JSONDecodeError as exc:
        msg = f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        raise BadPayload(msg, [msg]) from None
    except RecursionError:
        msg = f"JSON nested deeper than {limits.JSON_DEPTH} levels"
        raise BadPayload(msg, [msg]) from None
    if limits.plain_json(text):
        return data  # the common case, settled by the text alone
    try:
        limits.check_json(data, "body")
    except limits.LimitError as exc:
        raise BadPayload(exc.message, [exc.message]) from None
    return data


def label_fingerprint(labels: dict[str, str]) -> str:
    """A stable fingerprint of a label set (used when a sender gives none)."""
    text = json.dumps(labels, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def parse_time(value: Any, where: str, errors: list[str]) -> datetime | None:
    """An RFC 3339 time; Go's zero time (0001-01-01) means "not set"."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        errors.append(f"{where}: expected an RFC 3339 time string")
        return None
    try:
        parsed = datetime.fromisoformat(value)
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        if parsed.year <= 1:
            return None
        parsed = parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        errors.append(f"{where}: {value[:40]!r} is not an RFC 3339 time")
        return None
    if not limits.TIME_MIN <= parsed < limits.TIME_MAX:
        errors.append(
            f"{where}: {value[:40]!r} is outside {limits.TIME_MIN.year} to "
            f"{limits.TIME_MAX.year - 1}"
        )
        return None
    return parsed


def _str_map(value: Any, where: str, errors: list[str], required: bool = False) -> dict[str, str]:
    if value is None and not required:
        return {}
    if not isinstance(value, dict):
        errors.append(f"{where}: expected an object of string values")
        return {}
    bad = [k for k, v in value.items() if not isinstance(v, str)]
    if bad:
        errors.append(f"{where}: values must be strings ({', '.join(map(str, bad[:5]))})")
        return {}
    if required and not value:
        errors.append(f"{where}: must not be empty")
    return dict(value)


def _object(data: Any, what: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise BadPayload(
            f"expected a JSON object ({what})", [f"top level is not an object ({what})"]
        )
    return data


def parse_alertmanager(data: Any) -> list[Incoming]:
    """An Alertmanager webhook payload (version 4): one Incoming per alert, status per alert."""
    body = _object(data, "Alertmanager webhook payload")
    errors: list[str] = []
    version = body.get("version")
    if version is not None and version != "4":
        errors.append(f'version: {version!r} is not supported, expected "4"')
    alerts = body.get("alerts")
    if not isinstance(alerts, list):
        errors.append("alerts: expected a list")
        alerts = []
    group_key = body.get("groupKey")
    if group_key is not None and not isinstance(group_key, str):
        errors.append("groupKey: expected a string")
        group_key = None
    out: list[Incoming] = []
    for i, alert in enumerate(alerts):
        item = _alertmanager_alert(alert, f"alerts[{i}]", errors, group_key)
        if item is not None:
            out.append(item)
    if errors:
        raise BadPayload("invalid Alertmanager webhook payload: " + errors[0], errors)
    return out


def _alertmanager_alert(
    alert: Any, where: str, errors: list[str], group_key: str | None
) -> Incoming | None:
    if not isinstance(alert, dict):
        errors.append(f"{where}: expected an object")
        return None
    before = len(errors)
    status = alert.get("status")
    if status not in ("firing", "resolved"):
        errors.append(f'{where}.status: expected "firing" or "resolved", got {status!r}')
    labels = _str_map(alert.get("labels"), f"{where}.labels", errors, required=True)
    notes = _str_map(alert.get("annotations"), f"{where}.annotations", errors)
    starts = parse_time(alert.get("startsAt"), f"{where}.startsAt", errors)
    parse_time(alert.get("endsAt"), f"{where}.endsAt", errors)
    fingerprint = alert.get("fingerprint")
    if fingerprint is not None and (not isinstance(fingerprint, str) or not fingerprint):
        errors.append(f"{where}.fingerprint: expected a non-empty string")
    if len(errors) > before:
        return None
    summary = notes.get("summary") or notes.get("description") or labels.get("alertname", "alert")
    details: dict[str, Any] = dict(notes)
    if isinstance(alert.get("generatorURL"), str):
        details["generatorURL"] = alert["generatorURL"]
    return Incoming(
        source="alertmanager",
        action="trigger" if status == "firing" else "resolve",
        dedup_key=str(fingerprint) if fingerprint else label_fingerprint(labels),
        summary=summary[:MAX_SUMMARY],
        labels=labels,
        severity=labels.get("severity"),
        details=details,
        starts_at=starts,
        group_key=group_key,
    )


def pagerduty_routing_key(data: Any) -> str:
    """The routing key of a PagerDuty event, checked for shape before anything else."""
    body = _object(data, "PagerDuty event")
    key = body.get("routing_key")
    if not isinstance(key, str) or not key:
        raise BadPayload("Event object is invalid", ["'routing_key' is missing or blank"])
    if len(key) != 32:
        raise BadPayload(
            "Event object is invalid",
            ["Length of 'routing_key' is incorrect (should be 32 characters)"],
        )
    return key


def parse_pagerduty(data: Any) -> tuple[Incoming, bool]:
    """A PagerDuty Events API v2 event; the flag says whether the dedup_key was generated."""
    body = _object(data, "PagerDuty event")
    errors: list[str] = []
    action = body.get("event_action")
    if action not in ACTIONS:
        errors.append("'event_action' must be one of trigger, acknowledge, resolve")
    dedup = body.get("dedup_key")
    if dedup is not None and (not isinstance(dedup, str) or not dedup or len(dedup) > MAX_KEY):
        errors.append("'dedup_key' must be a non-empty string of at most 255 characters")
    generated = False
    if dedup is None and action in ("acknowledge", "resolve"):
        errors.append(f"'dedup_key' is required for event_action {action!r}")
    payload = body.get("payload")
    fields: dict[str, Any] = {}
    if action == "trigger":
        fields = _pagerduty_payload(payload, errors)
    if errors:
        raise BadPayload("Event object is invalid", errors)
    if dedup is None:
        dedup, generated = uuid.uuid4().hex, True
    chosen: Action = action  # type: ignore[assignment]  # checked against ACTIONS above
    return Incoming(
        source="pagerduty",
        action=chosen,
        dedup_key=dedup,
        summary=fields.get("summary", ""),
        labels=fields.get("labels", {}),
        severity=fields.get("severity"),
        details=fields.get("details", {}),
        starts_at=fields.get("timestamp"),
    ), generated


def _pagerduty_payload(payload: Any, errors: list[str]) -> dict[str, Any]:
    if not isinstance(payload, dict):
        errors.append("'payload' is required for a trigger and must be an object")
        return {}
    summary, source, severity = (payload.get(k) for k in ("summary", "source", "severity"))
    if not isinstance(summary, str) or not summary.strip():
        errors.append("'payload.summary' is required")
    elif len(summary) > MAX_SUMMARY:
        errors.append("'payload.summary' is longer than 1024 characters")
    if not isinstance(source, str) or not source.strip():
        errors.append("'payload.source' is required")
    if severity not in PD_SEVERITIES:
        errors.append("'payload.severity' must be one of critical, error, warning, info")
    stamp = parse_time(payload.get("timestamp"), "'payload.timestamp'", errors)
    labels: dict[str, str] = {"source": source} if isinstance(source, str) else {}
    for key in ("component", "group", "class"):
        if isinstance(payload.get(key), str):
            labels[key] = payload[key]
    custom = payload.get("custom_details")
    details = custom if isinstance(custom, dict) else ({"details": custom} if custom else {})
    # String custom details may carry routing labels such as service and scenario.
    labels.update({k: v for k, v in details.items() if isinstance(v, str) and len(v) <= 256})
    return {
        "summary": summary,
        "labels": labels,
        "severity": severity,
        "details": details,
        "timestamp": stamp,
    }


def parse_generic(data: Any) -> Incoming:
    """The generic alert: ``{"summary", "labels", "status", "dedup_key"}`` (plus ``severity``)."""
    body = _object(data, "generic alert")
    errors: list[str] = []
    unknown = sorted(
        set(body) - {"summary", "labels", "status", "dedup_key", "severity", "details"}
    )
    if unknown:
        errors.append(
            f"unknown keys {', '.join(unknown)}; expected summary, labels, status, "
            "dedup_key, severity, details"
        )
    status = body.get("status", "firing")
    action = GENERIC_STATUS.get(status) if isinstance(status, str) else None
    if action is None:
        errors.append("status: expected firing, acknowledged or resolved")
    summary = body.get("summary")
    if action == "trigger" and (not isinstance(summary, str) or not summary.strip()):
        errors.append("summary: required for a firing alert (a non-empty string)")
    labels = _str_map(body.get("labels"), "labels", errors)
    dedup = body.get("dedup_key")
    if dedup is not None and (not isinstance(dedup, str) or not dedup or len(dedup) > MAX_KEY):
        errors.append("dedup_key: expected a non-empty string of at most 255 characters")
    if dedup is None and not labels:
        errors.append("give a dedup_key or labels (the fingerprint is made from the labels)")
    severity = body.get("severity")
    if severity is not None and not isinstance(severity, str):
        errors.append("severity: expected a string")
    details = body.get("details", {})
    if not isinstance(details, dict):
        errors.append("details: expected an object")
    if errors or action is None:
        raise BadPayload("invalid generic alert: " + errors[0], errors)
    return Incoming(
        source="generic",
        action=action,
        dedup_key=dedup if isinstance(dedup, str) else label_fingerprint(labels),
        summary=(summary if isinstance(summary, str) else "")[:MAX_SUMMARY],
        labels=labels,
        severity=severity,
        details=details,
    )
