"""Webhook contacts: a JSON POST per page, with the send log's key as ``Idempotency-Key``.

Body: ``{"key", "kind", "incident_id", "title", "severity", "level", "role", "person", "text",
"drill", "url", "ack_url", "resolve_url"}`` (level counts from 1; ``kind`` is ``page`` for an
escalation page, ``role`` when a role holder is told; the two links act once, without sign-in). A 2xx is success; 408, 429 and 5xx and network errors may be
retried; any other status is final. The URL (which may hold a token) never appears in an error.
"""

from __future__ import annotations

from typing import Any

import httpx

from firebreak.notify.channels import Message, SendResult

RETRYABLE = {408, 425, 429}


def body(message: Message) -> dict[str, Any]:
    return {
        "key": message.key,
        "kind": message.kind,
        "incident_id": message.incident_id,
        "title": message.title,
        "severity": message.severity,
        "level": message.level + 1,
        "role": message.role,
        "person": message.person_id,
        "text": message.text,
        "drill": message.drill,
        "url": message.url,
        "ack_url": message.ack_url,
        "resolve_url": message.resolve_url,
    }


class WebhookChannel:
    def __init__(self, timeout: float = 10.0) -> None:
        self.timeout = timeout

    def send(self, message: Message) -> SendResult:
        if not message.address.startswith(("http://", "https://")):
            return SendResult(False, False, "a webhook contact must be an http(s) URL")
        headers = {"Idempotency-Key": message.key, "User-Agent": "firebreak"}
        try:
            response = httpx.post(
                message.address, json=body(message), headers=headers, timeout=self.timeout
            )
        except httpx.HTTPError as exc:
            return SendResult(False, True, f"webhook unreachable: {type(exc).__name__}")
        if response.is_success:
            return SendResult(ok=True)
        retry = response.status_code in RETRYABLE or response.status_code >= 500
        return SendResult(False, retry, f"webhook answered {response.status_code}")
